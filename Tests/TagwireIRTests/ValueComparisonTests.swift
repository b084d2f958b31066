import TagwireIR
import TagwireJSON
import Testing

/// Adobe's value-comparison semantics (reference §4.3), one row per case: operator, left, right (JSON text;
/// "undefined" for a missing value), case-insensitive, expected.
struct ValueComparisonTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var op: String
        var left: String
        var right: String
        var ci: Bool
        var expected: Bool
        var testDescription: String { "\(left) \(op)\(ci ? "/i" : "") \(right) → \(expected)" }
    }

    static func r(_ op: String, _ left: String, _ right: String, _ expected: Bool, ci: Bool = false) -> Row {
        Row(op: op, left: left, right: right, ci: ci, expected: expected)
    }

    static let rows: [Row] = [
        // equals: JavaScript loose equality
        r("equals", #""1""#, "1", true), r("equals", "1", #""1""#, true), r("equals", "null", "undefined", true),
        r("equals", "undefined", "null", true), r("equals", #""""#, "0", true), r("equals", "false", #""0""#, true),
        r("equals", "true", "1", true), r("equals", "true", #""1""#, true), r("equals", "false", #""""#, true),
        r("equals", "null", "0", false), r("equals", "undefined", "0", false), r("equals", "null", "false", false),
        r("equals", #""abc""#, #""ABC""#, false), r("equals", #""abc""#, #""ABC""#, true, ci: true),
        r("equals", #""1.0""#, "1", true), r("equals", #"" 1 ""#, "1", true), r("equals", #""0x10""#, "16", true),
        r("equals", #""a""#, #""a""#, true), r("equals", "[1]", "1", true), r("equals", "[1,2]", #""1,2""#, true),
        r("equals", #"{"a":1}"#, #""[object Object]""#, true), r("equals", "2", "2.0", true),
        r("equals", #""NaN""#, #""NaN""#, true),
        // doesNotEqual
        r("doesNotEqual", #""1""#, "1", false), r("doesNotEqual", "1", "2", true),
        r("doesNotEqual", "null", "undefined", false),
        r("doesNotEqual", #""abc""#, #""ABC""#, false, ci: true), r("doesNotEqual", #""abc""#, #""ABC""#, true),
        // contains and friends: numbers become strings, other non-strings fail
        r("contains", #""checkout/step-2""#, #""step""#, true), r("contains", #""Checkout""#, #""check""#, false),
        r("contains", #""Checkout""#, #""check""#, true, ci: true), r("contains", "12345", "234", true),
        r("contains", "12345", #""234""#, true),
        r("contains", "null", #""a""#, false), r("contains", "true", #""true""#, false),
        r("contains", #""abc""#, #""""#, true),
        r("contains", "[1]", "1", false), r("contains", "undefined", #""x""#, false),
        r("doesNotContain", #""abc""#, #""d""#, true), r("doesNotContain", #""abc""#, #""b""#, false),
        r("doesNotContain", "null", #""a""#, true),
        r("doesNotContain", "undefined", #""a""#, true), r("doesNotContain", #""ABC""#, #""b""#, false, ci: true),
        r("startsWith", #""Purchase""#, #""Pur""#, true), r("startsWith", #""Purchase""#, #""pur""#, false),
        r("startsWith", #""Purchase""#, #""pur""#, true, ci: true),
        r("startsWith", "2024", "20", true), r("startsWith", "null", #""n""#, false),
        r("doesNotStartWith", #""Purchase""#, #""Pur""#, false), r("doesNotStartWith", #""Purchase""#, #""x""#, true),
        r("doesNotStartWith", "false", #""f""#, true),
        r("endsWith", #""file.pdf""#, #"".pdf""#, true), r("endsWith", #""file.PDF""#, #"".pdf""#, false),
        r("endsWith", #""file.PDF""#, #"".pdf""#, true, ci: true),
        r("endsWith", "1.5", #"".5""#, true), r("endsWith", "undefined", #""d""#, false),
        r("doesNotEndWith", #""file.pdf""#, #"".doc""#, true), r("doesNotEndWith", #""file.pdf""#, #"".pdf""#, false),
        r("doesNotEndWith", "null", #""l""#, true),
        // regex
        r("matchesRegex", #""ORDER-123""#, #""^order-\\d+$""#, false),
        r("matchesRegex", #""ORDER-123""#, #""^order-\\d+$""#, true, ci: true),
        r("matchesRegex", #""abc""#, #""b""#, true), r("matchesRegex", "123", #""^\\d+$""#, true),
        r("matchesRegex", "null", #"".*""#, false),
        r("matchesRegex", #""a.b""#, #""a\\.b""#, true), r("matchesRegex", #""axb""#, #""a\\.b""#, false),
        r("matchesRegex", #""line1\nline2""#, #""^line2""#, false),
        r("doesNotMatchRegex", #""abc""#, #""\\d""#, true), r("doesNotMatchRegex", #""a1c""#, #""\\d""#, false),
        r("doesNotMatchRegex", "undefined", #""x""#, true),
        // numeric comparisons: strings through Number(), non-finite fails
        r("lessThan", "1", "2", true), r("lessThan", "2", "1", false), r("lessThan", #""9""#, "10", true),
        r("lessThan", #""9""#, #""10""#, true),
        r("lessThan", #""""#, "1", true), r("lessThan", #""abc""#, "1", false), r("lessThan", "null", "1", false),
        r("lessThan", "true", "2", false),
        r("lessThan", #""0x10""#, "17", true), r("lessThan", #"" 7 ""#, "8", true),
        r("lessThan", #""1e3""#, "1001", true), r("lessThan", #""Infinity""#, "1", false),
        r("lessThanOrEqual", "2", "2", true), r("lessThanOrEqual", "3", "2", false),
        r("lessThanOrEqual", #""2""#, #""2.0""#, true), r("lessThanOrEqual", "undefined", "1", false),
        r("greaterThan", "3", "2", true), r("greaterThan", "2", "2", false), r("greaterThan", #""-1""#, "-2", true),
        r("greaterThan", #""1,000""#, "1", false),
        r("greaterThan", "[5]", "1", false), r("greaterThan", #""0b11""#, "2", true),
        r("greaterThanOrEqual", "2", "2", true), r("greaterThanOrEqual", "1.5", "2", false),
        r("greaterThanOrEqual", #""0o10""#, "8", true), r("greaterThanOrEqual", "null", "0", false),
        // booleans
        r("isTrue", "true", "undefined", true), r("isTrue", #""true""#, "undefined", false),
        r("isTrue", "1", "undefined", false), r("isTrue", "undefined", "undefined", false),
        r("isFalse", "false", "undefined", true), r("isFalse", "0", "undefined", false),
        r("isFalse", #""false""#, "undefined", false), r("isFalse", "null", "undefined", false),
        r("isTruthy", #""0""#, "undefined", true), r("isTruthy", "0", "undefined", false),
        r("isTruthy", #""""#, "undefined", false), r("isTruthy", "[]", "undefined", true),
        r("isTruthy", "{}", "undefined", true), r("isTruthy", "null", "undefined", false),
        r("isTruthy", "undefined", "undefined", false), r("isTruthy", "-1", "undefined", true),
        r("isFalsy", #""""#, "undefined", true), r("isFalsy", "0", "undefined", true),
        r("isFalsy", "null", "undefined", true), r("isFalsy", "undefined", "undefined", true),
        r("isFalsy", #""false""#, "undefined", false), r("isFalsy", "false", "undefined", true),
        r("isFalsy", #""a""#, "undefined", false),
    ]

    static func value(_ text: String) throws -> JSONValue? {
        text == "undefined" ? nil : try JSONReader.parse(text)
    }

    @Test(arguments: rows)
    func comparison(_ row: Row) throws {
        let outcome = ValueComparison.evaluate(
            row.op,
            left: try Self.value(row.left),
            right: try Self.value(row.right),
            caseInsensitive: row.ci
        )
        #expect(outcome == .result(row.expected))
    }

    @Test
    func theTableCoversEveryOperatorWithOverAHundredCases() {
        #expect(Self.rows.count >= 100)
        #expect(Set(Self.rows.map(\.op)) == Set(ValueComparison.operators))
    }

    @Test
    func anInvalidPatternIsAFailureNotAMiss() {
        #expect(
            ValueComparison.evaluate("matchesRegex", left: "a", right: "(", caseInsensitive: false)
                == .failure("'(' is not a valid regular expression")
        )
    }

    @Test(arguments: [
        ("", 0.0), ("  12 ", 12), ("0x1F", 31), ("1e2", 100), ("-3.5", -3.5), ("+4", 4), (".5", 0.5), ("5.", 5),
    ])
    func numberCoercionFollowsJavaScript(_ text: String, _ expected: Double) {
        #expect(Coercion.number(fromString: text) == expected)
    }

    @Test(arguments: ["abc", "1,5", "0x", "1e", "--1", "Infinityx"])
    func nonNumbersAreNaN(_ text: String) {
        #expect(Coercion.number(fromString: text).isNaN)
    }

    @Test
    func numberTextMatchesJavaScript() {
        #expect(Coercion.numberText(1) == "1")
        #expect(Coercion.numberText(1.5) == "1.5")
        #expect(Coercion.numberText(1e21) == "1e+21")
        #expect(Coercion.numberText(1e-7) == "1e-7")
        #expect(Coercion.numberText(-0.0) == "0")
        #expect(Coercion.numberText(.nan) == "NaN")
    }
}
