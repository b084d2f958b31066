import ArgumentParser
import Foundation
import TagwireDiagnostics
import TagwireJSON

/// `tagwire test <property>...`: runs the cases in each property's `fixtures/` and checks what the rules produce.
public struct Test: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run the fixture cases of properties and check what their rules produce.",
        discussion: """
            Every JSON file under a property's fixtures/ holds cases: events (inline or an NDJSON file), a fixed \
            clock, seed, environment and secrets, and expectations on rule statuses and dispatches (docs/TESTING.md). \
            Ends with "N passed, N failed"; exit 1 when a case failed, a fixture file has errors, no case ran, or \
            coverage is below --threshold.

            Example:
              tagwire test Properties/meta-quickstart-web Properties/meta-quickstart-edge --coverage --threshold 100
            """
    )

    @Argument(help: "Property directories whose fixtures/ to run.")
    var properties: [String]

    @Option(help: "The edge property that receives web properties' 'edge' dispatches in cases that name none.")
    var then: String?

    @Option(help: "Run only the cases whose name or fixture file matches this regular expression.")
    var filter: String?

    @Flag(help: "Write each case's actual results into its file as its new expectations (review them with git diff).")
    var update = false

    @Option(help: "Output: text or json.")
    var format: DiagnosticFormat = .text

    @Option(help: "Also write the results as JUnit XML to this file (for CI test reports).")
    var junit: String?

    @Flag(help: "Report the rules, conditions, actions and data elements no case exercised.")
    var coverage = false

    @Option(help: "Fail when coverage is below this percentage (implies --coverage).")
    var threshold: Double?

    public init() {}

    public func validate() throws {
        if properties.isEmpty { throw ValidationError("give at least one property directory") }
        if let threshold, !(0...100).contains(threshold) {
            throw ValidationError("--threshold is a percentage from 0 to 100, not \(threshold)")
        }
        if let filter, (try? NSRegularExpression(pattern: filter)) == nil {
            throw ValidationError("--filter '\(filter)' is not a valid regular expression")
        }
    }

    public func run() async throws {
        let pattern = filter.flatMap { try? NSRegularExpression(pattern: $0) }
        func selected(_ text: String) -> Bool {
            guard let pattern else { return true }
            return pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        var runner = FixtureRunner(then: then)
        var results: [CaseResult] = []
        var brokenFiles = 0
        var diagnostics: [Diagnostic] = []
        for property in properties {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: property, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw ValidationError("'\(property)' is not a property directory")
            }
            let files = Self.fixtureFiles(property)
            if files.isEmpty, format == .text {
                Output.err("note: \(property) has no fixture cases (JSON files under \(property)/fixtures)\n")
            }
            for path in files {
                let (file, problems) = FixtureDecoder.read(path, shownPath: path)
                diagnostics += problems
                guard let file else {
                    brokenFiles += 1
                    continue
                }
                var ran: [CaseResult] = []
                for c in file.cases where selected(c.name) || selected(file.path) {
                    ran.append(runner.run(c, of: file, property: property))
                }
                if update, !ran.isEmpty { try Self.record(ran, into: file, at: path) }
                results += ran
            }
        }
        if !diagnostics.isEmpty {
            PropertyInput.report(diagnostics, sources: SourceFiles(), format: format, property: nil)
        }
        let passed = results.filter(\.passed).count
        let failed = results.count - passed + brokenFiles
        let showCoverage = coverage || threshold != nil
        let reports = runner.coverage.map { ($0.name, $0.report) }
        let covered = reports.reduce(0) { $0 + $1.1.covered }
        let total = reports.reduce(0) { $0 + $1.1.total }
        let percent = total == 0 ? 100 : Double(covered) * 100 / Double(total)
        let belowThreshold = threshold.map { percent + 1e-9 < $0 } ?? false

        switch format {
        case .text:
            Output.out(Self.text(results, update: update))
            if showCoverage {
                var s = ""
                for (name, r) in reports {
                    s += "coverage \(name): \(Self.percentText(r.percent)) (\(r.covered)/\(r.total))\n"
                    for m in r.missed { s += "  \(m)\n" }
                }
                if reports.count > 1 { s += "coverage: \(Self.percentText(percent)) (\(covered)/\(total))\n" }
                Output.out(s)
            }
            if belowThreshold, let threshold {
                Output.out(
                    "coverage \(Self.percentText(percent)) is below the threshold \(Self.percentText(threshold))\n"
                )
            }
            Output.out("\(passed) passed, \(failed) failed\n")
        case .json:
            var members: [(String, JSONValue)] = [
                ("cases", .array(results.map(Self.json))), ("passed", .number(Double(passed))),
                ("failed", .number(Double(failed))),
            ]
            if showCoverage {
                members.append(
                    (
                        "coverage",
                        .object(
                            JSONObject([
                                ("percent", .number(percent)), ("covered", .number(Double(covered))),
                                ("total", .number(Double(total))),
                                (
                                    "properties",
                                    .array(
                                        reports.map { name, r in
                                            .object(
                                                JSONObject([
                                                    ("property", .string(name)), ("percent", .number(r.percent)),
                                                    ("covered", .number(Double(r.covered))),
                                                    ("total", .number(Double(r.total))),
                                                    ("missed", .array(r.missed.map(JSONValue.string))),
                                                ])
                                            )
                                        }
                                    )
                                ),
                            ])
                        )
                    )
                )
                if let threshold { members.append(("threshold", .number(threshold))) }
            }
            Output.out(JSONWriter(pretty: true).string(.object(JSONObject(members))) + "\n")
        }
        if let junit {
            try Data(Self.junit(results, fileProblems: diagnostics).utf8).write(to: URL(fileURLWithPath: junit))
        }
        if results.isEmpty, brokenFiles == 0 {
            Output.err("error: no case ran" + (filter.map { " (none matches --filter '\($0)')" } ?? "") + "\n")
            throw ExitCode(1)
        }
        if failed > 0 || belowThreshold { throw ExitCode(1) }
    }

    /// The JSON files under `property/fixtures`, sorted.
    static func fixtureFiles(_ property: String) -> [String] {
        let root = (property as NSString).appendingPathComponent("fixtures")
        guard let walk = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [String] = []
        while let next = walk.nextObject() as? String {
            if next.hasSuffix(".json") { files.append((root as NSString).appendingPathComponent(next)) }
        }
        return files.sorted()
    }

    static func percentText(_ p: Double) -> String {
        String(format: "%.1f%%", p)
    }

    static func location(_ r: CaseResult, _ f: CaseFailure) -> String {
        let l = r.file.location(f.pointer)
        return "\(l.file):\(l.line ?? 1):\(l.column ?? 1)"
    }

    static func text(_ results: [CaseResult], update: Bool) -> String {
        let writer = JSONWriter()
        var s = ""
        for r in results {
            let head = "\(r.file.path): \(r.fixtureCase.name)"
            guard !r.passed else {
                s += "PASS \(head)\n"
                continue
            }
            s += "FAIL \(head)" + (update ? " (expectations updated)" : "") + "\n"
            for f in r.failures {
                s += "  \(location(r, f)): \(f.message)\n"
                if let e = f.expected { s += "    expected: \(writer.string(e))\n" }
                if f.expected != nil || f.actual != nil {
                    s += "    actual:   \(f.actual.map(writer.string) ?? "(nothing)")\n"
                }
                if let e = f.expected, let a = f.actual, e.isContainer || a.isContainer {
                    s += "    diff (- expected, + actual):\n"
                    for line in JSONDiff.lines(e, a) { s += "      \(line)\n" }
                }
            }
        }
        return s
    }

    static func json(_ r: CaseResult) -> JSONValue {
        .object(
            JSONObject([
                ("file", .string(r.file.path)), ("name", .string(r.fixtureCase.name)),
                ("location", .string(location(r, CaseFailure(pointer: r.fixtureCase.pointer, message: "")))),
                ("status", .string(r.passed ? "passed" : "failed")),
                (
                    "failures",
                    .array(
                        r.failures.map { f in
                            var m: [(String, JSONValue)] = [
                                ("location", .string(location(r, f))), ("pointer", .string(f.pointer)),
                                ("message", .string(f.message)),
                            ]
                            if let e = f.expected { m.append(("expected", e)) }
                            if let a = f.actual { m.append(("actual", a)) }
                            return .object(JSONObject(m))
                        }
                    )
                ),
            ])
        )
    }

    /// JUnit XML: a suite per fixture file, a test case per case, a failure per unmet expectation.
    static func junit(_ results: [CaseResult], fileProblems: [Diagnostic]) -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for ch in s.unicodeScalars {
                switch ch {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "\n", "\t": out.unicodeScalars.append(ch)
                default:
                    // XML 1.0 has no way to write other control characters.
                    if ch.value < 0x20 { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
                }
            }
            return out
        }
        let writer = JSONWriter()
        var byFile: [(String, [CaseResult])] = []
        for r in results {
            if let i = byFile.firstIndex(where: { $0.0 == r.file.path }) {
                byFile[i].1.append(r)
            } else {
                byFile.append((r.file.path, [r]))
            }
        }
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tagwire test\">\n"
        for (file, cases) in byFile {
            let failures = cases.filter { !$0.passed }.count
            s += "  <testsuite name=\"\(escape(file))\" tests=\"\(cases.count)\" failures=\"\(failures)\">\n"
            for r in cases {
                s += "    <testcase classname=\"\(escape(file))\" name=\"\(escape(r.fixtureCase.name))\""
                guard !r.passed else {
                    s += "/>\n"
                    continue
                }
                s += ">\n"
                for f in r.failures {
                    var body = "\(location(r, f)): \(f.message)"
                    if let e = f.expected { body += "\nexpected: \(writer.string(e))" }
                    if let a = f.actual { body += "\nactual:   \(writer.string(a))" }
                    s += "      <failure message=\"\(escape(f.message))\">\(escape(body))</failure>\n"
                }
                s += "    </testcase>\n"
            }
            s += "  </testsuite>\n"
        }
        if !fileProblems.isEmpty {
            s +=
                "  <testsuite name=\"fixture files\" tests=\"\(fileProblems.count)\" failures=\"\(fileProblems.count)\">\n"
            for d in fileProblems {
                let place = d.location.map { "\($0.file):\($0.line ?? 1):\($0.column ?? 1)" } ?? ""
                s += "    <testcase classname=\"fixture files\" name=\"\(escape(place))\">"
                s += "<failure message=\"\(escape(d.message))\"/></testcase>\n"
            }
            s += "  </testsuite>\n"
        }
        s += "</testsuites>\n"
        return s
    }

    /// Replaces the `expect` of each case that ran with its actual results and writes the file back.
    static func record(_ ran: [CaseResult], into file: FixtureFile, at path: String) throws {
        guard case .object(var root) = file.document, case .array(var cases) = root["cases"] else { return }
        for r in ran {
            guard let index = Int(r.fixtureCase.pointer.split(separator: "/").last ?? ""),
                cases.indices.contains(index), case .object(var c) = cases[index]
            else { continue }
            c["expect"] = ExpectationRecorder.expectations(for: r)
            cases[index] = .object(c)
        }
        root["cases"] = .array(cases)
        try Data(PropertyFiles.jsonFile(.object(root))).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

extension JSONValue {
    var isContainer: Bool {
        switch self {
        case .object, .array: return true
        default: return false
        }
    }
}
