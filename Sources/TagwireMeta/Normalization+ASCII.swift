import TagwireHashing

extension Normalization {
    /// The customer-information keys Meta wants hashed, for the byte paths (raw values are Meta's key names).
    public enum HashedKey: String, Sendable, CaseIterable {
        case em, ph, fn, ln, db, ge, ct, st, zp, country
        case externalID = "external_id"
    }

    /// The longest value the byte paths take; longer ones take the general path.
    static let asciiPathLimit = 256

    /// The shortest state or province name in ``Regions/stateCodes``: shorter text needs no lookup.
    static let shortestStateName = Regions.stateCodes.keys.map(\.utf8.count).min() ?? 0

    /// ``appendHashed(key:_:options:country:to:)`` for printable ASCII text, normalised in a stack buffer and hashed
    /// without making a `String`. Gives what the general path gives (tests check both over generated inputs), or nil
    /// when the text is not ASCII, is long, or needs a table or rule only the general path has; nothing is appended
    /// then.
    static func appendHashedASCII(
        key: HashedKey,
        _ raw: String,
        options: Options,
        country: String?,
        to out: inout [UInt8]
    ) -> Bool? {
        var copy = raw
        return copy.withUTF8 { source -> Bool? in
            guard source.count <= asciiPathLimit, let trim = TextTools.asciiTrimmedRange(source) else { return nil }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: asciiPathLimit) { buffer -> Bool? in
                // Trimmed, and lowercased where the key wants it (every key but external_id; digests are lowercased).
                var n = 0
                for i in trim {
                    let b = source[i]
                    buffer[n] = key != .externalID && b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                    n += 1
                }
                let text = UnsafeBufferPointer(rebasing: buffer[0..<n])
                if isHexDigest(text) {
                    // Already a digest: passed through lowercased (external_id's copy kept its case).
                    out.append(0x22)
                    for b in text { out.append(b >= 0x41 && b <= 0x46 ? b | 0x20 : b) }
                    out.append(0x22)
                    return true
                }
                if n >= 67 { return nil }  // possibly a Parameter Builder value: the general path
                var length: Int
                switch key {
                case .em:
                    guard isEmail(text) else { return false }
                    length = n
                case .fn, .ln, .ct:
                    // ASCII names and cities keep letters and digits only.
                    length = keepAlphanumerics(buffer, n)
                case .st:
                    length = keepAlphanumerics(buffer, n)
                    if length >= shortestStateName { return nil }  // might be a state name: the table lookup
                case .zp:
                    // As ``Normalization/zip(_:country:)``: spaces and dashes go, a US code keeps five digits.
                    length = 0
                    var digitsOnly = true
                    var dash: Int?
                    for i in 0..<n {
                        let b = buffer[i]
                        if b == 0x2D {
                            if dash == nil { dash = i }
                            continue
                        }
                        if TextTools.isASCIISpace(b) { continue }
                        if b < 0x30 || b > 0x39 { digitsOnly = false }
                        buffer[length] = b
                        length += 1
                    }
                    if Normalization.isUS(length, digits: digitsOnly, dashAt: dash, country) { length = 5 }
                case .country:
                    guard n == 2, buffer[0] >= 0x61, buffer[0] <= 0x7A, buffer[1] >= 0x61, buffer[1] <= 0x7A else {
                        return nil
                    }
                    length = 2
                case .ge:
                    guard let g = asciiGender(text) else { return false }
                    buffer[0] = g
                    length = 1
                case .externalID:
                    length = n
                case .ph:
                    return nil  // ``PhoneNumbers`` reads it
                case .db:
                    guard let l = asciiDate(buffer, n) else { return nil }
                    length = l
                }
                guard length > 0 else { return false }
                out.append(0x22)
                let normalised = UnsafeBufferPointer(rebasing: buffer[0..<length])
                if isHexDigest(normalised) {
                    // Normalised into the shape of a digest (lowercase here): passed through, as the general path does.
                    out.append(contentsOf: normalised)
                    out.append(0x22)
                    return true
                }
                SHA256.appendHexDigest(of: UnsafeBufferPointer(rebasing: buffer[0..<length]), to: &out)
                out.append(0x22)
                return true
            }
        }
    }

    /// ``dateOfBirth(_:currentYear:)`` for the two usual shapes, `YYYYMMDD` and `YYYY-MM-DD` (any of the separators
    /// `-/. ,`), in place: 8, or 0 when the date is out of range; nil for other shapes (the general path reads them).
    static func asciiDate(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ n: Int) -> Int? {
        func isDigit(_ i: Int) -> Bool { buffer[i] >= 0x30 && buffer[i] <= 0x39 }
        func isSeparator(_ i: Int) -> Bool { [0x2D, 0x2F, 0x2E, 0x20, 0x2C].contains(buffer[i]) }
        if n == 10, isSeparator(4), isSeparator(7), (0..<10).allSatisfy({ $0 == 4 || $0 == 7 || isDigit($0) }) {
            buffer[4] = buffer[5]
            buffer[5] = buffer[6]
            buffer[6] = buffer[8]
            buffer[7] = buffer[9]
        } else if !(n == 8 && (0..<8).allSatisfy(isDigit)) {
            return nil
        }
        func number(_ from: Int, _ count: Int) -> Int {
            (from..<(from + count)).reduce(0) { $0 * 10 + Int(buffer[$1] - 0x30) }
        }
        let y = number(0, 4)
        let m = number(4, 2)
        let d = number(6, 2)
        return (1900...2100).contains(y) && (1...12).contains(m) && (1...31).contains(d) ? 8 : 0
    }

    static func isHexDigest(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        text.count == 64
            && text.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
            }
    }

    /// ``isEmail(_:)`` over bytes: local@label.label…, one '@', a non-empty local part, at least two non-empty domain
    /// labels, no spaces.
    static func isEmail(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var ats = 0
        var localLength = 0
        var labels = 0
        var labelLength = 0
        for b in text {
            if b == 0x20 || b == 0x09 { return false }
            if b == 0x40 {
                ats += 1
                if ats > 1 { return false }
                continue
            }
            if ats == 0 {
                localLength += 1
            } else if b == 0x2E {
                if labelLength == 0 { return false }
                labels += 1
                labelLength = 0
            } else {
                labelLength += 1
            }
        }
        return ats == 1 && localLength > 0 && labelLength > 0 && labels >= 1
    }

    /// Keeps the lowercase letters and digits of the first `n` bytes, in place; the count kept.
    static func keepAlphanumerics(_ buffer: UnsafeMutableBufferPointer<UInt8>, _ n: Int) -> Int {
        var k = 0
        for i in 0..<n {
            let b = buffer[i]
            if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) {
                buffer[k] = b
                k += 1
            }
        }
        return k
    }

    static let asciiGenders: [(word: [UInt8], code: UInt8)] =
        ["m", "male", "man", "masculine", "boy", "h", "homme"].map { (Array($0.utf8), 0x6D) }
        + ["f", "female", "woman", "feminine", "girl", "w", "femme"].map { (Array($0.utf8), 0x66) }

    /// ``gender(_:)`` over trimmed, lowercased bytes.
    static func asciiGender(_ text: UnsafeBufferPointer<UInt8>) -> UInt8? {
        asciiGenders.first { $0.word.elementsEqual(text) }?.code
    }
}
