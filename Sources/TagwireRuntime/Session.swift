import TagwireJSON

/// State that carries over between the events of one run: each page's state (`window`), the storage behind
/// data elements' storage durations, and the random source.
public struct Session: Sendable {
    /// Page state by page id.
    var pages: [String: JSONValue] = [:]
    /// `pageview` storage by page id, then data element name.
    var pageviewStorage: [String: [String: JSONValue]] = [:]
    /// `session` storage by visitor and session, then data element name.
    var sessionStorage: [String: [String: JSONValue]] = [:]
    /// `visitor` storage by visitor id, then data element name.
    var visitorStorage: [String: [String: JSONValue]] = [:]
    var random: SplitMix64

    /// A session whose random values (event ids, uuids, random numbers) follow `seed`; without one, the system
    /// random source seeds it.
    public init(seed: UInt64? = nil) {
        random = SplitMix64(seed: seed ?? UInt64.random(in: 0...UInt64.max))
    }
}

/// A small, fast, seedable random generator (SplitMix64), so runs with a seed are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random (version 4) UUID, lowercase.
    public mutating func uuid() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let a = next()
        let b = next()
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: a >> (UInt64(i) * 8))
            bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (UInt64(i) * 8))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(0x2D) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
