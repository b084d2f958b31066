import Foundation
import TagwireHashing
import TagwireMeta
import TagwireTestSupport
import Testing

/// Postcodes as Meta documents them, and lower-casing with Unicode's full mapping and its final-sigma rule.
struct PostcodeAndCaseTests {
    /// Input, the event's country, the text hashed.
    @Test(
        arguments: [
            ("01310-100", "br", "01310100"), ("100-0001", "jp", "1000001"), ("1000-001", "pt", "1000001"),
            ("SW1A 1AA", "gb", "sw1a1aa"), ("H0H 0H0", "ca", "h0h0h0"), ("75001", "fr", "75001"),
            ("94025-1234", "us", "94025"), ("940251234", "us", "94025"), ("94025", "us", "94025"),
            // Without a country, only what is shaped like a US code is cut.
            ("94025-1234", nil, "94025"), ("940251234", nil, "94025"), ("01310-100", nil, "01310100"),
            ("1000-001", nil, "1000001"), ("Ａ１-２", "jp", "ａ１２"),
        ] as [(String, String?, String)]
    )
    func postcodesKeepEveryCharacterButOutsideTheUS(_ input: String, _ country: String?, _ expected: String) {
        #expect(Normalization.zip(input, country: country) == expected)
        #expect(
            Normalization.hashed(key: "zp", input, country: country) == SHA256.hexDigest(expected),
            "\(input) (\(country ?? "no country"))"
        )
    }

    @Test(arguments: [
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευς"), ("ΣΑΣ", "σας"), ("Σ", "σ"), ("ΑΣ.", "ας."), ("ΑΣ'Β", "ασ'β"), ("ΑΣ Β", "ας β"),
        ("ΑΣ'", "ας'"), ("İstanbul", "i̇stanbul"),
    ])
    func aWordFinalSigmaBecomesFinal(_ input: String, _ expected: String) {
        #expect(TextTools.lowercased(input) == expected)
        #expect(Normalization.normalize(key: "ln", input) == Normalization.normalize(key: "ln", expected))
    }

    /// Python's `str.lower` (Unicode's full mapping with Final_Sigma) over every code point that changes when
    /// lower-cased, alone and after a cased letter, and over random Greek words with case-ignorable characters.
    @Test
    func lowerCasingMatchesPython() throws {
        var texts: [String] = []
        for v in 0...0x10FFFF {
            guard let c = Unicode.Scalar(v), c.properties.changesWhenLowercased else { continue }
            texts.append(String(c))
            texts.append("A" + String(c))
        }
        var random = TestRandom()
        let letters = Array("ΑΒΓΔΕΣΟΥσςαβ'.-· ́")
        for _ in 0..<2000 {
            texts.append(String((0..<(1 + random.below(8))).map { _ in letters[random.below(letters.count)] }))
        }
        let input = try JSONSerialization.data(withJSONObject: texts)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Text with a code point Python's Unicode version does not have yet comes back as null and is not compared.
        p.arguments = [
            "python3", "-c",
            "import json, sys, unicodedata as u; print(json.dumps([None if any(u.category(c) == 'Cn' for c in t) "
                + "else t.lower() for t in json.load(sys.stdin)]))",
        ]
        let stdin = Pipe()
        let stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let python = try #require(try JSONSerialization.jsonObject(with: data) as? [Any])
        try #require(python.count == texts.count)
        var differences: [String] = []
        var compared = 0
        for (text, answer) in zip(texts, python) {
            guard let expected = answer as? String else { continue }
            compared += 1
            guard TextTools.lowercased(text) != expected else { continue }
            differences.append(
                "\(text.unicodeScalars.map { String($0.value, radix: 16) }): \(TextTools.lowercased(text)) ≠ \(expected)"
            )
        }
        #expect(compared > texts.count * 9 / 10)
        #expect(differences.isEmpty, "\(random): \(differences.prefix(10))")
    }
}
