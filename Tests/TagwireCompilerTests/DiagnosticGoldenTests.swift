import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireModel
import TagwireTestSupport
import Testing

/// Each folder under Fixtures/diagnostics holds a small property with one problem and the exact text
/// `tagwire validate` renders for it. Rerun with TAGWIRE_RECORD=1 to record; recording also fails the test.
struct DiagnosticGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/diagnostics"
    )

    static var cases: [String] { Golden.cases(in: root) }

    static func render(_ name: String) throws -> (text: String, ids: Set<String>) {
        let dir = root.appendingPathComponent(name).appendingPathComponent("property").path
        let load = PropertyLoader.load(try PropertySource.directory(dir))
        let result = Compiler.validate(load, registry: BuiltInExtensions.all.contracts)
        return (
            TextDiagnosticRenderer(sources: result.sources).render(result.diagnostics),
            Set(result.diagnostics.map(\.id))
        )
    }

    @Test(arguments: cases)
    func renderedDiagnosticsMatchGolden(_ name: String) throws {
        let (text, ids) = try Self.render(name)
        try Golden.check(text, against: Self.root.appendingPathComponent(name).appendingPathComponent("expected.txt"))
        // The folder name names the diagnostic the case is about: json-trailing-comma → json.trailing-comma.
        let domain = String(name.prefix { $0 != "-" })
        #expect(ids.contains { $0.hasPrefix(domain + ".") }, "case \(name) produced \(ids.sorted())")
    }

    /// Diagnostics pinned by another kind of test, and where (a golden case renders `tagwire validate` of a property
    /// directory, which these cannot be).
    static let pinnedElsewhere: [String: String] = [
        "compile.unknown-environment": "BuildTests: an option naming no environment",
        "compile.unknown-library": "BuildTests: an option naming no library",
        "compile.graph-api-version-expires-soon": "GraphAPIVersionTests (it depends on the day validate runs)",
        "json.file-too-large": "JSONReaderTests: a file over 4 MiB",
        "json.invalid-literal": "JSONReaderTests (a property file reports it as unexpected-character)",
        "json.unterminated-string": "JSONReaderTests",
        "model.unreadable-file": "PropertyDirectoryTests: links out of the property, pipes, files over the limit",
    ]

    /// Every diagnostic id the sources can emit has a golden case, or is in ``pinnedElsewhere``: a new diagnostic
    /// comes with its golden.
    @Test
    func everyDiagnosticTheSourcesEmitIsPinned() throws {
        var pinned = Set<String>()
        for name in Self.cases {
            let expected = try String(
                contentsOf: Self.root.appendingPathComponent(name).appendingPathComponent("expected.txt"),
                encoding: .utf8
            )
            for line in expected.split(separator: "\n") {
                guard let open = line.range(of: "]: "), let start = line.range(of: "[") else { continue }
                if start.lowerBound < open.lowerBound, line.contains("error[") || line.contains("warning[") {
                    pinned.insert(String(line[line.index(after: start.lowerBound)..<open.lowerBound]))
                }
            }
        }
        let emitted = try Self.diagnosticIDs(in: Repository.path("Sources"))
        #expect(emitted.count > 50, "the ids were not found in the sources")
        let missing = emitted.subtracting(pinned).subtracting(Self.pinnedElsewhere.keys)
        #expect(missing.isEmpty, "no golden case under Fixtures/diagnostics for \(missing.sorted())")
    }

    /// The string literals of the form `"json.…"`, `"model.…"` or `"compile.…"` in the Swift files under `dir`.
    static func diagnosticIDs(in dir: String) throws -> Set<String> {
        let pattern = try NSRegularExpression(pattern: #""((?:json|model|compile)\.[a-z0-9-]+)""#)
        var ids = Set<String>()
        let files = FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let r = Range(match.range(at: 1), in: text) { ids.insert(String(text[r])) }
            }
        }
        return ids
    }
}
