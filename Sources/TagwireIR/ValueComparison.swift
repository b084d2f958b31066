import Foundation
import TagwireJSON

/// The 18 operators of `core.value-comparison`, with Adobe's semantics (reference §4.3): loose equality, numeric
/// coercion of strings, case folding, JavaScript truthiness.
public enum ValueComparison {
    /// Every operator, in the order the format lists them.
    public static let operators = [
        "equals", "doesNotEqual", "contains", "doesNotContain", "startsWith", "doesNotStartWith", "endsWith",
        "doesNotEndWith", "matchesRegex", "doesNotMatchRegex", "lessThan", "lessThanOrEqual", "greaterThan",
        "greaterThanOrEqual", "isTrue", "isFalse", "isTruthy", "isFalsy",
    ]

    /// The outcome of one comparison: met or not, or an error (an invalid regular expression).
    public enum Outcome: Sendable, Equatable {
        case result(Bool)
        case failure(String)
    }

    /// Whether the operator takes a right operand.
    public static func needsRightOperand(_ op: String) -> Bool {
        !["isTrue", "isFalse", "isTruthy", "isFalsy"].contains(op)
    }

    /// Whether the operator compares as regular expressions.
    public static func isRegex(_ op: String) -> Bool { op == "matchesRegex" || op == "doesNotMatchRegex" }

    /// Compiles a pattern with the JavaScript `i` flag when case-insensitive (ICU dialect; see the README).
    public static func compile(_ pattern: String, caseInsensitive: Bool) -> Result<NSRegularExpression, RegexError> {
        do {
            return .success(
                // ICU refuses an empty pattern; JavaScript's `new RegExp("")` matches everything, as `(?:)` does.
                try NSRegularExpression(
                    pattern: pattern.isEmpty ? "(?:)" : pattern,
                    options: caseInsensitive ? [.caseInsensitive] : []
                )
            )
        } catch {
            return .failure(RegexError(pattern: pattern))
        }
    }

    /// A pattern that does not compile.
    public struct RegexError: Error, Sendable {
        public var pattern: String
    }

    /// Numbers become strings; other non-strings make string operators false.
    static func stringOperand(_ v: JSONValue?, _ fold: Bool) -> String? {
        switch v {
        case .string(let s)?: return fold ? Coercion.lowercased(s) : s
        case .number(let n)?: return Coercion.numberText(n)
        case .bigInteger(let digits)?: return digits
        default: return nil
        }
    }

    static func numberOperand(_ v: JSONValue?) -> Double? {
        let n: Double
        switch v {
        case .number(let x)?: n = x
        case .bigInteger(let digits)?: n = Double(digits) ?? .nan
        case .string(let s)?: n = Coercion.number(fromString: s)
        default: return nil
        }
        return n.isFinite ? n : nil
    }

    /// Evaluates `left <operator> right`; `regex` is a precompiled right operand for the regex operators.
    public static func evaluate(
        _ op: String,
        left: JSONValue?,
        right: JSONValue?,
        caseInsensitive: Bool,
        regex: NSRegularExpression? = nil
    ) -> Outcome {
        switch op {
        case "equals", "doesNotEqual":
            var l = left
            var r = right
            if caseInsensitive {
                if case .string(let s)? = l { l = .string(Coercion.lowercased(s)) }
                if case .string(let s)? = r { r = .string(Coercion.lowercased(s)) }
            }
            let eq = Coercion.looseEquals(l, r)
            return .result(op == "equals" ? eq : !eq)
        case "contains", "doesNotContain", "startsWith", "doesNotStartWith", "endsWith", "doesNotEndWith":
            var met = false
            if let l = stringOperand(left, caseInsensitive), let r = stringOperand(right, caseInsensitive) {
                switch op {
                case "contains", "doesNotContain": met = r.isEmpty || l.contains(r)
                case "startsWith", "doesNotStartWith": met = l.hasPrefix(r)
                default: met = l.hasSuffix(r)
                }
            }
            return .result(op.hasPrefix("does") ? !met : met)
        case "matchesRegex", "doesNotMatchRegex":
            var met = false
            if let l = stringOperand(left, false) {
                var re = regex
                if re == nil {
                    guard let pattern = stringOperand(right, false) else {
                        return .result(op == "doesNotMatchRegex")
                    }
                    switch compile(pattern, caseInsensitive: caseInsensitive) {
                    case .success(let r): re = r
                    case .failure: return .failure("'\(pattern)' is not a valid regular expression")
                    }
                }
                if let re {
                    met = re.firstMatch(in: l, options: [], range: NSRange(l.startIndex..., in: l)) != nil
                }
            }
            return .result(op == "matchesRegex" ? met : !met)
        case "lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual":
            guard let l = numberOperand(left), let r = numberOperand(right) else { return .result(false) }
            switch op {
            case "lessThan": return .result(l < r)
            case "lessThanOrEqual": return .result(l <= r)
            case "greaterThan": return .result(l > r)
            default: return .result(l >= r)
            }
        case "isTrue": return .result(left == .bool(true))
        case "isFalse": return .result(left == .bool(false))
        case "isTruthy": return .result(Coercion.isTruthy(left))
        case "isFalsy": return .result(!Coercion.isTruthy(left))
        default:
            return .failure("unknown operator '\(op)'")
        }
    }
}
