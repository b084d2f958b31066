import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireTestSupport
import TagwireWeb
import Testing

/// The 18 value-comparison operators in the browser runtime against the Swift engine: random operand pairs of
/// every JSON type (and missing), each operator with and without case folding, one rule per comparison, all run by
/// one direct call. The operands come from the page state, so neither side can fold them at build time.
struct ComparisonParityTests {
    static let operands: [JSONValue?] = [
        nil, .null, true, false, 0, 1, -1.5, 2, 1000, "", "0", "1", "2", " 2 ", "abc", "ABC", "a", "0x10", "1e3",
        "Infinity", "NaN", "^a", "b.c", "[", "true", [], [1], [1, 2], ["a"], [:], ["a": 1], "ΟΔΥΣΣΕΥΣ", "οδυσσευς",
        "ΣΑΣ", "İ",
    ]

    @Test(.enabled(if: NodeParityTests.node != nil, "needs Node (/usr/bin/node)"))
    func everyOperatorAgreesOnRandomOperands() async throws {
        var random = TestRandom()
        let count = 1500
        let dir = try Scratch.directory("comparisons")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        for sub in ["rules", "data-elements", "extensions"] {
            try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        func write(_ path: String, _ value: JSONValue) throws {
            try Data(JSONWriter(pretty: true).bytes(value)).write(to: URL(fileURLWithPath: dir + "/" + path))
        }
        try write("property.json", ["name": "comparisons", "platform": "web", "domains": ["shop.example.com"]])
        try write("extensions/meta-pixel.json", ["name": "meta-pixel", "settings": ["pixelId": "111"]])
        try write(
            "data-elements/ops.json",
            ["name": "Ops", "type": "core.path", "settings": ["path": "window.ops"]]
        )
        var pairs: [JSONValue] = []
        for n in 0..<count {
            let op = ValueComparison.operators[random.below(ValueComparison.operators.count)]
            let left = Self.operands[random.below(Self.operands.count)]
            let right = Self.operands[random.below(Self.operands.count)]
            var pair = JSONObject()
            if let left { pair["l"] = left }
            if let right { pair["r"] = right }
            pairs.append(.object(pair))
            let comparison = JSONObject([("operator", .string(op)), ("caseInsensitive", .bool(random.below(2) == 1))])
            var condition = JSONObject([
                ("leftOperand", .string("{{Ops.\(n).l}}")), ("comparison", .object(comparison)),
            ])
            if ValueComparison.needsRightOperand(op) { condition["rightOperand"] = .string("{{Ops.\(n).r}}") }
            let name = String(format: "c%05d", n)
            try write(
                "rules/\(name).json",
                [
                    "name": .string(name),
                    "events": [["type": "core.direct-call", "settings": ["identifier": "go"]]],
                    "conditions": [["type": "core.value-comparison", "settings": .object(condition)]],
                    "actions": [["type": "meta-pixel.send-event", "settings": ["eventName": .string(name)]]],
                ]
            )
        }
        let load = PropertyLoader.load(try PropertySource.directory(dir))
        let result = Compiler.compile(load, registry: BuiltInExtensions.all.contracts)
        let graph = try #require(result.graph, "\(result.diagnostics.map { $0.message })")
        let journey = try #require(
            Journey(
                [["type": "core.direct-call", "identifier": "go", "window": ["ops": .array(pairs)]]],
                browser: false
            )
        )
        let browser = try await NodeParityTests.browserLines(graph, journey)
        let swift = NodeParityTests.swiftLines(graph, journey.events)
        #expect(browser.count == 2 && swift.count == 2)
        guard browser.count == 2, swift.count == 2 else { return }
        let b = try JSONReader.parse(Array(browser[1].utf8))["rules"]?.arrayValue ?? []
        let s = try JSONReader.parse(Array(swift[1].utf8))["rules"]?.arrayValue ?? []
        #expect(b.count == count && s.count == count)
        for (x, y) in zip(b, s) where x != y {
            let n = Int((x["name"]?.stringValue ?? "c0").dropFirst()) ?? 0
            Issue.record("\(random): \(graph.rules[n].conditions[0]) with \(pairs[n]): browser \(x), engine \(y)")
        }
    }
}
