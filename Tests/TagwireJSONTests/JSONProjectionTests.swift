import TagwireJSON
import TagwireTestSupport
import Testing

/// Reading with a projection builds only the kept parts, and checks everything else exactly as a full read does:
/// the same inputs fail, with the same issue at the same offset.
struct JSONProjectionTests {
    static let keys = ["a", "b", "data", "xdm", "meta", "0", "1", "k\\u0061", "é", "long key with spaces"]
    static let strings = ["", "x", "plain text", "tab\\tand \\\"quote\\\"", "\\u00e9\\ud83d\\ude00", "é ü", "SKU-12-3"]

    /// JSON text with random white space, keys drawn from a small set (so paths hit and duplicates happen).
    static func text(_ g: inout TestRandom, depth: Int = 0) -> String {
        func ws(_ g: inout TestRandom) -> String { ["", "", " ", "\n  "][g.below(4)] }
        let kind = depth > 5 ? g.below(4) : g.below(7)
        switch kind {
        case 0: return ["true", "false", "null"][g.below(3)]
        case 1: return ["0", "-1.5", "129.5", "1e3", "123456789012345678901234", "1e400"][g.below(6)]
        case 2, 3: return "\"" + strings[g.below(strings.count)] + "\""
        case 4:
            let n = g.below(4)
            return "[" + (0..<n).map { _ in ws(&g) + text(&g, depth: depth + 1) + ws(&g) }.joined(separator: ",") + "]"
        default:
            let n = g.below(5)
            return "{"
                + (0..<n).map { _ in
                    ws(&g) + "\"" + keys[g.below(keys.count)] + "\"" + ws(&g) + ":" + ws(&g)
                        + text(&g, depth: depth + 1)
                }
                .joined(separator: ",") + "}"
        }
    }

    /// What a projection keeps, by the rule it documents (the reference the reader is checked against).
    static func kept(_ v: JSONValue, _ paths: [[String]]) -> JSONValue {
        if paths.contains(where: \.isEmpty) { return v }
        switch v {
        case .object(let o):
            var members: [(String, JSONValue)] = []
            for m in o {
                let rests = paths.filter { $0.first == m.key }.map { Array($0.dropFirst()) }
                if !rests.isEmpty { members.append((m.key, kept(m.value, rests))) }
            }
            return .object(JSONObject(uniqueKeys: members))
        case .array(let a):
            if paths.contains(where: { JSONValue.arrayIndex($0[0]) != nil }) { return v }
            return .array(a.map { kept($0, paths) })
        default:
            return v
        }
    }

    static let projections: [[[String]]] = [
        [], [["a"]], [["data", "meta"], ["xdm", "a"]], [["a", "b"], ["a", "0"]], [["ka"], ["é"]],
        [["b", "data", "xdm"], ["meta"]],
    ]

    static func parse(_ text: [UInt8], keeping p: JSONProjection?) -> Result<JSONValue, JSONIssue> {
        text.withUnsafeBufferPointer { buf in
            do throws(JSONIssue) {
                return .success(try JSONReader.parse(buf, options: JSONReaderOptions(maxDepth: 6), keeping: p))
            } catch {
                return .failure(error)
            }
        }
    }

    @Test func agreesWithTheFullReadOnGeneratedAndMutatedInput() {
        var g = TestRandom()
        var failures = 0
        var successes = 0
        var partial = 0
        for i in 0..<6000 {
            var bytes = Array(Self.text(&g).utf8)
            // Every other input is mutated: a byte changed, removed or repeated.
            if i % 2 == 1, !bytes.isEmpty {
                let at = g.below(bytes.count)
                switch g.below(3) {
                case 0: bytes[at] = [0x22, 0x2C, 0x7D, 0x5D, 0x5C, 0x00, 0xFF, 0x7B][g.below(8)]
                case 1: bytes.remove(at: at)
                default: bytes.insert(bytes[at], at: at)
                }
            }
            let full = Self.parse(bytes, keeping: nil)
            for paths in Self.projections {
                let projection = JSONProjection.keeping(paths)
                let projected = Self.parse(bytes, keeping: projection)
                switch (full, projected) {
                case (.success(let f), .success(let p)):
                    successes += 1
                    #expect(
                        p == Self.kept(f, paths),
                        "\(String(decoding: bytes, as: UTF8.self)) keeping \(paths); \(g)"
                    )
                    if p != f { partial += 1 }
                case (.failure(let f), .failure(let p)):
                    failures += 1
                    #expect(p == f, "\(String(decoding: bytes, as: UTF8.self)) keeping \(paths); \(g)")
                default:
                    Issue.record(
                        "full read \(full), projected \(projected): \(String(decoding: bytes, as: UTF8.self)) keeping \(paths); \(g)"
                    )
                }
            }
        }
        // Both outcomes, and projections that really leave things out, were exercised.
        #expect(successes > 10_000, "\(g)")
        #expect(failures > 10_000, "\(g)")
        #expect(partial > 3_000, "\(g)")
    }

    @Test func issuesInsideDroppedValuesAreStillReported() throws {
        let projection = JSONProjection.keeping([["data", "eventName"]])
        let cases: [(String, String)] = [
            (#"{"data":{"eventName":"x"},"xdm":{"a":1,"a":2}}"#, "json.duplicate-key"),
            (#"{"data":{"eventName":"x"},"xdm":{"k\u0061":1,"ka":2}}"#, "json.duplicate-key"),
            (#"{"data":{"eventName":"x"},"xdm":[1,2,]}"#, "json.trailing-comma"),
            (#"{"data":{"eventName":"x"},"xdm":{"s":"bad \u12"}}"#, "json.invalid-escape"),
            (#"{"data":{"eventName":"x"},"xdm":{"n":1e999}}"#, "json.number-out-of-range"),
            (#"{"data":{"eventName":"x"},"xdm":[[[[[[[[1]]]]]]]]}"#, "json.too-deep"),
            (#"{"data":{"eventName":"x"},"xdm":{"a" 1}}"#, "json.unexpected-character"),
            (#"{"data":{"eventName":"x"},"xdm":{"a":1"#, "json.unexpected-end"),
        ]
        for (text, id) in cases {
            let full = Self.parse(Array(text.utf8), keeping: nil)
            let projected = Self.parse(Array(text.utf8), keeping: projection)
            guard case .failure(let f) = full, case .failure(let p) = projected else {
                Issue.record("\(text) should fail")
                continue
            }
            #expect(p.id == id, "\(text)")
            #expect(p == f, "\(text)")
        }
        let ok = try #require(
            try? JSONReader.parse(
                Array(#"{"xdm":{"big":[1,{"x":"y"}]},"data":{"eventName":"Lead","other":true}}"#.utf8),
                keeping: projection
            )
        )
        #expect(ok == ["data": ["eventName": "Lead"]])
    }

    @Test func pathsMergeAndAPathToAnIndexKeepsTheArray() throws {
        #expect(JSONProjection.keeping([["a"], ["a", "b"]])?.paths == [["a"]])
        #expect(JSONProjection.keeping([["a", "b"], []]) == nil)
        #expect(JSONProjection.keeping([["a", "b"], ["a", "c"], ["d"]])?.paths == [["a", "b"], ["a", "c"], ["d"]])
        let text = Array(#"{"a":[{"b":1,"c":2},{"b":3}],"i":[{"b":1,"c":2}]}"#.utf8)
        let elementwise = try JSONReader.parse(text, keeping: JSONProjection.keeping([["a", "b"], ["i", "0", "b"]]))
        #expect(elementwise == ["a": [["b": 1], ["b": 3]], "i": [["b": 1, "c": 2]]])
    }
}
