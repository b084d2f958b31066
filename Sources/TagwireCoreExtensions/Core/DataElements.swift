import TagwireIR
import TagwireJSON
import TagwireRuntime

/// `core.path`: a literal path is read by the engine itself; one with tokens is rendered per event first.
struct PathElement: DataElementDelegate {
    func prepare(_ node: DataElementNode, _ graph: RuleGraph) -> RuntimeDataElement {
        if let p = node.settings.member("path")?.literalValue?.stringValue {
            return .path(Self.segments(p))
        }
        return .resolved(Computed(), reads: .anything, isConstant: false, isSecret: false)
    }

    static func segments(_ path: String) -> [String] {
        path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// A path computed per event.
    struct Computed: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            guard let p = settings["path"]?.stringValue else { return nil }
            return context.readPath(PathElement.segments(p))
        }
    }
}

/// `core.constant`: its `value`, typed.
struct Constant: DataElementResolver {
    func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
        settings["value"]
    }
}

/// `core.secret`: the value of a secret the environment declares, read when the library runs.
struct SecretValue: DataElementResolver {
    func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
        guard let name = settings["secret"]?.stringValue else { throw ComponentFailure("no secret named") }
        return .string(try context.secretValue(named: name))
    }
}

/// `core.conditional-value`: `conditionalValue` when the comparison is met, else `fallbackValue`.
struct ConditionalValue: DataElementResolver {
    func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
        let op = settings["comparison"]?["operator"]?.stringValue ?? "equals"
        let ci = settings["comparison"]?["caseInsensitive"]?.boolValue ?? false
        switch ValueComparison.evaluate(
            op,
            left: settings["leftOperand"],
            right: settings["rightOperand"],
            caseInsensitive: ci
        ) {
        case .failure(let m): throw ComponentFailure(m)
        case .result(let met): return met ? settings["conditionalValue"] : settings["fallbackValue"]
        }
    }
}

/// Values made when the event runs: random numbers, UUIDs, the time the event was received.
enum GeneratedValues {
    /// `core.random-number`: an integer in `min...max` (default 0...1,000,000,000).
    struct RandomNumber: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            let lo = Int(settings["min"]?.numberValue ?? 0)
            let hi = Int(settings["max"]?.numberValue ?? 1_000_000_000)
            guard lo <= hi else { return .number(.nan) }
            return .number(Double(context.randomInteger(in: lo...hi)))
        }
    }

    /// `core.uuid`: a random version 4 UUID.
    struct UUID: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            .string(context.uuid())
        }
    }

    /// `core.timestamp`: the time the event was received, in whole seconds or milliseconds.
    struct Timestamp: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            let ms = settings["unit"]?.stringValue == "milliseconds"
            let t = context.receivedAt
            return .number(ms ? (t * 1000).rounded(.down) : t.rounded(.down))
        }
    }
}
