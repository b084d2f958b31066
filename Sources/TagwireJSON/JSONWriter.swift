/// Serialises ``JSONValue``s deterministically.
///
/// The output is compact (no spaces), keeps object member order unless `sortKeys` is set, escapes only what JSON
/// requires (`"`, `\`, control characters), and writes integral numbers below 2^53 without a fraction, so the
/// same value always gives the same bytes.
public struct JSONWriter: Sendable {
    /// Sort object members by key (byte order of their UTF-8) instead of document order.
    public var sortKeys: Bool
    /// Indent nested values with two spaces per level and break lines.
    public var pretty: Bool

    /// A writer with the given options.
    public init(sortKeys: Bool = false, pretty: Bool = false) {
        self.sortKeys = sortKeys
        self.pretty = pretty
    }

    /// The value as UTF-8 text.
    public func string(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// The value as UTF-8 bytes.
    public func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, depth: 0)
        return out
    }

    /// Appends the value's UTF-8 text to `out`.
    public func write(_ value: JSONValue, into out: inout [UInt8], depth: Int = 0) {
        switch value {
        case .null:
            JSONWriter.writeRaw("null", into: &out)
        case .bool(let b):
            JSONWriter.writeRaw(b ? "true" : "false", into: &out)
        case .number(let n):
            JSONWriter.writeNumber(n, into: &out)
        case .bigInteger(let digits):
            out.append(contentsOf: digits.utf8)
        case .string(let s):
            JSONWriter.writeString(s, into: &out)
        case .array(let a):
            if a.isEmpty {
                JSONWriter.writeRaw("[]", into: &out)
                return
            }
            out.append(0x5B)
            a.withUnsafeBufferPointer { elements in
                for i in elements.indices {
                    if i > 0 { out.append(0x2C) }
                    newline(&out, depth + 1)
                    write(elements[i], into: &out, depth: depth + 1)
                }
            }
            newline(&out, depth)
            out.append(0x5D)
        case .object(let o):
            if o.isEmpty {
                JSONWriter.writeRaw("{}", into: &out)
                return
            }
            out.append(0x7B)
            if sortKeys {
                let order = o.members.indices.sorted {
                    o.members[$0].key.utf8.lexicographicallyPrecedes(o.members[$1].key.utf8)
                }
                for (n, i) in order.enumerated() {
                    if n > 0 { out.append(0x2C) }
                    member(o.members[i].key, o.members[i].value, into: &out, depth: depth)
                }
            } else {
                o.members.withUnsafeBufferPointer { members in
                    for i in members.indices {
                        if i > 0 { out.append(0x2C) }
                        member(members[i].key, members[i].value, into: &out, depth: depth)
                    }
                }
            }
            newline(&out, depth)
            out.append(0x7D)
        }
    }

    private func member(_ key: String, _ value: JSONValue, into out: inout [UInt8], depth: Int) {
        newline(&out, depth + 1)
        JSONWriter.writeString(key, into: &out)
        out.append(0x3A)
        if pretty { out.append(0x20) }
        write(value, into: &out, depth: depth + 1)
    }

    @inline(__always)
    private func newline(_ out: inout [UInt8], _ depth: Int) {
        guard pretty else { return }
        out.append(0x0A)
        for _ in 0..<(depth * 2) { out.append(0x20) }
    }

    /// Writes a number: integral values below 2^53 as integers, others in Swift's shortest round-trip form.
    public static func writeNumber(_ n: Double, into out: inout [UInt8]) {
        if n.isNaN || n.isInfinite {
            out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            return
        }
        if n == n.rounded(), abs(n) < 9_007_199_254_740_992 {
            let i = Int64(n)
            if i == 0 {
                out.append(0x30)
                return
            }
            var v = i.magnitude
            if i < 0 { out.append(0x2D) }
            // At most 16 digits (|n| < 2^53): written backwards into a stack buffer, no allocation.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
                var k = 20
                while v > 0 {
                    k -= 1
                    buf[k] = UInt8(v % 10) + 0x30
                    v /= 10
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<20]))
            }
            return
        }
        if writeShortDecimal(n, into: &out) { return }
        out.append(contentsOf: n.description.utf8)
    }

    /// Writes numbers with one to three decimals (prices, amounts) without formatting a `String`: the digits are
    /// those of `description` (its shortest round-trip form) whenever the decimal reads back as the same double
    /// and no shorter one does, which is what is checked. Returns false for anything else.
    @inline(__always)
    static func writeShortDecimal(_ n: Double, into out: inout [UInt8]) -> Bool {
        let magnitude = abs(n)
        guard magnitude >= 0.001, magnitude < 1e12 else { return false }
        var scale = 1.0
        for decimals in 1...3 {
            scale *= 10
            let scaled = (magnitude * scale).rounded()
            guard scaled / scale == magnitude else { continue }
            var digits = UInt64(scaled)
            // A trailing zero means fewer decimals would have read back (they were tried first).
            guard digits % 10 != 0 else { return false }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buf in
                var k = 24
                for _ in 0..<decimals {
                    k -= 1
                    buf[k] = UInt8(digits % 10) + 0x30
                    digits /= 10
                }
                k -= 1
                buf[k] = 0x2E
                repeat {
                    k -= 1
                    buf[k] = UInt8(digits % 10) + 0x30
                    digits /= 10
                } while digits > 0
                if n < 0 {
                    k -= 1
                    buf[k] = 0x2D
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<24]))
            }
            return true
        }
        return false
    }

    /// Appends literal JSON text (a key with its colon, punctuation) as it is.
    @inlinable
    public static func writeRaw(_ text: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any byte is a control character, `"` or `\`: eight bytes at a time (a byte-wise zero test on words:
    /// `(x - 0x01…) & ~x & 0x80…` is non-zero exactly when some byte of `x` is zero).
    @inline(__always)
    static func needsEscaping(_ buf: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = UnsafeRawPointer(buf.baseAddress) else { return false }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var i = 0
        let n = buf.count
        while i + 8 <= n {
            let x = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            // Bytes below 0x20 (for bytes < 0x80: x - 0x20 borrows into the high bit), '"' and '\' (zero after XOR).
            let quote = x ^ (ones &* 0x22)
            let backslash = x ^ (ones &* 0x5C)
            let control = (x &- ones &* 0x20) & ~x
            let hit = (control | ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)) & highs
            if hit != 0 {
                // A candidate (borrows can flag neighbours): decide byte by byte.
                for j in i..<(i + 8) {
                    let b = buf[j]
                    if b < 0x20 || b == 0x22 || b == 0x5C { return true }
                }
            }
            i += 8
        }
        while i < n {
            let b = buf[i]
            if b < 0x20 || b == 0x22 || b == 0x5C { return true }
            i += 1
        }
        return false
    }

    /// Writes a quoted, escaped JSON string.
    public static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        // Fast path: nothing to escape, read in place from the string's storage.
        let clean: Bool =
            s.utf8.withContiguousStorageIfAvailable { buf in
                guard !needsEscaping(buf) else { return false }
                out.append(contentsOf: buf)
                return true
            } ?? false
        if clean {
            out.append(0x22)
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x08: out.append(contentsOf: [0x5C, 0x62])
            case 0x0C: out.append(contentsOf: [0x5C, 0x66])
            case 0x00..<0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default:
                out.append(b)
            }
        }
        out.append(0x22)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text of the value.
    public var description: String { JSONWriter().string(self) }
}
