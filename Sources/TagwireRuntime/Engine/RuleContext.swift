import TagwireIR
import TagwireJSON

/// One rule run for one event, as components see it: the event, the page state, the rule stash, and rendering of
/// settings templates through memoised data elements; also the engine's record of traces and dispatches.
public struct RuleContext {
    let engine: Engine
    /// The rule being run (an index into the graph's rules).
    var rule = 0
    /// The event as the engine read it.
    public let event: JSONValue
    /// When the event was received (Unix seconds).
    public let receivedAt: Double
    /// The page's state (`window`) on web properties; `null` on edge properties.
    public var window: JSONValue = .null
    /// What carries over between events (storage, the random source).
    public var session: Session
    /// The rule stash of this rule run (edge): what earlier actions left for later ones.
    public var stash = JSONObject()
    let page: String
    let visitor: String
    let sessionKey: String
    /// Data elements resolved in this rule run.
    var memo = ResolvedValues()
    /// Values of data elements that depend on the event alone (``ElementTable/isEventPure``), shared by the rules
    /// of one edge event.
    var eventValues = ResolvedValues()
    var resolving: [Int] = []
    var dispatches: [Dispatch] = []
    var traceElements: [(String, JSONValue)] = []
    var traceConditions: [JSONValue] = []
    var conditionDetails: [(String, JSONValue)] = []
    /// Whether a render since this was last cleared read a secret.
    public var usedSecret = false
    /// Warnings of the rule being run (see ``RuleOutcome/warnings``).
    var warnings: [String] = []

    init(
        engine: Engine,
        event: JSONValue,
        receivedAt: Double,
        session: Session,
        page: String = "",
        visitor: String = "",
        sessionKey: String = ""
    ) {
        self.engine = engine
        self.event = event
        self.receivedAt = receivedAt
        self.session = session
        self.page = page
        self.visitor = visitor
        self.sessionKey = sessionKey
    }

    /// The graph being run.
    public var graph: RuleGraph { engine.graph }
    public var options: EngineOptions { engine.options }
    /// Whether the graph runs against page events.
    public var isWeb: Bool { engine.graph.isWeb }
    /// The name of the rule being run.
    public var ruleName: String { engine.graph.rules[rule].name }
    /// Whether any data element can read the rule stash (when none can, actions need not fill it).
    public var readsRuleStash: Bool { engine.elements.readsRuleStash }
    /// Whether traces are being recorded.
    public var isTracing: Bool { engine.options.trace }

    /// Starts a run of rule `r` with nothing of any earlier rule's run but the event's own values.
    mutating func begin(rule r: Int) {
        rule = r
        stash = JSONObject()
        memo.removeAll()
        resolving.removeAll()
        dispatches.removeAll()
        traceElements.removeAll()
        traceConditions.removeAll()
        usedSecret = false
        warnings.removeAll()
    }

    /// Runs the rule: its conditions from `first` on (those before are known to be met), then its actions.
    mutating func execute(from first: Int = 0) -> RuleOutcome {
        let plans = engine.rules
        var conditionsReached = first
        var actionsReached = 0
        func outcome(_ status: RuleOutcome.Status, _ reason: String?) -> RuleOutcome {
            var trace: JSONValue?
            if engine.options.trace {
                trace = .object(
                    JSONObject([
                        ("dataElements", .object(JSONObject(traceElements))),
                        ("conditions", .array(traceConditions)),
                    ])
                )
            }
            var result = RuleOutcome(name: engine.graph.rules[rule].name, status: status, reason: reason, trace: trace)
            result.reached = (conditionsReached, actionsReached)
            result.warnings = warnings
            return result
        }
        let conditions = plans.conditions[rule]
        for k in conditions.indices.dropFirst(first) {
            conditionsReached = k + 1
            do {
                guard try evaluateCondition(k) else { return outcome(.conditionNotMet, conditions[k].notMet) }
            } catch {
                return outcome(.failed, conditions[k].failedPrefix + error.message)
            }
        }
        let clock = ContinuousClock()
        var produced: [Dispatch] = []
        for plan in plans.actions[rule] {
            actionsReached += 1
            let start = clock.now
            let dispatch: Dispatch?
            do {
                dispatch = try plan.action.run(&self)
            } catch {
                dispatches = produced
                return outcome(.failed, plan.failedPrefix + error.message)
            }
            let timeout = plan.timeoutMs ?? engine.options.defaultTimeoutMs
            if clock.now - start > .milliseconds(timeout) {
                dispatches = produced
                return outcome(.failed, plan.timedOutPrefix + "\(timeout) ms")
            }
            if var d = dispatch {
                if d.timeoutMs != plan.timeoutMs { d.timeoutMs = plan.timeoutMs }
                produced.append(d)
            }
            // An action may have changed the page state or the stash: later reads resolve again.
            memo.removeAll()
        }
        dispatches = produced
        return outcome(.fired, nil)
    }

    /// Evaluates condition `k` of the rule, with its `negate`, recording it in the trace.
    mutating func evaluateCondition(_ k: Int) throws(ComponentFailure) -> Bool {
        let plan = engine.rules.conditions[rule][k]
        if engine.options.trace { conditionDetails.removeAll() }
        let met = try plan.condition.evaluate(&self) != plan.negate
        if engine.options.trace {
            var entry: [(String, JSONValue)] = [("index", .number(Double(k + 1))), ("type", .string(plan.type))]
            entry += conditionDetails
            conditionDetails.removeAll()
            if plan.negate { entry.append(("negate", true)) }
            entry.append(("result", .bool(met)))
            traceConditions.append(.object(JSONObject(entry)))
        }
        return met
    }

    /// Adds to the trace entry of the condition being evaluated (its operator and operands, say); only while
    /// ``isTracing``.
    public mutating func traceCondition(_ details: [(String, JSONValue)]) {
        conditionDetails += details
    }

    /// Where the visitor's consent choice is kept (the browser's `localStorage` key).
    static let consentKey = "tagwire.consent"

    /// `granted`, `revoked` or `pending` for a choice as a page event or `_tagwire.consent` gives it.
    static func consentState(_ choice: String) -> String? {
        switch choice {
        case "grant", "granted": return "granted"
        case "revoke", "revoked": return "revoked"
        case "pending": return "pending"
        default: return nil
        }
    }

    /// Whether the property makes tracking wait for the visitor's consent (`settings.requireConsent`).
    public var requiresConsent: Bool { graph.settings["requireConsent"]?.boolValue ?? false }

    /// The visitor's consent on the web: their last choice, else `pending` when the property requires consent and
    /// `granted` when it does not.
    public var consent: String {
        if let state = session.visitorStorage[visitor]?[Self.consentKey]?.stringValue { return state }
        return requiresConsent ? "pending" : "granted"
    }

    /// A new random (version 4) UUID from the session's random source.
    public mutating func uuid() -> String { session.random.uuid() }

    /// A random integer in `range` from the session's random source.
    public mutating func randomInteger(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &session.random)
    }

    /// The value of a secret the environment declares.
    public mutating func secretValue(named name: String) throws(ComponentFailure) -> String {
        guard let secret = graph.secrets.first(where: { $0.name == name }) else {
            throw ComponentFailure("secret '\(name)' is not declared by environment '\(graph.environment)'")
        }
        guard let value = engine.elements.secrets.value(secret) else {
            let source = secret.environmentVariable.map { "environment variable \($0)" } ?? "file \(secret.file ?? "")"
            let problem = "secret '\(name)' is not set (\(source))"
            guard engine.options.allowMissingSecrets else { throw ComponentFailure(problem) }
            if !warnings.contains(problem) { warnings.append(problem) }
            return maskedSecret
        }
        return value
    }
}

/// Data element values resolved so far, by data element index: a lookup is one array read, with no scan and no
/// copies of the values it passes over.
struct ResolvedValues {
    /// By data element index: nil when not resolved, `.some(nil)` when resolved to nothing.
    private var values: [JSONValue??] = []
    private var isEmpty = true

    /// The value when resolved (itself nil when the data element has none).
    subscript(index: Int) -> JSONValue?? {
        guard !isEmpty else { return nil }
        return values[index]
    }

    /// Records a value; the table is made on first use, with a slot for each of `count` data elements.
    mutating func set(_ index: Int, _ value: JSONValue?, of count: Int) {
        if values.isEmpty { values = Array(repeating: nil, count: count) }
        values[index] = .some(value)
        isEmpty = false
    }

    mutating func removeAll() {
        guard !isEmpty else { return }
        for i in values.indices { values[i] = nil }
        isEmpty = true
    }
}
