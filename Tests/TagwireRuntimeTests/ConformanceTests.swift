import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireTestSupport
import Testing

/// The conformance corpus: each folder under Cases/ holds a property, NDJSON events, optional secrets and the
/// exact output lines of `tagwire run` (seed 7, events received at 1764374400). Rerun with TAGWIRE_RECORD=1 to
/// record; recording also fails. Every bug fixed adds a case.
struct ConformanceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Cases")
    static let receivedAt = 1_764_374_400.0

    static var cases: [String] { Golden.cases(in: root) }

    static func output(_ name: String) throws -> String {
        let dir = root.appendingPathComponent(name)
        let load = PropertyLoader.load(try PropertySource.directory(dir.appendingPathComponent("property").path))
        let result = Compiler.compile(load, registry: BuiltInExtensions.all.contracts)
        guard let graph = result.graph else {
            return "compile errors: \(result.diagnostics.map(\.message))\n"
        }
        var secrets: [String: String] = [:]
        if let data = FileManager.default.contents(atPath: dir.appendingPathComponent("secrets.json").path),
            case .object(let o) = try JSONReader.parse([UInt8](data))
        {
            for m in o { secrets[m.key] = m.value.stringValue }
        }
        let fixed = secrets
        let engine = Engine(
            graph: graph,
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { node in node.environmentVariable.flatMap { fixed[$0] } }
        )
        var runner = EventRunner(engine: engine, seed: 7)
        let events = try Data(contentsOf: dir.appendingPathComponent("events.ndjson"))
        var out = ""
        runner.run([UInt8](events), receivedAt: { receivedAt }) { out += JSONWriter().string($0) + "\n" }
        return out
    }

    @Test(arguments: cases)
    func caseProducesItsExpectedOutput(_ name: String) throws {
        let actual = try Self.output(name)
        try Golden.check(
            actual,
            against: Self.root.appendingPathComponent(name).appendingPathComponent("expected.ndjson")
        )
    }
}
