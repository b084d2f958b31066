import TagwireJSON

/// JavaScript-style coercions, as Adobe's value comparison and token interpolation use them.
///
/// A missing value (`nil`) plays the part of JavaScript's `undefined`; JSON `null` is `null`.
public enum Coercion {
    /// JavaScript truthiness: `undefined`, `null`, `false`, `0`, `NaN` and `""` are falsy; everything else,
    /// including `"0"`, `[]` and `{}`, is truthy.
    public static func isTruthy(_ v: JSONValue?) -> Bool {
        switch v {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case .number(let n)?: return n != 0 && !n.isNaN
        case .bigInteger?: return true
        case .string(let s)?: return !s.isEmpty
        case .array?, .object?: return true
        }
    }

    /// JavaScript `Number(x)`: strings are trimmed, `""` is 0, hex/octal/binary prefixes and `Infinity` are
    /// understood, anything else that is not a decimal literal is `NaN`.
    public static func toNumber(_ v: JSONValue?) -> Double {
        switch v {
        case nil: return .nan
        case .null?: return 0
        case .bool(let b)?: return b ? 1 : 0
        case .number(let n)?: return n
        case .bigInteger(let digits)?: return Double(digits) ?? .nan
        case .string(let s)?: return number(fromString: s)
        case .array(let a)?:
            if a.isEmpty { return 0 }
            if a.count == 1 { return toNumber(a[0]) }
            return .nan
        case .object?: return .nan
        }
    }

    static func isJSWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
            0xFEFF:
            return true
        default:
            return false
        }
    }

    /// JavaScript's `toLowerCase`: Unicode's full lower-case mapping with its one context rule that applies
    /// without a language, Final_Sigma: a capital sigma that ends a word (a cased letter before it, none after it,
    /// case-ignorable characters such as apostrophes skipped) becomes `ς`. Swift's `lowercased()` maps each
    /// character on its own (`Σ` is always `σ`).
    public static func lowercased(_ s: String) -> String {
        guard s.unicodeScalars.contains("\u{03A3}") else { return s.lowercased() }
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, c) in scalars.enumerated() {
            if c == "\u{03A3}", isFinalSigma(scalars, at: i) {
                out.append("\u{03C2}")
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Unicode's Final_Sigma condition (Unicode 15, table 3-17) at `i`.
    static func isFinalSigma(_ scalars: [Unicode.Scalar], at i: Int) -> Bool {
        var before = i - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = i + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// `Number(string)`.
    public static func number(fromString s: String) -> Double {
        var scalars = Substring(s).unicodeScalars[...]
        while let f = scalars.first, isJSWhitespace(f) { scalars.removeFirst() }
        while let l = scalars.last, isJSWhitespace(l) { scalars.removeLast() }
        let t = String(String.UnicodeScalarView(scalars))
        if t.isEmpty { return 0 }
        let lower = t.lowercased()
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
            let digits = lower.dropFirst(2)
            guard !digits.isEmpty else { return .nan }
            var value = 0.0
            for c in digits {
                guard let d = c.hexDigitValue, d < radix else { return .nan }
                value = value * Double(radix) + Double(d)
            }
            return value
        }
        switch t {
        case "Infinity", "+Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: break
        }
        // A decimal literal: optional sign, digits with optional fraction, optional exponent.
        var sawDigit = false
        var i = t.unicodeScalars.startIndex
        let u = t.unicodeScalars
        if i < u.endIndex, u[i] == "+" || u[i] == "-" { i = u.index(after: i) }
        while i < u.endIndex, ("0"..."9").contains(u[i]) {
            sawDigit = true
            i = u.index(after: i)
        }
        if i < u.endIndex, u[i] == "." {
            i = u.index(after: i)
            while i < u.endIndex, ("0"..."9").contains(u[i]) {
                sawDigit = true
                i = u.index(after: i)
            }
        }
        guard sawDigit else { return .nan }
        if i < u.endIndex, u[i] == "e" || u[i] == "E" {
            i = u.index(after: i)
            if i < u.endIndex, u[i] == "+" || u[i] == "-" { i = u.index(after: i) }
            var expDigit = false
            while i < u.endIndex, ("0"..."9").contains(u[i]) {
                expDigit = true
                i = u.index(after: i)
            }
            guard expDigit else { return .nan }
        }
        guard i == u.endIndex else { return .nan }
        return Double(t) ?? .nan
    }

    /// Text for an identifier given as a string or a number (ids, names); nil for other values.
    public static func idText(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .number(let n): return numberText(n)
        case .bigInteger(let digits): return digits
        default: return nil
        }
    }

    /// The text without leading and trailing white space (Unicode's), as JavaScript's `String.prototype.trim`.
    public static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return s }
        return String(scalars[first...last])
    }

    /// JavaScript `Number.prototype.toString()` for finite numbers; `NaN` and `Infinity` as JavaScript spells them.
    public static func numberText(_ n: Double) -> String {
        if n.isNaN { return "NaN" }
        if n.isInfinite { return n > 0 ? "Infinity" : "-Infinity" }
        if n == n.rounded(), abs(n) < 1e21 {
            if abs(n) < 9.2e18 { return String(Int64(n)) }
        }
        var s = n.description
        // Swift writes "1e-07"; JavaScript writes "1e-7".
        if let e = s.firstIndex(of: "e") {
            let mantissa = s[..<e]
            var exp = s[s.index(after: e)...]
            var sign = "+"
            if exp.first == "-" || exp.first == "+" {
                sign = exp.first == "-" ? "-" : "+"
                exp = exp.dropFirst()
            }
            while exp.count > 1, exp.first == "0" { exp = exp.dropFirst() }
            s = "\(mantissa)e\(sign)\(exp)"
        }
        return s
    }

    /// Text for a token inside a longer string: strings as they are, numbers and booleans as JavaScript prints
    /// them, missing and `null` as "", objects and arrays as compact JSON.
    public static func interpolationText(_ v: JSONValue?) -> String {
        switch v {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .number(let n)?: return numberText(n)
        case .bigInteger(let digits)?: return digits
        case .bool(let b)?: return b ? "true" : "false"
        case let other?: return JSONWriter().string(other)
        }
    }

    /// JavaScript `String(x)` for primitive comparisons (`undefined`, `null`, arrays joined with ",").
    public static func jsString(_ v: JSONValue?) -> String {
        switch v {
        case nil: return "undefined"
        case .null?: return "null"
        case .bool(let b)?: return b ? "true" : "false"
        case .number(let n)?: return numberText(n)
        case .bigInteger(let digits)?: return digits
        case .string(let s)?: return s
        case .array(let a)?: return a.map { $0.isNull ? "" : jsString($0) }.joined(separator: ",")
        case .object?: return "[object Object]"
        }
    }

    /// JavaScript loose equality (`==`), with structural equality for two objects or two arrays.
    public static func looseEquals(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (nil, nil), (nil, .null?), (.null?, nil), (.null?, .null?): return true
        case (nil, _), (.null?, _), (_, nil), (_, .null?): return false
        case (.string(let x)?, .string(let y)?): return x == y
        // Integers kept as their digits equal the same digits (ids), and other values as the nearest number.
        case (.bigInteger(let x)?, .bigInteger(let y)?), (.bigInteger(let x)?, .string(let y)?),
            (.string(let y)?, .bigInteger(let x)?):
            return x == y
        case (.bigInteger(let x)?, _): return looseEquals(.number(Double(x) ?? .nan), b)
        case (_, .bigInteger(let y)?): return looseEquals(a, .number(Double(y) ?? .nan))
        case (.number(let x)?, .number(let y)?): return x == y
        case (.bool(let x)?, .bool(let y)?): return x == y
        case (.number(let x)?, .string(let y)?): return x == number(fromString: y)
        case (.string(let x)?, .number(let y)?): return number(fromString: x) == y
        case (.bool(let x)?, _): return looseEquals(.number(x ? 1 : 0), b)
        case (_, .bool(let y)?): return looseEquals(a, .number(y ? 1 : 0))
        case (.array?, .array?), (.object?, .object?): return a == b
        case (.array?, _), (.object?, _): return looseEquals(.string(jsString(a)), b)
        case (_, .array?), (_, .object?): return looseEquals(a, .string(jsString(b)))
        }
    }
}
