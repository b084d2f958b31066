import Foundation
import TagwireIR
import TagwireJSON
import TagwireRuntime

/// `core.value-comparison`: compares two operands with one of the 18 operators (``ValueComparison``).
struct ValueComparisonCondition: RuntimeCondition {
    struct Delegate: ConditionDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeCondition {
            ValueComparisonCondition(node.settings, readsSecret: preparation.readsSecret(node.settings))
        }
    }

    let left: Template?
    let right: Template?
    /// The `comparison` setting, rendered per event when the operator is not literal.
    let comparison: Template?
    /// The operator when it is literal (nil: rendered per event).
    let op: String?
    let caseInsensitive: Bool
    /// For a literal `equals` or `doesNotEqual` without case folding: loose equality, decided without the
    /// operator table.
    let equality: Equality?
    /// Such an equality between one reference and a literal text (`{{Event Name}} equals "Purchase"`).
    let textEquality: (left: TokenReference, text: String)?
    /// A literal regular expression, compiled once.
    let regex: NSRegularExpression?
    /// Whether an operand reads a secret (masked in traces).
    let readsSecret: Bool

    enum Equality { case equals, differs }

    init(_ settings: Template, readsSecret: Bool) {
        left = settings.member("leftOperand")
        right = settings.member("rightOperand")
        comparison = settings.member("comparison")
        let literal = comparison?.literalValue
        op = literal?["operator"]?.stringValue
        caseInsensitive = literal?["caseInsensitive"]?.boolValue ?? false
        equality = caseInsensitive ? nil : (op == "equals" ? .equals : (op == "doesNotEqual" ? .differs : nil))
        if equality != nil, case .token(let ref)? = left, case .literal(.string(let text))? = right {
            textEquality = (ref, text)
        } else {
            textEquality = nil
        }
        if let op, ValueComparison.isRegex(op), let pattern = right?.literalValue?.stringValue,
            case .success(let re) = ValueComparison.compile(pattern, caseInsensitive: caseInsensitive)
        {
            regex = re
        } else {
            regex = nil
        }
        self.readsSecret = readsSecret
    }

    var readsOnlyItsSettings: Bool { true }

    func evaluate(_ context: inout RuleContext) throws(ComponentFailure) -> Bool {
        // Text against a literal text: loose equality is plain equality, decided without rendering the operands
        // or the operator table (other values, and traces, take the general comparison below).
        if let (ref, text) = textEquality, let equality, !context.isTracing {
            let value: JSONValue?
            do {
                value = try context.reference(ref)
            } catch {
                throw ComponentFailure("setting 'leftOperand': \(error.message)")
            }
            if case .string(let s)? = value { return (s == text) == (equality == .equals) }
        }
        var op = self.op ?? "equals"
        var ci = caseInsensitive
        if self.op == nil, let t = comparison {
            let v = try Self.render(t, "comparison", &context)
            op = v?["operator"]?.stringValue ?? "equals"
            ci = v?["caseInsensitive"]?.boolValue ?? false
        }
        var l: JSONValue?
        var r: JSONValue?
        if let left { l = try Self.render(left, "leftOperand", &context) }
        if let right { r = try Self.render(right, "rightOperand", &context) }
        let outcome: ValueComparison.Outcome
        if let equality {
            let eq = Coercion.looseEquals(l, r)
            outcome = .result(equality == .equals ? eq : !eq)
        } else {
            outcome = ValueComparison.evaluate(op, left: l, right: r, caseInsensitive: ci, regex: regex)
        }
        switch outcome {
        case .failure(let m):
            throw ComponentFailure(m)
        case .result(let met):
            if context.isTracing {
                var details: [(String, JSONValue)] = [
                    ("operator", .string(op)), ("left", readsSecret ? .string(maskedSecret) : (l ?? .null)),
                ]
                if ValueComparison.needsRightOperand(op) {
                    details.append(("right", readsSecret ? .string(maskedSecret) : (r ?? .null)))
                }
                context.traceCondition(details)
            }
            return met
        }
    }

    static func render(_ t: Template, _ setting: String, _ context: inout RuleContext) throws(ComponentFailure)
        -> JSONValue?
    {
        do {
            return try context.render(t)
        } catch {
            throw ComponentFailure("setting '\(setting)': \(error.message)")
        }
    }

    /// With literal settings, whether the comparison is met (nil for an operator that fails, such as a bad
    /// regular expression).
    @Sendable static func constantOutcome(_ settings: JSONValue) -> Bool? {
        guard case .string(let op)? = settings["comparison"]?["operator"] else { return nil }
        let ci = settings["comparison"]?["caseInsensitive"]?.boolValue ?? false
        guard
            case .result(let met) = ValueComparison.evaluate(
                op,
                left: settings["leftOperand"],
                right: settings["rightOperand"],
                caseInsensitive: ci
            )
        else {
            return nil
        }
        return met
    }
}
