import Foundation
import TagwireHashing
import TagwireJSON

/// The event's bytes: hashed customer information written straight into them, and the Graph API request body.
extension ConversionEventBuilder {
    /// Appends one value's hash to a `user_data` array being written (after a comma when it is not the first),
    /// unless it normalises to nothing (a warning) or repeats a hash already written there.
    func appendHash(
        _ input: JSONValue,
        key: Normalization.HashedKey,
        country: String?,
        into out: inout [UInt8],
        first: inout Range<Int>?,
        more: inout [Range<Int>],
        warnings: inout [String]
    ) {
        guard let present = Self.present(input) else { return }
        guard let s = Self.text(present) else {
            warnings.append("user_data.\(key.rawValue): expected text, got \(present.typeName); left out")
            return
        }
        let before = out.count
        if first != nil { out.append(0x2C) }
        let start = out.count
        if key == .ph, let reading = Self.phoneReading(s, options: options, country: country) {
            // Read once: the reason goes into the warning, the digits into the hash.
            switch reading {
            case .rejected(let why):
                out.removeLast(out.count - before)
                warnings.append("user_data.ph: \(why); left out")
                return
            case .withoutCountry(var digits):
                warnings.append("user_data.ph: a national number without a country code")
                Self.appendQuotedHash(of: &digits, to: &out)
            case .international(var digits):
                Self.appendQuotedHash(of: &digits, to: &out)
            }
        } else if !Normalization.appendHashed(key: key, s, options: options, country: country, to: &out) {
            out.removeLast(out.count - before)
            warnings.append("user_data.\(key.rawValue): \(Self.unreadable(key)); left out")
            return
        }
        let range = start..<out.count
        guard let f = first else {
            first = range
            return
        }
        if out[f].elementsEqual(out[range]) || more.contains(where: { out[$0].elementsEqual(out[range]) }) {
            out.removeLast(out.count - before)
        } else {
            more.append(range)
        }
    }

    /// Why a value of a key normalised to nothing.
    static func unreadable(_ key: Normalization.HashedKey) -> String {
        switch key {
        case .em: return "not an email address (local@domain.tld)"
        case .db: return "not a date of birth (a date from 1900 to 2100)"
        case .ge: return "not a gender (m, f or a word for one)"
        case .country: return "not a country (an ISO 3166-1 code or a country's name)"
        case .ph: return "no digits"
        case .fn, .ln, .ct, .st, .zp, .externalID: return "nothing left after normalisation"
        }
    }

    /// How a phone value reads, or nil when it already is a digest (passed through as every hashed key's is).
    static func phoneReading(_ s: String, options: Normalization.Options, country: String?) -> PhoneNumbers.Reading? {
        let trimmed = TextTools.trimmed(s)
        if Normalization.isSHA256(trimmed) || Normalization.isPBLHashed(trimmed) { return nil }
        return Normalization.phoneReading(s, options: options, country: country)
    }

    static func appendQuotedHash(of text: inout String, to out: inout [UInt8]) {
        out.append(0x22)
        text.withUTF8 { SHA256.appendHexDigest(of: $0, to: &out) }
        out.append(0x22)
    }

    static func writeMemberKey(_ key: String, first: Bool, into out: inout [UInt8]) {
        if !first { out.append(0x2C) }
        JSONWriter.writeString(key, into: &out)
        out.append(0x3A)
    }

    /// The Graph API request body for built events sent together, written from their bytes.
    public static func requestBody(events: [[UInt8]], testEventCode: String?, partnerAgent: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.reduce(64 + partnerAgent.utf8.count) { $0 + $1.count + 1 })
        writeRequestBody(events: events, testEventCode: testEventCode, partnerAgent: partnerAgent, into: &out)
        return out
    }

    /// Appends the Graph API request body for built events to `out`.
    public static func writeRequestBody(
        events: [[UInt8]],
        testEventCode: String?,
        partnerAgent: String,
        into out: inout [UInt8]
    ) {
        JSONWriter.writeRaw(#"{"data":["#, into: &out)
        for (i, e) in events.enumerated() {
            if i > 0 { out.append(0x2C) }
            out.append(contentsOf: e)
        }
        JSONWriter.writeRaw(#"],"partner_agent":"#, into: &out)
        JSONWriter.writeString(partnerAgent, into: &out)
        if let testEventCode {
            JSONWriter.writeRaw(#","test_event_code":"#, into: &out)
            JSONWriter.writeString(testEventCode, into: &out)
        }
        out.append(0x7D)
    }

    /// The Graph API request body for events sent together.
    public static func requestBody(events: [JSONValue], testEventCode: String?, partnerAgent: String) -> JSONValue {
        var body: [(String, JSONValue)] = [("data", .array(events)), ("partner_agent", .string(partnerAgent))]
        if let testEventCode { body.append(("test_event_code", .string(testEventCode))) }
        return .object(JSONObject(uniqueKeys: body))
    }
}
