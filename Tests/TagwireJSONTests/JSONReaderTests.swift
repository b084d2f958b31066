import Testing
@testable import TagwireHashing
import TagwireJSON

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
        let v = try JSONReader.parse("{\"s\": \"a\\u00e9\\ud83d\\ude00\\n\", \"n\": [0, -1.5, 1e3, 123456789012345680, 0.1], \"b\": [true, false, null]}")
        #expect(v["s"] == .string("aé😀\n"))
        #expect(v["n"] == .array([0, -1.5, 1000, .number(123456789012345680), 0.1]))
        #expect(v["b"] == .array([true, false, .null]))
        #expect(v.objectValue?.keys == ["s", "n", "b"])
    }

    @Test
    func writerIsDeterministicAndRoundTrips() throws {
        let text = "{\"z\":1,\"a\":[1.5,\"x\\\"y\",null,{\"k\":false}],\"u\":\"é\\u0001\"}"
        let v = try JSONReader.parse(text)
        #expect(JSONWriter().string(v) == text)
        #expect(JSONWriter(sortKeys: true).string(v) == "{\"a\":[1.5,\"x\\\"y\",null,{\"k\":false}],\"u\":\"é\\u0001\",\"z\":1}")
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
        var rng = SystemRandomNumberGenerator()
        var checked = 0
        for _ in 0..<20_000 {
            let cents = Int64.random(in: -10_000_000...10_000_000, using: &rng)
            let divisor = [10.0, 100.0, 1000.0, 7.0, 3.0][Int.random(in: 0..<5, using: &rng)]
            for n in [Double(cents) / divisor, Double(cents) / divisor * 1e6, 1e-3 * Double(cents % 1000), Double(cents) + 0.5] {
                #expect(JSONWriter().string(.number(n)) == (n == n.rounded() ? String(Int64(n)) : n.description), "\(n)")
                checked += 1
            }
        }
        for n in [0.1, 0.2, 0.3, 1.005, 129.5, 10.99, 0.001, 0.0001, 1e11 + 0.5, 999999999999.999, 4.35, 0.07, 1.1, 2.675] {
            #expect(JSONWriter().string(.number(n)) == n.description, "\(n)")
        }
        #expect(checked == 80_000)
    }
}

struct SHA256Tests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("john_smith@gmail.com", "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"),
        ("16505551212", "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"),
    ])
    func matchesKnownDigests(_ input: String, _ digest: String) {
        #expect(SHA256.hexDigest(input) == digest)
    }

    @Test
    func hashesLongInputsAcrossBlocks() {
        let million = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(SHA256.hexDigest(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        var incremental = SHA256()
        million.withUnsafeBufferPointer { buf in
            incremental.update(UnsafeBufferPointer(rebasing: buf[0..<3]))
            incremental.update(UnsafeBufferPointer(rebasing: buf[3..<100_003]))
            incremental.update(UnsafeBufferPointer(rebasing: buf[100_003...]))
        }
        #expect(SHA256.hex(incremental.finalize()) == SHA256.hexDigest(million))
    }

    @Test(arguments: [0, 1, 55, 56, 63, 64, 65, 118, 119, 120, 200])
    func shortAndStreamingPathsAgree(_ length: Int) {
        let text = String(repeating: "é", count: length / 2) + String(repeating: "x", count: length % 2)
        var streaming = SHA256()
        streaming.update(Array(text.utf8))
        #expect(SHA256.hexDigest(text) == SHA256.hex(streaming.finalize()))
    }

    @Test(arguments: [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000])
    func hardwareAndPortableCompressionAgree(_ length: Int) {
        // On processors with the SHA extensions the default path uses them; the portable Swift path must agree
        // (on others both are the Swift path and this still checks the vectors below).
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let text = String(decoding: (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) }, as: UTF8.self)
            #expect(SHA256.hexDigest(text, portable: true) == SHA256.hexDigest(text))
        }
        #expect(SHA256.hexDigest("abc", portable: true) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test
    func hmacMatchesMetaAppSecretProofVector() {
        #expect(SHA256.hmacHex(key: "sec", message: "tok") == "b13512356d1403d2449aa2e7369214f0459f0d3c08cb742b0aff4fe57aae36f5")
    }
}
