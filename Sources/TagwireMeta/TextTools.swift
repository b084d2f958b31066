import Foundation

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
        // Fast path: the first and last bytes are ASCII and not white space.
        let utf8 = s.utf8
        if let f = utf8.first, let l = utf8.last, f < 0x80, l < 0x80, !isASCIISpace(f), !isASCIISpace(l) { return s }
        if utf8.isEmpty { return s }
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        guard let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return s }
        return String(scalars[first...last])
    }

    @inline(__always)
    static func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

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
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars where keep(c) { out.append(c) }
        return String(out)
    }
}
