import Foundation
import TagwireHashing

/// Normalises customer information as Meta documents it (reference §3.4, "doc recommended") and hashes it with
/// SHA-256.
///
/// Every function takes one raw value and returns the normalised text, or `nil` when nothing usable is left
/// (the value is then left out, never sent as a hash of nothing).
public enum Normalization {
    /// Options that change normalisation.
    public struct Options: Sendable, Equatable {
        /// The region (lowercase ISO 3166-1 alpha-2) whose national phone numbers are read when an event names no
        /// country.
        public var defaultRegion: String?

        /// Options whose default country is named by a region code (`us`), a country name or a calling code (`1`,
        /// `+44`: its main region), as the `defaultCountryCode` setting is; nil or a name of no country: none.
        public init(defaultCountry: String? = nil) {
            defaultRegion = defaultCountry.flatMap(PhoneNumbers.region(forSetting:))
        }
    }

    /// The customer-information keys that Meta wants hashed.
    public static let hashedKeys: [String] = HashedKey.allCases.map(\.rawValue)

    /// Whether `s` is a SHA-256 hex digest (any case).
    public static func isSHA256(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { isHexDigest($0) }
    }

    /// Whether `s` is a Parameter Builder Library value: a lowercase digest with a `.suffix` of 2 to 8 characters.
    public static func isPBLHashed(_ s: String) -> Bool {
        let u = s.utf8
        guard u.count >= 67, u.count <= 73 else { return false }
        var i = 0
        for b in u {
            if i < 64 {
                guard (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) else { return false }
            } else if i == 64 {
                guard b == 0x2E else { return false }
            } else {
                guard
                    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
                        || b == 0x2D
                else { return false }
            }
            i += 1
        }
        return true
    }

    /// NFC, trimmed, lowercased.
    static func base(_ s: String) -> String {
        if let ascii = TextTools.asciiTrimmedLowercased(s) { return ascii }
        return TextTools.lowercased(TextTools.trimmed(TextTools.nfc(s)))
    }

    /// Email: trimmed and lowercased; `nil` unless it looks like `local@domain.tld`.
    public static func email(_ raw: String) -> String? {
        let s = base(raw)
        guard isEmail(s) else { return nil }
        return s
    }

    /// Whether a normalised string has the shape of an email address.
    public static func isEmail(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { isEmail($0) }
    }

    /// Phone: the digits Meta matches, with the country calling code and without the trunk prefix, read for the
    /// event's country (`country`, an alpha-2 code), else the default country (``PhoneNumbers``); nil when it is not a
    /// number to send.
    public static func phone(_ raw: String, options: Options = Options(), country: String? = nil) -> String? {
        switch phoneReading(raw, options: options, country: country) {
        case .international(let digits), .withoutCountry(let digits): return digits
        case .rejected: return nil
        }
    }

    /// How ``phone(_:options:country:)`` reads a number, with the reason when it is not sent.
    public static func phoneReading(_ raw: String, options: Options = Options(), country: String? = nil)
        -> PhoneNumbers.Reading
    {
        let region = country.flatMap { PhoneNumbers.knows(region: $0) ? $0 : nil } ?? options.defaultRegion
        return PhoneNumbers.read(raw, region: region)
    }

    /// First or last name: lowercased, without whitespace and punctuation; letters of any script are kept.
    public static func name(_ raw: String) -> String? {
        let s = base(raw)
        let out = TextTools.filter(s) { !TextTools.isSeparatorOrPunctuation($0) }
        return out.isEmpty ? nil : out
    }

    /// City: lowercased, letters and digits only (accents kept).
    public static func city(_ raw: String) -> String? {
        let s = base(raw)
        let out = TextTools.filter(s, TextTools.isAlphanumeric)
        return out.isEmpty ? nil : out
    }

    /// State: US and Canadian names become their two-letter codes; others lowercased, letters and digits only.
    public static func state(_ raw: String) -> String? {
        guard let compact = city(raw) else { return nil }
        // ASCII: `city` left only lowercase letters and digits, which is already the table key.
        let key = TextTools.isASCII(compact) ? compact : lookupKey(compact, digits: true)
        if let code = Regions.stateCodes[key] { return code }
        return compact
    }

    /// Zip, as Meta documents it: lower case, without spaces or dashes, every other character kept; a US code keeps
    /// only its first five digits (`94025-1234` → `94025`). A code without a country counts as a US one when it is
    /// shaped like one (five digits, or five and four, with or without the dash); `01310-100` stays `01310100`.
    public static func zip(_ raw: String, country: String? = nil) -> String? {
        guard let ascii = TextTools.asciiTrimmedLowercased(raw) else { return zipByCharacters(raw, country: country) }
        var copy = ascii
        return copy.withUTF8 { buf -> String? in
            var kept: [UInt8] = []
            kept.reserveCapacity(buf.count)
            for b in buf where b != 0x2D && !TextTools.isASCIISpace(b) { kept.append(b) }
            if isUS(
                kept.count,
                digits: kept.allSatisfy { $0 >= 0x30 && $0 <= 0x39 },
                dashAt: buf.firstIndex(of: 0x2D),
                country
            ) {
                kept.removeLast(kept.count - 5)
            }
            return kept.isEmpty ? nil : String(decoding: kept, as: UTF8.self)
        }
    }

    /// Whether a code (its length without spaces and dashes, whether it is all digits, where its dash was) is a US ZIP
    /// code to cut to five digits: with country `us`, five or more digits; without a country, 5 or 9 digits with
    /// nothing or one dash after the fifth.
    static func isUS(_ count: Int, digits: Bool, dashAt dash: Int?, _ country: String?) -> Bool {
        guard digits, count >= 5 else { return false }
        if country == "us" { return count == 5 || count == 9 }
        guard country == nil else { return false }
        return count == 5 || (count == 9 && (dash == nil || dash == 5))
    }

    /// ``zip(_:country:)`` by Characters, for text that is not ASCII (and to check the byte path against).
    static func zipByCharacters(_ raw: String, country: String? = nil) -> String? {
        let trimmed = base(raw)
        let dash = trimmed.firstIndex(of: "-").map { trimmed.distance(from: trimmed.startIndex, to: $0) }
        var s = TextTools.filter(trimmed) { !$0.properties.isWhitespace && $0 != "-" }
        if isUS(s.count, digits: s.allSatisfy { $0.isASCII && $0.isNumber }, dashAt: dash, country) {
            s = String(s.prefix(5))
        }
        return s.isEmpty ? nil : s
    }

    /// Country: ISO 3166-1 alpha-2, lowercased; names and alpha-3 codes are mapped.
    public static func country(_ raw: String) -> String? {
        let s = base(raw)
        guard !s.isEmpty else { return nil }
        let u = s.utf8
        if u.count == 2, let a = u.first, let b = u.last, (0x61...0x7A).contains(a), (0x61...0x7A).contains(b) {
            return s
        }
        if let code = Regions.countryCodes[lookupKey(s, digits: false)] { return code }
        return nil
    }

    /// A table key: diacritics folded, ASCII letters (and digits) only.
    static func lookupKey(_ s: String, digits: Bool) -> String {
        // ASCII text is lowercased and filtered by bytes (no String per step); other text folded first.
        let folded =
            TextTools.asciiCased(s, upper: false)
            ?? s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
        return TextTools.filter(folded) { ($0 >= "a" && $0 <= "z") || (digits && $0 >= "0" && $0 <= "9") }
    }

    /// Gender: `m` or `f` from common spellings.
    public static func gender(_ raw: String) -> String? {
        switch base(raw) {
        case "m", "male", "man", "masculine", "boy", "h", "homme": return "m"
        case "f", "female", "woman", "feminine", "girl", "w", "femme": return "f"
        default: return nil
        }
    }

    /// External id: trimmed (case kept, so it matches the browser side).
    public static func externalID(_ raw: String) -> String? {
        let s = TextTools.trimmed(TextTools.nfc(raw))
        return s.isEmpty ? nil : s
    }

    /// Normalises one value of a hashed key; digests pass through lowercased, PBL values as they are.
    public static func normalize(key: String, _ raw: String, options: Options = Options(), country: String? = nil)
        -> String?
    {
        let trimmed = TextTools.trimmed(raw)
        if isSHA256(trimmed) { return trimmed.lowercased() }
        if isPBLHashed(trimmed) { return trimmed }
        switch key {
        case "em": return email(raw)
        case "ph": return phone(raw, options: options, country: country)
        case "fn", "ln": return name(raw)
        case "db": return dateOfBirth(raw)
        case "ge": return gender(raw)
        case "ct": return city(raw)
        case "st": return state(raw)
        case "zp": return zip(raw, country: country)
        case "country": return Normalization.country(raw)
        case "external_id": return externalID(raw)
        default: return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// The value to send: normalised then hashed, or passed through when it already is a digest.
    public static func hashed(key: String, _ raw: String, options: Options = Options(), country: String? = nil)
        -> String?
    {
        // The event builder's own path (``appendHashed``), without the quotes.
        var out: [UInt8] = []
        guard appendHashed(key: key, raw, options: options, country: country, to: &out) else { return nil }
        return String(decoding: out.dropFirst().dropLast(), as: UTF8.self)
    }

    /// ``hashed(key:_:options:country:)`` appended to `out` as a JSON string (digests and the values passed through
    /// need no escaping); false, with nothing appended, when the value normalises to nothing.
    public static func appendHashed(
        key: String,
        _ raw: String,
        options: Options = Options(),
        country: String? = nil,
        to out: inout [UInt8]
    ) -> Bool {
        guard let k = HashedKey(rawValue: key) else {
            return appendHashedGenerally(key: key, raw, options: options, country: country, to: &out)
        }
        return appendHashed(key: k, raw, options: options, country: country, to: &out)
    }

    /// ``appendHashed(key:_:options:country:to:)`` for a key known to be hashed: printable ASCII takes the byte path.
    public static func appendHashed(
        key: HashedKey,
        _ raw: String,
        options: Options = Options(),
        country: String? = nil,
        to out: inout [UInt8]
    ) -> Bool {
        if let done = appendHashedASCII(key: key, raw, options: options, country: country, to: &out) { return done }
        return appendHashedGenerally(key: key.rawValue, raw, options: options, country: country, to: &out)
    }

    /// ``appendHashed(key:_:options:country:to:)`` by way of ``normalize(key:_:options:country:)``: for any text.
    static func appendHashedGenerally(
        key: String,
        _ raw: String,
        options: Options = Options(),
        country: String? = nil,
        to out: inout [UInt8]
    ) -> Bool {
        guard var n = normalize(key: key, raw, options: options, country: country) else { return false }
        out.append(0x22)
        if isSHA256(n) || isPBLHashed(n) {
            out.append(contentsOf: n.utf8)
        } else {
            n.withUTF8 { SHA256.appendHexDigest(of: $0, to: &out) }
        }
        out.append(0x22)
        return true
    }
}
