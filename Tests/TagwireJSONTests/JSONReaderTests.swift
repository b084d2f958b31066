import TagwireJSON
import TagwireTestSupport
import Testing

struct JSONReaderTests {
    func issues(_ text: String, options: JSONReaderOptions = .propertyFile) -> [String] {
        JSONReader.read(Array(text.utf8), options: options).issues.map(\.id)
    }

    @Test(arguments: [
        ("{\"a\": 1, \"a\": 2}", "json.duplicate-key"),
        ("[1, 2,]", "json.trailing-comma"),
        ("{\"a\": 1,}", "json.trailing-comma"),
        ("1e400", "json.number-out-of-range"),
        ("-1e309", "json.number-out-of-range"),
        ("01", "json.invalid-number"),
        ("1.", "json.invalid-number"),
        ("-", "json.invalid-number"),
        ("1e", "json.invalid-number"),
        ("\"a\\qb\"", "json.invalid-escape"),
        ("\"\\ud800\"", "json.invalid-escape"),
        ("\"a\tb\"", "json.control-character"),
        ("\"abc", "json.unterminated-string"),
        ("tru", "json.invalid-literal"),
        ("nul", "json.invalid-literal"),
        ("{} []", "json.trailing-content"),
        ("{a: 1}", "json.expected-key"),
        ("[1 2]", "json.unexpected-character"),
        ("", "json.unexpected-end"),
        ("[1, 2", "json.unexpected-end"),
        ("{\"a\" 1}", "json.unexpected-character"),
        ("NaN", "json.unexpected-character"),
    ])
    func rejectsWhatFoundationAccepts(_ text: String, _ id: String) {
        #expect(issues(text).contains(id), "\(text) gave \(issues(text))")
    }

    @Test
    func rejectsInvalidUTF8WithItsOffset() {
        let bytes: [UInt8] = Array("[\"ab".utf8) + [0xFF] + Array("c\"]".utf8)
        let doc = JSONReader.read(bytes)
        #expect(doc.issues.first?.id == "json.invalid-utf8")
        #expect(doc.issues.first?.offset == 4)
    }

    @Test
    func limitsDepthAndSize() {
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(issues(deep).contains("json.too-deep"))
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(issues(ok).isEmpty)
        let big = JSONReader.read([UInt8](repeating: 0x20, count: 100), options: JSONReaderOptions(maxBytes: 99))
        #expect(big.issues.map(\.id) == ["json.file-too-large"])
    }

    @Test
    func duplicateKeysAreAllReportedWithTheFirstPosition() {
        let doc = JSONReader.read(Array("{\n \"a\": 1,\n \"a\": 2,\n \"a\": 3\n}".utf8))
        #expect(doc.issues.count == 2)
        #expect(doc.issues.allSatisfy { $0.noteOffset == 3 })
        #expect(doc.value?["a"] == .number(1))
    }

    @Test
    func recordsLineAndColumnInUnicodeScalars() throws {
        let text = "{\n  \"é\": {\"x\": [10, \"😀\", true]}\n}"
        let doc = JSONReader.read(Array(text.utf8))
        let map = doc.sourceMap
        let offset = try #require(map.valueOffset("/é/x/2"))
        #expect(map.lineColumn(ofOffset: offset) == (2, 24))
        let keyOffset = try #require(map.keyOffset("/é"))
        #expect(map.lineColumn(ofOffset: keyOffset) == (2, 3))
        #expect(map.lineText(2) == "  \"é\": {\"x\": [10, \"😀\", true]}")
    }

    @Test
    func escapesPointerTokens() {
        let doc = JSONReader.read(Array("{\"a/b\": {\"m~n\": 1}}".utf8))
        #expect(doc.sourceMap.valueOffset("/a~1b/m~0n") == 16)
        #expect(doc.sourceMap.valueOffset("/a~1b/nope") == nil)
        #expect(doc.sourceMap.nearestValueOffset("/a~1b/nope") == 8)
    }

    @Test
    func parsesValuesExactly() throws {
        let v = try JSONReader.parse(
            "{\"s\": \"a\\u00e9\\ud83d\\ude00\\n\", \"n\": [0, -1.5, 1e3, 123456789012345680, 0.1], \"b\": [true, false, null]}"
        )
        #expect(v["s"] == .string("aé😀\n"))
        #expect(v["n"] == .array([0, -1.5, 1000, .bigInteger("123456789012345680"), 0.1]))
        #expect(v["b"] == .array([true, false, .null]))
        #expect(v.objectValue?.keys == ["s", "n", "b"])
    }

    @Test
    func writerIsDeterministicAndRoundTrips() throws {
        let text = "{\"z\":1,\"a\":[1.5,\"x\\\"y\",null,{\"k\":false}],\"u\":\"é\\u0001\"}"
        let v = try JSONReader.parse(text)
        #expect(JSONWriter().string(v) == text)
        #expect(
            JSONWriter(sortKeys: true).string(v)
                == "{\"a\":[1.5,\"x\\\"y\",null,{\"k\":false}],\"u\":\"é\\u0001\",\"z\":1}"
        )
        #expect(try JSONReader.parse(JSONWriter(pretty: true).string(v)) == v)
        #expect(JSONWriter().string(.number(1e21)) == "1e+21")
        #expect(JSONWriter().string(.number(-0.0)) == "0")
    }
}

struct JSONWriterEscapingTests {
    /// The word-at-a-time scan finds a character that needs escaping wherever it stands, and flags nothing else.
    @Test(arguments: ["\u{0}", "\n", "\"", "\\", "\u{1F}", "\t"])
    func escapesAreFoundAtEveryOffset(_ special: String) throws {
        for length in [1, 7, 8, 9, 16, 17, 31] {
            for position in 0..<length {
                var chars = Array(repeating: "a", count: length)
                chars[position] = special
                let text = chars.joined() + "é~\u{7F}"
                let written = JSONWriter().string(.string(text))
                #expect(try JSONReader.parse(written) == .string(text))
                #expect(written.utf8.count > text.utf8.count + 2, "\(written)")
            }
        }
        let plain = String(repeating: "abcé ~\u{7F}!#", count: 9)
        #expect(JSONWriter().string(.string(plain)) == "\"" + plain + "\"")
    }
}

struct JSONWriterNumberTests {
    /// Numbers with up to three decimals are written without `description`, with exactly its digits.
    @Test func shortDecimalsMatchSwiftsShortestForm() {
        var rng = TestRandom()
        var checked = 0
        for _ in 0..<20_000 {
            let cents = Int64.random(in: -10_000_000...10_000_000, using: &rng)
            let divisor = [10.0, 100.0, 1000.0, 7.0, 3.0][Int.random(in: 0..<5, using: &rng)]
            for n in [
                Double(cents) / divisor, Double(cents) / divisor * 1e6, 1e-3 * Double(cents % 1000),
                Double(cents) + 0.5,
            ] {
                #expect(
                    JSONWriter().string(.number(n)) == (n == n.rounded() ? String(Int64(n)) : n.description),
                    "\(n); \(rng)"
                )
                checked += 1
            }
        }
        for n in [
            0.1, 0.2, 0.3, 1.005, 129.5, 10.99, 0.001, 0.0001, 1e11 + 0.5, 999999999999.999, 4.35, 0.07, 1.1, 2.675,
        ] {
            #expect(JSONWriter().string(.number(n)) == n.description, "\(n)")
        }
        #expect(checked == 80_000)
    }

    /// Integers from 2^53 on keep the digits they were written with; smaller ones, fractions and exponents are
    /// numbers.
    @Test(arguments: [
        ("12345678901234567890", JSONValue.bigInteger("12345678901234567890")),
        ("12345678901234567891", .bigInteger("12345678901234567891")),
        ("9007199254740993", .bigInteger("9007199254740993")),
        ("-98765432109876543210", .bigInteger("-98765432109876543210")),
        ("9007199254740991", .number(9_007_199_254_740_991)),
        ("1234567890123456", .number(1_234_567_890_123_456)),
        ("1.2345678901234567e19", .number(1.2345678901234567e19)),
        ("12345678901234567890.0", .number(12_345_678_901_234_567_890.0)),
    ])
    func largeIntegersKeepTheirDigits(_ text: String, _ expected: JSONValue) throws {
        let value = try JSONReader.parse(text)
        #expect(value == expected)
        #expect(value.typeName == "integer")
        if case .bigInteger = expected {
            #expect(JSONWriter().string(value) == text)
            #expect(value.numberValue == Double(text))
        }
        // Inside an event, through the reader that builds only the projected paths, too.
        let projected = try JSONReader.parse(
            Array("{\"id\": \(text), \"other\": \(text)}".utf8),
            keeping: JSONProjection.keeping([["id"]])
        )
        #expect(projected["id"] == expected)
        #expect(projected["other"] == nil)
    }

    @Test
    func twoLargeIntegersThatOneDoubleHoldsStayDistinct() throws {
        let a = try JSONReader.parse("12345678901234567890")
        let b = try JSONReader.parse("12345678901234567891")
        #expect(a != b)
        #expect(a.numberValue == b.numberValue)
    }
}
