import Foundation
import TagwireTestSupport
import Testing

@testable import TagwireMeta

/// The byte-level paths for ASCII dates of birth, postcodes and states give exactly what the general (Character and
/// Unicode scalar) paths give, over thousands of generated inputs in every format the general path reads.
struct NormalizationFastPathTests {
    static func inputs(_ count: Int, alphabet: [String], seed: UInt64) -> [String] {
        var rng = TestRandom(seed: seed)
        return (0..<count).map { _ in
            let n = Int(rng.next() % 9)
            return (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
        }
    }

    @Test func datesOfBirth() {
        let pieces = [
            "1997", "2/", "16", "/", "-", ".", " ", ",", "02", "1", "12", "31", "13", "1899", "2101", "feb", "February",
            "sept",
            "0", "+3", "x", "19970216", "  ", "00", "99999999999999999999", "Mar", "DEC", "2000", "29",
        ]
        var checked = 0
        for s in Self.inputs(6000, alphabet: pieces, seed: 7) + [
            "2/16/1997", "1997-02-16", "16.02.1997", "February 16, 1997", "19970216", " 1997/2/16 ",
        ] {
            #expect(Normalization.dateOfBirth(s) == Normalization.dateOfBirthByCharacters(s), "\(s)")
            #expect(
                Normalization.dateOfBirth(s, currentYear: 1999)
                    == Normalization.dateOfBirthByCharacters(s, currentYear: 1999),
                "\(s)"
            )
            checked += 1
        }
        #expect(checked > 6000)
    }

    @Test func zipsStatesAndCountries() {
        let pieces = [
            "94025", "-", "1234", " ", "\t", "SW1A", "1AA", "k1a", "0b1", "ca", "CA", "California", "ny", "new york",
            "us", "USA",
            "gb", "x", ".", "123456789", "0", "\u{1C}", "é", "Québec", "de",
        ]
        for s in Self.inputs(6000, alphabet: pieces, seed: 13) + [
            "94025-1234", "940251234", " 94025 ", "SW1A 1AA", "Menlo Park",
        ] {
            for country in [nil, "us", "gb"] {
                #expect(
                    Normalization.zip(s, country: country) == Normalization.zipByCharacters(s, country: country),
                    "\(s)"
                )
            }
            // The state table is keyed by the general lookup key: the ASCII shortcut must find the same code.
            if let compact = Normalization.city(s) {
                #expect(
                    Normalization.state(s)
                        == (Regions.stateCodes[Normalization.lookupKey(compact, digits: true)] ?? compact),
                    "\(s)"
                )
            }
            let letters = TextTools.asciiTrimmedLowercased(s)
            if let l = letters, l.count == 2 {
                #expect((Normalization.country(s) == l) == l.allSatisfy({ $0.isLetter && $0.isASCII }), "\(s)")
            }
        }
    }

    /// The table key of ASCII text, made byte by byte, is the key the general path (fold, keep letters and digits
    /// by Unicode scalar) makes, with and without digits; country names are found through it.
    @Test func lookupKeysOfASCIIText() {
        let pieces = [
            "United", " ", "States", "UNITED KINGDOM", "u.s.a.", "Côte", "d'Ivoire", "New-York", "42", "\t", "z", "Z",
            "@", "[",
            "`", "{", "/", ":", "0", "9", "Deutschland", "of America",
        ]
        var ascii = 0
        for s in Self.inputs(6000, alphabet: pieces, seed: 17) {
            for digits in [false, true] {
                let general = String(
                    s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).unicodeScalars
                        .filter { ($0 >= "a" && $0 <= "z") || (digits && $0 >= "0" && $0 <= "9") }.map(Character.init)
                )
                #expect(Normalization.lookupKey(s, digits: digits) == general, "\(s)")
            }
            if TextTools.isASCII(s) { ascii += 1 }
        }
        #expect(ascii > 3000, "most inputs take the byte path")
        #expect(Normalization.country("United States") == "us")
        #expect(Normalization.country(" united KINGDOM ") == "gb")
    }

    /// Every hashed key: the byte path (normalise in a stack buffer, hash, no String) appends what the general
    /// path appends, or leaves the value to it; both paths are taken on most inputs (counted).
    @Test func hashedValuesByBytes() {
        let digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
        let pieces = [
            "Jane", " ", "\t", "Doe", "@", "example", ".", "com", "CA", "ca", "94025", "-", "1234", "Menlo", "Park",
            "m", "Female",
            "woman", "US", "x", "O'Brien", "é", "\u{01}", "1990", "02", "16", "+1", "(650)", "555", "'", digest,
            digest.lowercased(),
            digest + ".AbCd", "new", "york", "ohio", "Ab", "0", "00", "1", "7700", "900123", "2000", "13", "/", ",",
            "19900216", "1990-02-16",
        ]
        var byBytes = 0
        var generally = 0
        for s in Self.inputs(3000, alphabet: pieces, seed: 19) + [
            "Customer.1@Example.com", " JANE ", "O'Brien-Smith", "Menlo Park", "CA", "94025-1234",
            digest, " \(digest) ", digest + ".AbCd", "a@b", "@b.c", "  ", "(650) 555-1212", "+44 7700 900123",
            "07700 900123", "0044 7700 900123", "1990-02-16", "19900216", "1990/2/16", "2/16/1990", "1899-12-31",
            "2000.13.01",
        ] {
            for key in Normalization.HashedKey.allCases {
                for (country, options) in [
                    (nil, Normalization.Options()), ("us", Normalization.Options(defaultCountry: "1")),
                    ("gb", Normalization.Options(defaultCountry: "+44")),
                ] {
                    var general: [UInt8] = []
                    let generalDone = Normalization.appendHashedGenerally(
                        key: key.rawValue,
                        s,
                        options: options,
                        country: country,
                        to: &general
                    )
                    var bytes: [UInt8] = []
                    guard
                        let done = Normalization.appendHashedASCII(
                            key: key,
                            s,
                            options: options,
                            country: country,
                            to: &bytes
                        )
                    else {
                        #expect(bytes.isEmpty)
                        generally += 1
                        continue
                    }
                    byBytes += 1
                    #expect(done == generalDone, "\(key) \(s)")
                    #expect(bytes == general, "\(key) \(s)")
                }
            }
        }
        #expect(byBytes > 30_000)
        #expect(generally > 10_000)
    }

    @Test func trimming() {
        func reference(_ s: String) -> String {
            let scalars = Array(s.unicodeScalars)
            guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
                let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
            else { return "" }
            var out = String.UnicodeScalarView()
            out.append(contentsOf: scalars[first...last])
            return String(out)
        }
        let pieces = [
            " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\u{1C}", "\u{1F}", "a", "Z", "é", "\u{85}", "\u{A0}", "x y",
            "@", "\u{2003}",
        ]
        for s in Self.inputs(6000, alphabet: pieces, seed: 17) {
            #expect(TextTools.trimmed(s) == reference(s), "\(Array(s.unicodeScalars))")
            #expect(TextTools.isBlank(s) == reference(s).isEmpty, "\(Array(s.unicodeScalars))")
        }
    }
}
