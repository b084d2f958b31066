import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireModel
import Testing

/// Each folder under Fixtures/diagnostics holds a small property with one problem and the exact text
/// `tagwire validate` renders for it. Rerun with TAGWIRE_RECORD=1 to record; recording also fails the test.
struct DiagnosticGoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures/diagnostics"
    )

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted()
    }

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
        let expectedURL = Self.root.appendingPathComponent(name).appendingPathComponent("expected.txt")
        if ProcessInfo.processInfo.environment["TAGWIRE_RECORD"] != nil {
            try text.write(to: expectedURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(name); rerun without TAGWIRE_RECORD")
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(text == expected)
        // The folder name names the diagnostic the case is about: json-trailing-comma → json.trailing-comma.
        let domain = String(name.prefix { $0 != "-" })
        #expect(ids.contains { $0.hasPrefix(domain + ".") }, "case \(name) produced \(ids.sorted())")
    }

    @Test
    func atLeastFortyDistinctDiagnosticsArePinned() throws {
        var all = Set<String>()
        for name in Self.cases {
            let expected = try String(
                contentsOf: Self.root.appendingPathComponent(name).appendingPathComponent("expected.txt"),
                encoding: .utf8
            )
            for line in expected.split(separator: "\n") {
                guard let open = line.range(of: "]: "), let start = line.range(of: "[") else { continue }
                if start.lowerBound < open.lowerBound, line.contains("error[") || line.contains("warning[") {
                    all.insert(String(line[line.index(after: start.lowerBound)..<open.lowerBound]))
                }
            }
        }
        #expect(all.count >= 40, "only \(all.count) distinct diagnostics: \(all.sorted())")
    }
}
