import CTagwireSHA

/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), in plain Swift.
///
/// Tagwire hashes short strings (customer information, content addresses), so a dependency-free implementation
/// keeps the core targets free of heavy packages. Checked against the FIPS test vectors and Python's `hashlib`.
/// Where the processor has the x86 SHA extensions, blocks are compressed with them (`CTagwireSHA`, chosen once at
/// run time; the tests check both paths give the same digests).
public struct SHA256: Sendable {
    /// Whether this processor compresses blocks with the SHA extensions.
    public static let usesHardware = tagwire_sha256_hardware_available() != 0

    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0
    private var hardware = SHA256.usesHardware

    /// A fresh hasher (its buffer grows on first use: short digests never allocate it).
    public init() {}

    /// A hasher that never uses the SHA extensions (tests check both paths agree).
    init(portable: Bool) {
        hardware = SHA256.usesHardware && !portable
    }

    /// Feeds bytes.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes {
            buffer.append(b)
            length &+= 1
            if buffer.count == 64 {
                buffer.withUnsafeBufferPointer { compress($0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Feeds the UTF-8 bytes of a string.
    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update($0) }
    }

    /// Feeds a buffer of bytes, compressing whole blocks without copying.
    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        var i = 0
        if !buffer.isEmpty {
            while i < bytes.count && buffer.count < 64 {
                buffer.append(bytes[i])
                i += 1
            }
            length &+= UInt64(i)
            if buffer.count == 64 {
                buffer.withUnsafeBufferPointer { compress($0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - i >= 64 {
            compress(UnsafeBufferPointer(rebasing: bytes[i..<(i + 64)]))
            i += 64
            length &+= 64
        }
        while i < bytes.count {
            buffer.append(bytes[i])
            i += 1
            length &+= 1
        }
    }

    /// The 32-byte digest; the hasher should not be used afterwards.
    public mutating func finalize() -> [UInt8] {
        finalizeState()
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            out.append(UInt8(truncatingIfNeeded: word >> 24))
            out.append(UInt8(truncatingIfNeeded: word >> 16))
            out.append(UInt8(truncatingIfNeeded: word >> 8))
            out.append(UInt8(truncatingIfNeeded: word))
        }
        return out
    }

    /// Pads and compresses the last blocks: the state is then the digest.
    private mutating func finalizeState() {
        let bitLength = length &* 8
        var tail = buffer
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        tail.withUnsafeBufferPointer { t in
            var i = 0
            while i < t.count {
                compress(UnsafeBufferPointer(rebasing: t[i..<(i + 64)]))
                i += 64
            }
        }
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    fileprivate mutating func compress(_ block: UnsafeBufferPointer<UInt8>) {
        if hardware, let base = block.baseAddress {
            withUnsafeMutableBytes(of: &state) { raw in
                guard let words = raw.baseAddress?.assumingMemoryBound(to: UInt32.self) else { return }
                tagwire_sha256_hardware_compress(words, base, block.count / 64)
            }
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                let b = i * 4
                w[i] =
                    UInt32(block[b]) << 24 | UInt32(block[b + 1]) << 16 | UInt32(block[b + 2]) << 8
                    | UInt32(block[b + 3])
            }
            for i in 16..<64 {
                let s0 = SHA256.rotr(w[i - 15], 7) ^ SHA256.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = SHA256.rotr(w[i - 2], 17) ^ SHA256.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = state
            do {
                // The round constants: one table, in `CTagwireSHA`, for both paths.
                let k = UnsafeBufferPointer(start: tagwire_sha256_round_constants(), count: 64)
                for i in 0..<64 {
                    let s1 = SHA256.rotr(e, 6) ^ SHA256.rotr(e, 11) ^ SHA256.rotr(e, 25)
                    let ch = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
                    let s0 = SHA256.rotr(a, 2) ^ SHA256.rotr(a, 13) ^ SHA256.rotr(a, 22)
                    let maj = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ maj
                    h = g
                    g = f
                    f = e
                    e = d &+ t1
                    d = c
                    c = b
                    b = a
                    a = t1 &+ t2
                }
            }
            state = (
                state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g,
                state.7 &+ h
            )
        }
    }

    /// The digest of some bytes.
    public static func hash<S: Sequence>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        var h = SHA256()
        h.update(bytes)
        return h.finalize()
    }

    /// The lowercase hex digest of a string's UTF-8 bytes.
    public static func hexDigest(_ string: String) -> String {
        hexDigest(string, portable: false)
    }

    /// ``hexDigest(_:)``, optionally without the SHA extensions.
    static func hexDigest(_ string: String, portable: Bool) -> String {
        var s = string
        return s.withUTF8 { bytes in
            let h = digestState(bytes, portable: portable)
            return String(unsafeUninitializedCapacity: 64) { out in
                h.writeHex(into: out)
                return 64
            }
        }
    }

    /// Appends the lowercase hex digest of some bytes to `out` (no `String` made).
    public static func appendHexDigest(of bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let h = digestState(bytes, portable: false)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { hex in
            h.writeHex(into: hex)
            out.append(contentsOf: UnsafeBufferPointer(hex))
        }
    }

    /// A hasher whose state is the digest of `bytes`. Inputs that fit two blocks after padding (the usual
    /// customer-information value) take a path with no heap allocation.
    private static func digestState(_ bytes: UnsafeBufferPointer<UInt8>, portable: Bool) -> SHA256 {
        if bytes.count <= 119 { return shortState(bytes, portable: portable) }
        var h = SHA256(portable: portable)
        h.update(bytes)
        h.finalizeState()
        return h
    }

    /// A hasher whose state is the digest of a short input (two blocks at most after padding), with no heap
    /// allocation.
    private static func shortState(_ bytes: UnsafeBufferPointer<UInt8>, portable: Bool) -> SHA256 {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { block in
            let n = bytes.count
            let blocks = n + 9 <= 64 ? 1 : 2
            let total = blocks * 64
            for i in 0..<n { block[i] = bytes[i] }
            block[n] = 0x80
            for i in (n + 1)..<total { block[i] = 0 }
            let bitLength = UInt64(n) &* 8
            for k in 0..<8 { block[total - 1 - k] = UInt8(truncatingIfNeeded: bitLength >> (UInt64(k) * 8)) }
            var h = SHA256(portable: portable)
            let buffer = UnsafeBufferPointer(block)
            for b in 0..<blocks { h.compress(UnsafeBufferPointer(rebasing: buffer[(b * 64)..<(b * 64 + 64)])) }
            return h
        }
    }

    /// The state words as lowercase hex, into 64 bytes.
    private func writeHex(into out: UnsafeMutableBufferPointer<UInt8>) {
        let (a, b, c, d, e, f, g, h) = state
        guard let base = UnsafeMutableRawPointer(out.baseAddress), out.count >= 64 else { return }
        func put(_ word: UInt32, at start: Int) {
            base.storeBytes(of: SHA256.hexWord(word).bigEndian, toByteOffset: start, as: UInt64.self)
        }
        put(a, at: 0)
        put(b, at: 8)
        put(c, at: 16)
        put(d, at: 24)
        put(e, at: 32)
        put(f, at: 40)
        put(g, at: 48)
        put(h, at: 56)
    }

    /// The eight lowercase hex digits of a word, most significant first from the word's high byte: each nibble
    /// is spread into a byte of its own, then turned into '0'–'9' or 'a'–'f' all at once.
    @inline(__always)
    static func hexWord(_ word: UInt32) -> UInt64 {
        var x = UInt64(word)
        x = ((x & 0xFFFF_0000) << 16) | (x & 0x0000_FFFF)
        x = ((x & 0x0000_FF00_0000_FF00) << 8) | (x & 0x0000_00FF_0000_00FF)
        x = ((x & 0x00F0_00F0_00F0_00F0) << 4) | (x & 0x000F_000F_000F_000F)
        // 1 in each byte whose nibble is 10 or more; those move from ':'… to 'a'… (39 further on).
        let letters = ((x &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return x &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
    }

    /// The lowercase hex digest of some bytes.
    public static func hexDigest(_ bytes: [UInt8]) -> String {
        var h = SHA256()
        bytes.withUnsafeBufferPointer { h.update($0) }
        return hex(h.finalize())
    }

    /// HMAC-SHA256 of `message` under `key` (RFC 2104), lowercase hex.
    public static func hmacHex(key: String, message: String) -> String {
        var k = Array(key.utf8)
        if k.count > 64 { k = hash(k) }
        k += [UInt8](repeating: 0, count: 64 - k.count)
        var inner = SHA256()
        inner.update(k.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()
        var outer = SHA256()
        outer.update(k.map { $0 ^ 0x5c })
        outer.update(innerDigest)
        return hex(outer.finalize())
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of bytes.
    public static func hex(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
