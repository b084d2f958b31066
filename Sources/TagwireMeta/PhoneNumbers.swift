import Foundation
import Synchronization

/// Phone numbers read as libphonenumber reads them, from its metadata (`PhoneNumbers+Generated.swift`): the country
/// calling code, the trunk prefix and the number lengths of each region.
///
/// Meta matches a phone number by its digits with the country calling code and without the trunk prefix
/// (`+44 20 7946 0958` and, in the UK, `020 7946 0958` are both `442079460958`). A number is read for a region (the
/// event's country, else the property's default): written with `+` or an international dialling prefix it carries
/// its calling code; otherwise it is a national number of that region, whose trunk prefix goes and whose calling
/// code comes in front. Extensions (`ext. 23`, `x23`, `;ext=23`) are not part of the number. A number whose length
/// does not fit its country is not sent. A test compares the readings with Python's `phonenumbers` over numbers of
/// every region.
public enum PhoneNumbers {
    struct Region: Sendable {
        let callingCode: Int
        /// Trunk prefixes, longest first.
        let trunkPrefixes: [String]
        /// International dialling prefixes, longest first.
        let internationalPrefixes: [String]
        /// Bit n set: a national number of n digits is possible (``local``: only dialled locally).
        let national: UInt32
        let local: UInt32
        /// libphonenumber's general pattern for the region's national numbers.
        let pattern: String
        let completion: Completion?
    }

    /// A local number that gets the region's only area code (Bermuda's 7-digit numbers get 441).
    struct Completion: Sendable {
        /// Bit d set: a local number may start with digit d.
        let firstDigits: UInt16
        let length: Int
        let prefix: String
    }

    struct CallingCode: Sendable {
        let mainRegion: String?
        let national: UInt32
    }

    /// What a phone number reads as.
    public enum Reading: Sendable, Equatable {
        /// The digits Meta hashes: calling code and national number.
        case international(String)
        /// The digits without leading zeros, when no country is known (none written, none for the event or the
        /// property): sent, though Meta may not match it.
        case withoutCountry(String)
        /// Not sent: why (never the number itself).
        case rejected(String)
    }

    /// ``regions`` indexed by their two letters (`(a - 'a') * 26 + (b - 'a')`), so that the lookup on every phone
    /// number hashes nothing.
    static let regionsByLetters: [Region?] = {
        var table = [Region?](repeating: nil, count: 26 * 26)
        for (code, region) in regions { if let i = letterIndex(code) { table[i] = region } }
        return table
    }()

    /// ``callingCodes`` indexed by the code (0–999), with the main region's entry.
    static let callingCodesByNumber: [CallingEntry?] = {
        var table = [CallingEntry?](repeating: nil, count: 1000)
        for (cc, calling) in callingCodes where cc >= 0 && cc < 1000 {
            table[cc] = (calling, calling.mainRegion.flatMap { code in region(code).map { (code, $0) } })
        }
        return table
    }()

    static func letterIndex(_ code: String) -> Int? {
        let u = code.utf8
        guard u.count == 2, let a = u.first, let b = u.last, (0x61...0x7A).contains(a), (0x61...0x7A).contains(b) else {
            return nil
        }
        return Int(a - 0x61) * 26 + Int(b - 0x61)
    }

    /// The region of a lowercase alpha-2 code.
    static func region(_ code: String) -> Region? {
        letterIndex(code).flatMap { regionsByLetters[$0] }
    }

    /// A calling code with its main region (code and entry), when it has one.
    typealias CallingEntry = (calling: CallingCode, main: (code: String, region: Region)?)

    static func calling(_ cc: Int) -> CallingEntry? {
        cc >= 0 && cc < 1000 ? callingCodesByNumber[cc] : nil
    }

    /// Whether a lowercase alpha-2 code names a region the table knows.
    public static func knows(region code: String) -> Bool { region(code) != nil }

    /// The most digits read; no number with its prefixes is longer.
    static let maxDigits = 24

    /// Reads `raw` for a region (lowercase ISO 3166-1 alpha-2, such as `gb`; nil when none is known).
    public static func read(_ raw: String, region: String?) -> Reading {
        var digits: [UInt8] = []
        digits.reserveCapacity(20)
        switch extract(raw, into: &digits) {
        case nil: return .rejected("no digits")
        case false?: return read(digits, international: false, region: region)
        case true?: return read(digits, international: true, region: region)
        }
    }

    /// The region a `defaultCountryCode` setting names: a region code (`us`, `GB`), a country name, or a calling code
    /// (`1`, `+44`: its main region); nil when it names none.
    public static func region(forSetting setting: String) -> String? {
        var text = TextTools.trimmed(setting)
        if text.hasPrefix("+") { text.removeFirst() }
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            return Int(text).flatMap { calling($0)?.main?.code }
        }
        guard let code = Normalization.country(text), knows(region: code) else { return nil }
        return code
    }

    /// Appends the number's ASCII digits to `digits` (at most ``maxDigits`` + 1): true when it starts with `+`,
    /// false when not, nil when it has no digit. Text before the first `+` or digit (`tel:`) is passed over; the
    /// number ends at the first character that is neither a digit nor punctuation used in phone numbers, so an
    /// extension after it is left out. Digits of every script count (`٠٧٧٠٠` is `07700`).
    static func extract(_ raw: String, into digits: inout [UInt8]) -> Bool? {
        var reader = DigitReader()
        var copy = raw
        // ASCII text (the usual) by its bytes; other text by Unicode scalars, whose digits are mapped.
        let ascii = copy.withUTF8 { buf -> Bool in
            guard buf.allSatisfy({ $0 < 0x80 }) else { return false }
            for b in buf where !reader.take(UInt32(b), digit: b >= 0x30 && b <= 0x39 ? b : nil, into: &digits) {
                break
            }
            return true
        }
        if !ascii {
            for scalar in raw.unicodeScalars {
                var digit: UInt8?
                if scalar.value >= 0x30 && scalar.value <= 0x39 {
                    digit = UInt8(scalar.value)
                } else if scalar.properties.numericType == .decimal, let n = scalar.properties.numericValue {
                    digit = 0x30 + UInt8(n)
                }
                if !reader.take(scalar.value, digit: digit, into: &digits) { break }
            }
        }
        return digits.isEmpty ? nil : reader.plus
    }

    /// Reads a phone number one character at a time.
    struct DigitReader {
        var plus = false
        var started = false

        /// Takes one character (its digit, when it is one); false once the number has ended.
        mutating func take(_ v: UInt32, digit: UInt8?, into digits: inout [UInt8]) -> Bool {
            if let digit {
                started = true
                if digits.count <= maxDigits { digits.append(digit) }
                return true
            }
            if !started {
                if v == 0x2B || v == 0xFF0B {
                    plus = true
                    started = true
                }
                return true
            }
            return isPunctuation(v)
        }
    }

    /// Punctuation written inside phone numbers: spaces, dashes, dots, slashes, brackets, tildes (and their
    /// full-width and typographic forms).
    static func isPunctuation(_ v: UInt32) -> Bool {
        switch v {
        case 0x20, 0x09, 0x2D, 0x2E, 0x2F, 0x28, 0x29, 0x5B, 0x5D, 0x7E: return true
        case 0xA0, 0xAD, 0x2010...0x2015, 0x2212, 0x30FC, 0xFF0D...0xFF0F, 0x3000, 0xFF08, 0xFF09, 0xFF3B, 0xFF3D,
            0x2053, 0x223C, 0xFF5E, 0x200B, 0x2060:
            return true
        default: return false
        }
    }

    /// Reads ASCII digits: written with `+`, or for a region (or none).
    static func read(_ digits: [UInt8], international: Bool, region code: String?) -> Reading {
        guard digits.count <= maxDigits else { return .rejected("too long to be a phone number") }
        if international { return readInternational(digits[...]) }
        guard let code, let region = region(code) else {
            // "00" is the international dialling prefix of most of the world.
            if digits.starts(with: [0x30, 0x30]), digits.count > 2, digits[2] != 0x30 {
                return readInternational(digits.dropFirst(2))
            }
            let kept = digits.drop { $0 == 0x30 }
            guard kept.count >= 7 else { return .rejected("too short to be a phone number") }
            guard kept.count <= 15 else { return .rejected("too long to be a phone number") }
            return .withoutCountry(String(decoding: kept, as: UTF8.self))
        }
        // A calling code never starts with 0, so a prefix followed by one is not a prefix.
        func dialled(_ p: String.UTF8View) -> Bool {
            digits.starts(with: p) && digits.count > p.count && digits[p.count] != 0x30
        }
        if let prefix = region.internationalPrefixes.first(where: { dialled($0.utf8) }) {
            return readInternational(digits.dropFirst(prefix.utf8.count))
        }
        if dialled("00".utf8) { return readInternational(digits.dropFirst(2)) }
        return readNational(digits[...], code, region)
    }

    /// A number after its `+` or international prefix: the calling code, then the national number (its trunk
    /// prefix dropped when one was written, as in `+49 (0)30 1234567`).
    static func readInternational(_ digits: ArraySlice<UInt8>) -> Reading {
        for length in 1...3 where digits.count > length {
            let cc = digits.prefix(length).reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard let (calling, main) = calling(cc) else { continue }
            var number = digits.dropFirst(length)
            if let main { number = withoutTrunkPrefix(number, main.code, main.region) }
            return checked(cc, calling, number)
        }
        return .rejected("no country calling code")
    }

    /// A national number of a region. One that already starts with the region's calling code keeps it when the
    /// number fits the region better without it (`442079460958` in the UK); one that is too long for the region and
    /// does not start with a trunk prefix is read as an international number written without its `+`
    /// (`442079460958` in the US).
    static func readNational(_ digits: ArraySlice<UInt8>, _ code: String, _ region: Region) -> Reading {
        let cc = region.callingCode
        guard let calling = calling(cc)?.calling else { return .rejected("no country calling code") }
        let ccDigits = String(cc).utf8
        if digits.starts(with: ccDigits) {
            let rest = withoutTrunkPrefix(digits.dropFirst(ccDigits.count), code, region)
            if (!viable(digits, code, region) && viable(rest, code, region))
                || length(digits.count, region) == .tooLong
            {
                return checked(cc, calling, rest)
            }
        }
        let number = withoutTrunkPrefix(digits, code, region)
        if calling.national & (1 << number.count) != 0 {
            return .international(String(cc) + String(decoding: number, as: UTF8.self))
        }
        if number.count > highest(calling.national), digits.first != 0x30,
            !region.trunkPrefixes.contains(where: { digits.starts(with: $0.utf8) }),
            case .international(let written) = readInternational(digits)
        {
            return .international(written)
        }
        return checked(cc, calling, number)
    }

    /// The national number without its trunk prefix (or completed with the region's area code), unless that leaves
    /// a number the region cannot have, as libphonenumber decides it.
    static func withoutTrunkPrefix(_ number: ArraySlice<UInt8>, _ code: String, _ region: Region) -> ArraySlice<UInt8> {
        var candidate: ArraySlice<UInt8>?
        if let c = region.completion, number.count == c.length, let first = number.first,
            c.firstDigits & (1 << UInt16(first - 0x30)) != 0
        {
            candidate = ArraySlice(Array(c.prefix.utf8) + number)
        } else if let prefix = region.trunkPrefixes.first(where: { number.starts(with: $0.utf8) }) {
            candidate = number.dropFirst(prefix.utf8.count)
        }
        guard let candidate else { return number }
        if viable(number, code, region) && !viable(candidate, code, region) { return number }
        switch length(candidate.count, region) {
        case .possible, .tooLong: return candidate
        case .localOnly, .tooShort, .invalid: return number
        }
    }

    /// The reading of a calling code and national number: the digits when the length fits the country, else why not.
    static func checked(_ cc: Int, _ calling: CallingCode, _ number: ArraySlice<UInt8>) -> Reading {
        let n = number.count
        if calling.national & (1 << n) != 0 {
            return .international(String(cc) + String(decoding: number, as: UTF8.self))
        }
        let lengths = (1...31).filter { calling.national & (1 << $0) != 0 }.map(String.init)
        let expected =
            lengths.count == 1
            ? lengths[0] : lengths.dropLast().joined(separator: ", ") + " or " + lengths[lengths.count - 1]
        let which: String
        if n < lowest(calling.national) {
            which = "too short"
        } else if n > highest(calling.national) {
            which = "too long"
        } else {
            which = "not a possible length"
        }
        return .rejected("\(which) for +\(cc) (\(expected) digits after the calling code)")
    }

    enum Length { case possible, localOnly, tooShort, tooLong, invalid }

    /// How a national number's length fits a region (libphonenumber's order: local lengths first).
    static func length(_ n: Int, _ region: Region) -> Length {
        if n < 32, region.local & (1 << n) != 0 { return .localOnly }
        if n < 32, region.national & (1 << n) != 0 { return .possible }
        if n < lowest(region.national) { return .tooShort }
        if n > highest(region.national) { return .tooLong }
        return .invalid
    }

    static func lowest(_ mask: UInt32) -> Int { mask == 0 ? 0 : mask.trailingZeroBitCount }
    static func highest(_ mask: UInt32) -> Int { mask == 0 ? 0 : 31 - mask.leadingZeroBitCount }

    /// Whether a national number matches the region's general pattern; by its length alone when that decides.
    static func viable(_ number: ArraySlice<UInt8>, _ code: String, _ region: Region) -> Bool {
        let n = number.count
        guard n < 32, (region.national | region.local) & (1 << n) != 0 else { return false }
        guard let regex = pattern(code, region) else { return true }
        let text = String(decoding: number, as: UTF8.self)
        return regex.firstMatch(in: text, range: NSRange(location: 0, length: n)) != nil
    }

    /// Each region's pattern compiled once, when first needed (only numbers whose length does not decide need it).
    static func pattern(_ code: String, _ region: Region) -> NSRegularExpression? {
        if let known = compiled.withLock({ $0[code] }) { return known.regex }
        // Anchored at both ends: the whole number must match, not its start (the first alternative that matches).
        let regex = try? NSRegularExpression(pattern: "^(?:\(region.pattern))$")
        compiled.withLock { $0[code] = Compiled(regex: regex) }
        return regex
    }

    struct Compiled: @unchecked Sendable {
        // NSRegularExpression is immutable once made and safe to use from several threads.
        let regex: NSRegularExpression?
    }

    static let compiled = Mutex<[String: Compiled]>([:])
}
