import Foundation
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire test`: fixture cases, their failures, `--update`, coverage, and the reports for CI.
struct TestCommandTests {
    /// A scratch copy of the example edge property with one fixture file of `cases` and no other.
    static func property(cases: String, shared: String = #""secrets": {"meta-access-token": "t"}, "now": 1765000000"#)
        throws -> (dir: String, fixture: String)
    {
        let root = try Scratch.directory("test-command")
        let dir = root + "/edge"
        try FileManager.default.copyItem(atPath: Repository.path("Properties/meta-quickstart-edge"), toPath: dir)
        try? FileManager.default.removeItem(atPath: dir + "/fixtures")
        try FileManager.default.createDirectory(atPath: dir + "/fixtures", withIntermediateDirectories: true)
        let fixture = dir + "/fixtures/cases.json"
        try "{\(shared), \"cases\": [\(cases)]}\n".write(toFile: fixture, atomically: true, encoding: .utf8)
        return (dir, fixture)
    }

    static let purchase = #"""
        {"data": {"eventName": "Purchase", "meta": {"userData": {"email": "Jane@Example.com"},
          "conversionData": {"eventId": "o-1", "customData": {"currency": "USD", "value": 99.8}}}},
         "xdm": {"web": {"webPageDetails": {"URL": "https://shop.example.com/thanks"}}},
         "request": {"ip": "203.0.113.7", "headers": {"user-agent": "Mozilla/5.0"}}}
        """#

    /// The exit status of `python3` with `arguments` (its output discarded).
    static func python(_ arguments: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Line and column (1-based) of the first occurrence of `text` in the file.
    static func position(of text: String, in file: String) throws -> String {
        let content = try String(contentsOfFile: file, encoding: .utf8)
        let range = try #require(content.range(of: text))
        let before = content[..<range.lowerBound]
        let line = before.split(separator: "\n", omittingEmptySubsequences: false).count
        let column =
            before.count
            - (before.lastIndex(of: "\n").map { before.distance(from: before.startIndex, to: $0) + 1 } ?? 0) + 1
        return "\(line):\(column)"
    }

    @Test
    func theExamplePropertiesPassWithEveryRuleCovered() throws {
        var cases = 0
        for p in ["Properties/meta-quickstart-web", "Properties/meta-quickstart-edge"] {
            let dir = Repository.path(p + "/fixtures")
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".json") {
                let doc = try JSONReader.parse(try String(contentsOfFile: dir + "/" + name, encoding: .utf8))
                cases += doc["cases"]?.arrayValue?.count ?? 0
            }
        }
        #expect(cases >= 5)
        let r = try TagwireCLI.run([
            "test", "Properties/meta-quickstart-web", "Properties/meta-quickstart-edge", "--coverage", "--threshold",
            "100",
        ])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("\(cases) passed, 0 failed\n"), "\(r.stdout)")
        #expect(r.stdout.contains("coverage: 100.0% ("))
        #expect(!r.stdout.contains("never"))
    }

    @Test
    func aFailedExpectationNamesItsPlaceAndShowsExpectedAndActual() throws {
        let (dir, fixture) = try Self.property(
            cases: #"""
                {"name": "purchase", "events": [\#(Self.purchase)], "expect": [{"event": 0,
                  "rules": {"MetaCAPI_Purchase": "fired", "MetaCAPI_Lead": "fired"},
                  "dispatches": [{"destination": "meta-capi", "rule": "MetaCAPI_Purchase", "fields": {
                    "/payload/data/0/custom_data/value": 98.8,
                    "/payload/data/0/user_data/em/0": {"sha256Of": "jane@example.com"},
                    "/payload/data/0/user_data/ph": {"absent": true},
                    "/payload/data/0/event_id": {"matches": "^x-"},
                    "/payload/data/0/custom_data": {"currency": "usd", "value": 98.8}}}],
                  "noDispatch": ["meta-capi"]}]}
                """#
        )
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let r = try TagwireCLI.run(["test", dir])
        #expect(r.status == 1)
        let shown = fixture
        let value = try Self.position(of: #""/payload/data/0/custom_data/value""#, in: fixture)
        #expect(r.stdout.contains("FAIL \(shown): purchase\n"), "\(r.stdout)")
        #expect(
            r.stdout.contains(
                "\(shown):\(value): event 0, dispatch meta-capi (MetaCAPI_Purchase), /payload/data/0/custom_data/value\n    expected: 98.8\n    actual:   99.8\n"
            ),
            "\(r.stdout)"
        )
        let lead = try Self.position(of: #""MetaCAPI_Lead""#, in: fixture)
        #expect(
            r.stdout.contains(
                "\(shown):\(lead): event 0: rule 'MetaCAPI_Lead' (condition 1 (Event is Lead) was not met)\n    expected: \"fired\"\n    actual:   \"conditionNotMet\""
            ),
            "\(r.stdout)"
        )
        #expect(
            r.stdout.contains("/payload/data/0/event_id\n    expected: {\"matches\":\"^x-\"}\n    actual:   \"o-1\"")
        )
        // The hashed email matched, the phone is absent: neither is reported.
        #expect(!r.stdout.contains("user_data/em"))
        #expect(!r.stdout.contains("user_data/ph"))
        // An object is compared whole and shown as a diff.
        #expect(r.stdout.contains("diff (- expected, + actual):\n"))
        #expect(r.stdout.contains("-   \"value\": 98.8\n"), "\(r.stdout)")
        #expect(r.stdout.contains("+   \"value\": 99.8\n"), "\(r.stdout)")
        #expect(r.stdout.contains("expected no dispatch to meta-capi, got 1 (from MetaCAPI_Purchase)"))
        #expect(r.stdout.hasSuffix("0 passed, 1 failed\n"))
    }

    @Test
    func aWrongHashIsShownWithItsPlainText() throws {
        let (dir, _) = try Self.property(
            cases: #"""
                {"name": "hash", "events": [\#(Self.purchase)], "expect": [{"event": 0, "dispatches": [
                  {"destination": "meta-capi", "fields": {"/payload/data/0/user_data/em/0": {"sha256Of": "Jane@Example.com"}}}]}]}
                """#
        )
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let r = try TagwireCLI.run(["test", dir])
        #expect(r.status == 1)
        #expect(r.stdout.contains("(sha256 of \\\"Jane@Example.com\\\")"), "\(r.stdout)")
        #expect(r.stdout.contains("actual:   \"8c87b489"), "\(r.stdout)")
    }

    @Test
    func updateRecordsTheActualResultsKeepingMatchersThatHold() throws {
        let (dir, fixture) = try Self.property(
            cases: #"""
                {"name": "purchase", "events": [\#(Self.purchase)], "expect": [{"event": 0,
                  "rules": {"MetaCAPI_Purchase": "failed"},
                  "dispatches": [{"destination": "meta-capi", "fields": {
                    "/payload/data/0/user_data/em/0": {"sha256Of": "jane@example.com"},
                    "/payload/data/0/custom_data/value": 1}}]}]}
                """#
        )
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let first = try TagwireCLI.run(["test", dir, "--update"])
        #expect(first.status == 1)
        #expect(first.stdout.contains("FAIL \(fixture): purchase (expectations updated)"))
        let doc = try JSONReader.parse(try String(contentsOfFile: fixture, encoding: .utf8))
        let expect = try #require(doc["cases"]?.arrayValue?.first?["expect"]?.arrayValue?.first)
        #expect(expect["rules"]?["MetaCAPI_Purchase"] == "fired")
        #expect(expect["rules"]?["MetaCAPI_Lead"] == "conditionNotMet")
        let fields = try #require(expect["dispatches"]?.arrayValue?.first?["fields"])
        #expect(fields["/payload/data/0/custom_data/value"] == .number(99.8))
        #expect(fields["/payload/data/0/user_data/em/0"] == .object(JSONObject([("sha256Of", "jane@example.com")])))
        #expect(fields["/payload/data/0/event_id"] == "o-1")
        let second = try TagwireCLI.run(["test", dir])
        #expect(second.status == 0, "\(second.stdout)")
        #expect(second.stdout.hasSuffix("1 passed, 0 failed\n"))
    }

    @Test
    func filterJSONAndJUnitReports() throws {
        let (dir, _) = try Self.property(
            cases: #"""
                {"name": "passes", "events": [\#(Self.purchase)], "expect": [{"event": 0, "rules": {"MetaCAPI_Purchase": "fired"}}]},
                {"name": "fails <on purpose>", "events": [\#(Self.purchase)], "expect": [{"event": 0, "rules": {"MetaCAPI_Purchase": "skipped"}}]}
                """#
        )
        let junit = (dir as NSString).deletingLastPathComponent + "/junit.xml"
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let filtered = try TagwireCLI.run(["test", dir, "--filter", "^pass"])
        #expect(filtered.status == 0)
        #expect(filtered.stdout.hasSuffix("1 passed, 0 failed\n"))
        let none = try TagwireCLI.run(["test", dir, "--filter", "nothing-is-called-this"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no case ran (none matches --filter 'nothing-is-called-this')"))

        let r = try TagwireCLI.run(["test", dir, "--format", "json", "--junit", junit])
        #expect(r.status == 1)
        let json = try JSONReader.parse(r.stdout)
        #expect(json["passed"] == 1)
        #expect(json["failed"] == 1)
        let failed = try #require(json["cases"]?.arrayValue?.first { $0["status"] == "failed" })
        #expect(failed["failures"]?.arrayValue?.first?["expected"] == "skipped")
        #expect(failed["failures"]?.arrayValue?.first?["actual"] == "fired")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains(#"tests="2" failures="1""#))
        #expect(xml.contains(#"name="fails &lt;on purpose&gt;""#))
        #expect(xml.contains("<failure message="))
        // Well-formed XML, as Python's parser reads it.
        #expect(try Self.python(["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])", junit]) == 0)
    }

    @Test
    func coverageBelowTheThresholdFailsAndNamesWhatNothingExercised() throws {
        let (dir, _) = try Self.property(
            cases: #"{"name": "one purchase", "events": [\#(Self.purchase)]}"#
        )
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let r = try TagwireCLI.run(["test", dir, "--threshold", "90"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("rule 'MetaCAPI_Lead' never fired"))
        #expect(r.stdout.contains("action 1 (Conversions API Lead) of rule 'MetaCAPI_Lead' never ran"))
        #expect(!r.stdout.contains("rule 'MetaCAPI_Purchase' never fired"))
        #expect(!r.stdout.contains("condition 1 (Event is Lead)"), "every rule's first condition was evaluated")
        #expect(r.stdout.contains("is below the threshold 90.0%"))
        #expect(r.stdout.hasSuffix("1 passed, 0 failed\n"))
        let low = try TagwireCLI.run(["test", dir, "--threshold", "10"])
        #expect(low.status == 0, "\(low.stdout)")
    }

    @Test
    func problemsInAFixtureFileAreReportedWithTheirPlace() throws {
        let (dir, fixture) = try Self.property(
            cases: #"""
                {"name": "typo", "evnets": [], "events": [], "expect": [{"event": 0, "rules": {"MetaCAPI_Lead": "fird"},
                  "dispatches": [{"destination": "meta-capi", "fields": {"payload": 1, "/x": {"matches": "("}}}]}]}
                """#
        )
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let r = try TagwireCLI.run(["test", dir])
        #expect(r.status == 1)
        #expect(
            r.stderr.contains(
                "\(fixture):\(try Self.position(of: "\"evnets\"", in: fixture)): error[fixture.unknown-key]: unknown key 'evnets' in a case; did you mean 'events'?"
            ),
            "\(r.stderr)"
        )
        #expect(r.stderr.contains("rule 'MetaCAPI_Lead': expected a status"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'fired'?"))
        #expect(r.stderr.contains("'payload' is not a JSON pointer"))
        #expect(r.stderr.contains("'matches' needs a valid regular expression"))
        #expect(r.stdout.hasSuffix("0 passed, 1 failed\n"))
        // The JSON Schema editors use rejects it too.
        #expect(try Self.python([Repository.path("scripts/validate-schemas.py"), "--expect-invalid", dir]) == 0)
    }

    @Test
    func aCaseRunsWithItsOwnSecretsOnly() throws {
        let (dir, _) = try Self.property(
            cases: #"""
                {"name": "no token", "secrets": {}, "events": [\#(Self.purchase)], "expect": [{"event": 0,
                  "rules": {"MetaCAPI_Purchase": {"status": "failed", "reason": {"matches": "secret 'meta-access-token' is not set \\(environment variable META_ACCESS_TOKEN\\)"}}},
                  "noDispatch": ["meta-capi"]}]}
                """#
        )
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        // The token in the process environment is not the case's.
        let r = try TagwireCLI.run(["test", dir], environment: ["META_ACCESS_TOKEN": "from-the-shell"])
        #expect(r.status == 0, "\(r.stdout)")
    }
}
