import Foundation
import TagwireIR

/// Native text helpers for the hot path: Foundation's `trimmingCharacters(in:)` and `CharacterSet` go through
/// NSString on Linux and cost more than the hashing they precede.
public enum TextTools {
    /// Whether every byte is ASCII.
    @inlinable
    public static func isASCII(_ s: String) -> Bool {
        s.utf8.allSatisfy { $0 < 0x80 }
    }

    /// `s` without leading and trailing Unicode white space.
    public static func trimmed(_ s: String) -> String {
        // Text whose first and last bytes are ASCII and not white space is unchanged whatever lies between.
        if let f = s.utf8.first, let l = s.utf8.last, f < 0x80, l < 0x80, !isASCIISpace(f), !isASCIISpace(l) {
            return s
        }
        // Bytes, read from the string's own storage: other ASCII text is trimmed by bytes.
        if let done = s.utf8.withContiguousStorageIfAvailable({ buf -> String? in
            guard !buf.isEmpty else { return s }
            return asciiTrimmedRange(buf).map {
                String(decoding: UnsafeBufferPointer(rebasing: buf[$0]), as: UTF8.self)
            }
        }), let done {
            return done
        }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        guard let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return s }
        return String(scalars[first...last])
    }

    /// `s.uppercased()` or `s.lowercased()` for ASCII text, by bytes; nil when the text is not ASCII.
    public static func asciiCased(_ s: String, upper: Bool) -> String? {
        var copy = s
        return copy.withUTF8 { buf -> String? in
            for b in buf where b >= 0x80 { return nil }
            let (from, to): (UInt8, UInt8) = upper ? (0x61, 0x7A) : (0x41, 0x5A)
            return String(unsafeUninitializedCapacity: buf.count) { out in
                for i in buf.indices { out[i] = buf[i] >= from && buf[i] <= to ? buf[i] ^ 0x20 : buf[i] }
                return buf.count
            }
        }
    }

    /// Whether nothing but Unicode white space is left of `s` (``trimmed(_:)`` is empty), without making a string.
    public static func isBlank(_ s: String) -> Bool {
        for b in s.utf8 {
            if b >= 0x80 { return trimmed(s).isEmpty }
            if !isASCIISpace(b) { return false }
        }
        return true
    }

    /// Whether an ASCII byte is white space (tab, line feed, vertical tab, form feed, carriage return, space).
    @inline(__always)
    public static func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// For ASCII bytes: the range left without leading and trailing white space; nil when a byte is not ASCII.
    @inline(__always)
    static func asciiTrimmedRange(_ buf: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        for b in buf where b >= 0x80 { return nil }
        var start = 0
        var end = buf.count
        while start < end, isASCIISpace(buf[start]) { start += 1 }
        while end > start, isASCIISpace(buf[end - 1]) { end -= 1 }
        return start..<end
    }

    /// For ASCII text: trimmed of white space and lowercased in one pass over the bytes (what NFC, `trimmed` and
    /// `lowercased()` give for ASCII); nil when the text is not ASCII.
    public static func asciiTrimmedLowercased(_ s: String) -> String? {
        var copy = s
        return copy.withUTF8 { buf -> String? in
            guard let range = asciiTrimmedRange(buf) else { return nil }
            return String(unsafeUninitializedCapacity: range.count) { out in
                var k = 0
                for i in range {
                    let b = buf[i]
                    out[k] = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
                    k += 1
                }
                return k
            }
        }
    }

    /// Lower case as Meta's Pixel (JavaScript's `toLowerCase`) gives it: Unicode's full mapping with its
    /// final-sigma rule (``Coercion/lowercased(_:)``).
    public static func lowercased(_ s: String) -> String { Coercion.lowercased(s) }

    /// Unicode NFC (canonical composition); ASCII is returned as it is.
    public static func nfc(_ s: String) -> String {
        isASCII(s) ? s : s.precomposedStringWithCanonicalMapping
    }

    /// Letters, marks and digits (Foundation's `alphanumerics`).
    @inlinable
    public static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 {
            return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// White space, punctuation or a symbol: what names and cities lose.
    @inlinable
    public static func isSeparatorOrPunctuation(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 {
            return !((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9"))
        }
        if c.properties.isWhitespace { return true }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
            .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return true
        default:
            return false
        }
    }

    /// The scalars of `s` that satisfy `keep`.
    @inlinable
    public static func filter(_ s: String, _ keep: (Unicode.Scalar) -> Bool) -> String {
        var copy = s
        // ASCII: one pass over the bytes into the result's storage.
        if let ascii = copy.withUTF8({ buf -> String? in
            for b in buf where b >= 0x80 { return nil }
            return String(unsafeUninitializedCapacity: buf.count) { out in
                var k = 0
                for b in buf where keep(Unicode.Scalar(b)) {
                    out[k] = b
                    k += 1
                }
                return k
            }
        }) {
            return ascii
        }
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars where keep(c) { out.append(c) }
        return String(out)
    }
}
