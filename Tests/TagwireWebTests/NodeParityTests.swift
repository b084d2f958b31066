import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireTestSupport
import TagwireWeb
import Testing

/// The browser runtime against the Swift engine, fast: each web case of the engine's conformance corpus becomes a
/// journey of page loads, lifecycle events and direct calls, run by the built library in Node (Tests/TagwireWebTests/
/// Node/page.js) and by the Swift engine on the same events; their rule outcomes and dispatches must be equal.
/// Cases with clicks or custom DOM events need a real DOM and run in Chromium instead.
struct NodeParityTests {
    static let node = ["/usr/bin/node", "/usr/local/bin/node"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let cases = Repository.root.appendingPathComponent("Tests/TagwireRuntimeTests/Cases")
    static let receivedAt = 1_764_374_400.0

    static func webCases() -> [String] {
        Golden.cases(in: cases).filter { name in
            guard
                let data = FileManager.default.contents(
                    atPath: cases.appendingPathComponent("\(name)/property/property.json").path
                ),
                let property = try? JSONReader.parse([UInt8](data))
            else { return false }
            return property["platform"]?.stringValue == "web"
        }
    }

    static let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
    static let integer = "(?<=[:\\[,])-?[0-9]+(?=[,\\]}])"

    /// Random values differ between the two sides (each has its own random source): each UUID becomes `<value n>`,
    /// numbered by first appearance in its line, and so does each integer when the case draws random numbers. A
    /// value resolved twice where it should be memoised still shows as two values.
    static func normalised(_ line: String, randomNumbers: Bool) -> String {
        let pattern = randomNumbers ? uuid + "|" + integer : uuid
        guard let re = try? NSRegularExpression(pattern: pattern) else { return line }
        var seen: [String] = []
        for m in re.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
            guard let r = Range(m.range, in: line) else { continue }
            let id = String(line[r])
            if !seen.contains(id) { seen.append(id) }
        }
        var out = ""
        var last = line.startIndex
        for m in re.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
            guard let r = Range(m.range, in: line), let n = seen.firstIndex(of: String(line[r])) else { continue }
            out += line[last..<r.lowerBound] + "<value \(n)>"
            last = r.upperBound
        }
        return out + line[last...]
    }

    static func swiftLines(_ graph: RuleGraph, _ events: [JSONValue]) -> [String] {
        let engine = Engine(graph: graph, extensions: BuiltInExtensions.all, secrets: SecretResolver { _ in nil })
        var runner = EventRunner(engine: engine, seed: 7)
        var input: [UInt8] = []
        for e in events {
            input += JSONWriter().bytes(e)
            input.append(0x0A)
        }
        var lines: [String] = []
        runner.run(input, receivedAt: { receivedAt }) { record in
            let kept: JSONValue = ["rules": record["rules"] ?? [], "dispatches": record["dispatches"] ?? []]
            lines.append(JSONWriter(sortKeys: true).string(kept))
        }
        return lines
    }

    /// The lines page.js prints for the journey, run by the graph's built (readable) library, keys sorted.
    static func browserLines(_ graph: RuleGraph, _ journey: Journey) async throws -> [String] {
        let library = try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
        let scratch = try Scratch.directory("node-parity")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = scratch + "/library.js"
        try Data(library.readable).write(to: URL(fileURLWithPath: script))
        let journeyFile = scratch + "/journey.json"
        let spec: JSONValue = ["receivedAt": .number(receivedAt), "steps": .array(journey.steps)]
        try Data(JSONWriter().bytes(spec)).write(to: URL(fileURLWithPath: journeyFile))
        let (status, output) = try await ChildProcess.run(
            try #require(node),
            [Repository.path("Tests/TagwireWebTests/Node/page.js"), script, journeyFile],
            directory: Repository.root,
            environment: [:]
        )
        #expect(status == 0, "page.js exited with \(status)")
        return try String(decoding: output, as: UTF8.self).split(separator: "\n").map {
            JSONWriter(sortKeys: true).string(try JSONReader.parse(Array($0.utf8)))
        }
    }

    @Test(.enabled(if: node != nil, "needs Node (/usr/bin/node)"), arguments: webCases())
    func theBrowserRuntimeMatchesTheEngine(_ name: String) async throws {
        let dir = Self.cases.appendingPathComponent(name)
        let text = try String(contentsOf: dir.appendingPathComponent("events.ndjson"), encoding: .utf8)
        let events = try text.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8)) }
        // Clicks and custom events need a real DOM: ChromiumParityTests runs those cases.
        guard let journey = Journey(events, browser: false) else { return }
        let load = PropertyLoader.load(try PropertySource.directory(dir.appendingPathComponent("property").path))
        let graph = try #require(Compiler.compile(load, registry: BuiltInExtensions.all.contracts).graph)
        let browser = try await Self.browserLines(graph, journey)
        let swift = Self.swiftLines(graph, journey.events)
        let random = graph.dataElements.contains { $0.type == "core.random-number" }
        #expect(browser.count == swift.count)
        for (i, (b, s)) in zip(browser, swift).enumerated() {
            #expect(
                Self.normalised(b, randomNumbers: random) == Self.normalised(s, randomNumbers: random),
                "page event \(i) of \(name): \(journey.events[i])"
            )
        }
    }
}
