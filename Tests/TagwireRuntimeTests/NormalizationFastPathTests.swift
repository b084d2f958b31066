import Testing
import TagwireRuntime

@testable import TagwireMeta

/// The byte-level paths for ASCII dates of birth and phone numbers give exactly what the general (Character and
/// Unicode scalar) paths give, over thousands of generated inputs in every format the general path reads.
struct NormalizationFastPathTests {
    static func inputs(_ count: Int, alphabet: [String], seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let n = Int(rng.next() % 9)
            return (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
        }
    }

    @Test func datesOfBirth() {
        let pieces = ["1997", "2/", "16", "/", "-", ".", " ", ",", "02", "1", "12", "31", "13", "1899", "2101", "feb", "February", "sept",
                      "0", "+3", "x", "19970216", "  ", "00", "99999999999999999999", "Mar", "DEC", "2000", "29"]
        var checked = 0
        for s in Self.inputs(6000, alphabet: pieces, seed: 7) + ["2/16/1997", "1997-02-16", "16.02.1997", "February 16, 1997", "19970216", " 1997/2/16 "] {
            #expect(Normalization.dateOfBirth(s) == Normalization.dateOfBirthByCharacters(s), "\(s)")
            #expect(Normalization.dateOfBirth(s, currentYear: 1999) == Normalization.dateOfBirthByCharacters(s, currentYear: 1999), "\(s)")
            checked += 1
        }
        #expect(checked > 6000)
    }

    @Test func phones() {
        let pieces = ["+", "00", "0", "1", "650", "555", "1212", "(", ")", "-", " ", ".", "44", "7700", "900123", "x", "ext", "99"]
        let options = [Normalization.Options(), Normalization.Options(defaultCountryCallingCode: "1"), Normalization.Options(defaultCountryCallingCode: "+44")]
        for s in Self.inputs(6000, alphabet: pieces, seed: 11) + ["(650) 555-1212", "+44 7700 900123", "07700 900123", "0044 7700 900123"] {
            for o in options {
                #expect(Normalization.phone(s, options: o) == Normalization.phoneByScalars(s, options: o), "\(s) \(o)")
            }
        }
    }

    @Test func zipsStatesAndCountries() {
        let pieces = ["94025", "-", "1234", " ", "\t", "SW1A", "1AA", "k1a", "0b1", "ca", "CA", "California", "ny", "new york", "us", "USA",
                      "gb", "x", ".", "123456789", "0", "\u{1C}", "é", "Québec", "de"]
        for s in Self.inputs(6000, alphabet: pieces, seed: 13) + ["94025-1234", "940251234", " 94025 ", "SW1A 1AA", "Menlo Park"] {
            for country in [nil, "us", "gb"] {
                #expect(Normalization.zip(s, country: country) == Normalization.zipByCharacters(s, country: country), "\(s)")
            }
            // The state table is keyed by the general lookup key: the ASCII shortcut must find the same code.
            if let compact = Normalization.city(s) {
                #expect(Normalization.state(s) == (Regions.stateCodes[Normalization.lookupKey(compact, digits: true)] ?? compact), "\(s)")
            }
            let letters = TextTools.asciiTrimmedLowercased(s)
            if let l = letters, l.count == 2 {
                #expect((Normalization.country(s) == l) == l.allSatisfy({ $0.isLetter && $0.isASCII }), "\(s)")
            }
        }
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
        let pieces = [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\u{1C}", "\u{1F}", "a", "Z", "é", "\u{85}", "\u{A0}", "x y", "@", "\u{2003}"]
        for s in Self.inputs(6000, alphabet: pieces, seed: 17) {
            #expect(TextTools.trimmed(s) == reference(s), "\(Array(s.unicodeScalars))")
        }
    }
}
