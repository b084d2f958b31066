import Foundation
import TagwireIR
import TagwireJSON
import TagwireMeta

/// Options for evaluating events.
public struct EngineOptions: Sendable {
    /// Record per-rule traces (data element values, with secrets masked, and condition operands).
    public var trace: Bool
    /// Resolve access tokens and app secrets into dispatches (needed to send, not to print).
    public var resolveCredentials: Bool
    /// Timeout of an action without its own `timeoutMs`.
    public var defaultTimeoutMs: Int
    /// `partner_agent` sent to Meta.
    public var partnerAgent: String

    /// Options with defaults: no trace, no credentials, 30 s timeouts, `tagwire-<version>`.
    public init(trace: Bool = false, resolveCredentials: Bool = false, defaultTimeoutMs: Int = 30_000, partnerAgent: String = "tagwire-\(TagwireVersion.current)") {
        self.trace = trace
        self.resolveCredentials = resolveCredentials
        self.defaultTimeoutMs = defaultTimeoutMs
        self.partnerAgent = partnerAgent
    }
}

/// Executes a compiled ``RuleGraph`` against events.
///
/// Evaluation is synchronous and does no I/O: effects come back as ``Dispatch`` values. Web graphs run the rules
/// whose events match the incoming page event, in rule order, against page state that carries over in the
/// ``Session``; edge graphs run every rule against every event, each rule with its own rule stash.
public struct Engine: Sendable {
    /// Everything prepared for a graph, shared by every copy of the engine (one reference to retain per rule run).
    final class Prepared: Sendable {
        let graph: RuleGraph
        let options: EngineOptions
        let secrets: SecretResolver
        /// By data element index: whether its value comes from a secret, directly or through other data elements.
        let isSecret: [Bool]
        /// Parsed selectors of click and custom events, by rule and event index.
        let selectors: [[Selector?]]
        /// Regular expressions of conditions with a literal pattern, by rule and condition index.
        let regexes: [[NSRegularExpression?]]
        /// By data element index: whether its value depends on the event alone (edge `core.path` elements reading
        /// `arc.event` or `arc.request` with a literal path, constants), so one resolution serves every rule.
        let isEventPure: [Bool]
        /// Conditions prepared once: operand templates, a literal operator, and the reason texts.
        let conditionPlans: [[ConditionPlan]]
        /// By rule: whether its first condition can be checked before a rule run is set up (a value comparison
        /// that reads only event-pure data elements, with tracing off): a rule it rejects needs nothing else.
        let checksFirstCondition: [Bool]
        /// For `meta-capi.send-event` actions with an object template, by rule and action index: the builder field
        /// each template member fills (nil for members the builder does not read).
        let conversionFields: [[ConversionFieldsPlan?]]
        /// The parts of an incoming event the graph can read (``Engine/eventProjection``).
        let eventProjection: JSONProjection?
        /// By data element index: what resolving it needs, read once.
        let elements: [ElementPlan]
        /// Whether any data element can read the rule stash (a literal `arc.ruleStash` path, or a path computed per
        /// event); when none can, actions need not fill it.
        let readsRuleStash: Bool

        init(
            graph: RuleGraph, options: EngineOptions, secrets: SecretResolver, secretElements: Set<Int>, selectors: [[Selector?]],
            regexes: [[NSRegularExpression?]], paths: [[String]?], conditionPlans: [[ConditionPlan]]
        ) {
            self.graph = graph
            self.options = options
            self.secrets = secrets
            isSecret = (0..<graph.dataElements.count).map { secretElements.contains($0) }
            self.selectors = selectors
            self.regexes = regexes
            self.conditionPlans = conditionPlans
            let elementPlans = graph.dataElements.indices.map { ElementPlan(graph.dataElements[$0], path: paths[$0], isWeb: graph.isWeb) }
            elements = elementPlans
            let pure: [Bool] = graph.dataElements.indices.map { i in
                guard !graph.isWeb, !secretElements.contains(i) else { return false }
                if graph.dataElements[i].type == "core.constant" { return graph.dataElements[i].settings.references.isEmpty }
                return elementPlans[i].path?.root.isEvent ?? false
            }
            isEventPure = pure
            let checks = graph.rules.map { rule in
                guard !options.trace, let c = rule.conditions.first, c.type == "core.value-comparison" else { return false }
                return c.settings.references.allSatisfy { pure[$0.element] }
            }
            checksFirstCondition = checks
            conversionFields = graph.rules.map { rule in
                rule.actions.map { a in
                    guard a.type == "meta-capi.send-event", case .object(let members) = a.settings else { return nil }
                    return ConversionFieldsPlan(members)
                }
            }
            eventProjection = Self.eventProjection(graph, elements: elementPlans)
            readsRuleStash = graph.dataElements.indices.contains { i in
                guard graph.dataElements[i].type == "core.path" else { return false }
                guard let path = elementPlans[i].path else { return true }
                if case .ruleStash = path.root { return true }
                return false
            }
        }

        /// What of an edge event the graph can read: the literal paths of its `core.path` data elements under
        /// `arc.event` and `arc.request`, `cookies` for cookie data elements, `url` for page data, `request` for
        /// `edge.send-event`. `nil` (the whole event) for web graphs, computed paths and types not known here.
        static func eventProjection(_ graph: RuleGraph, elements: [ElementPlan]) -> JSONProjection? {
            guard !graph.isWeb else { return nil }
            var kept: [[String]] = []
            for (i, d) in graph.dataElements.enumerated() {
                switch d.type {
                case "core.constant", "core.secret", "core.random-number", "core.uuid", "core.timestamp", "core.conditional-value":
                    continue
                case "core.cookie":
                    kept.append(["cookies"])
                case "core.page-info", "core.query-parameter":
                    kept.append(["url"])
                case "core.path":
                    // A path computed per event may read anything.
                    guard let (root, rest) = elements[i].path else { return nil }
                    switch root {
                    case .eventMember(let key): kept.append([key] + rest)
                    case .eventXDMAndData: kept += [["xdm"], ["data"]]
                    case .request: kept.append(["request"] + rest)
                    case .window, .event, .ruleStash, .nothing: continue
                    }
                default:
                    return nil
                }
            }
            for rule in graph.rules {
                for a in rule.actions {
                    switch a.type {
                    case "edge.send-event": kept.append(["request"])
                    case "core.generate-event-id", "meta-pixel.send-event", "meta-capi.send-event", "http.send-request": continue
                    default: return nil
                    }
                }
            }
            return JSONProjection.keeping(kept)
        }
    }

    let prepared: Prepared
    /// What the engine renders once, after it is prepared.
    private(set) var constants = EngineConstants(conversionsAPI: nil)
    public var graph: RuleGraph { prepared.graph }
    public var options: EngineOptions { prepared.options }
    var secrets: SecretResolver { prepared.secrets }
    var isSecret: [Bool] { prepared.isSecret }
    var selectors: [[Selector?]] { prepared.selectors }
    var regexes: [[NSRegularExpression?]] { prepared.regexes }
    var conditionPlans: [[ConditionPlan]] { prepared.conditionPlans }
    /// The parts of an incoming event this engine can read; the rest need not be built (the reader still checks
    /// it). `nil`: the whole event.
    public var eventProjection: JSONProjection? { prepared.eventProjection }

    /// An engine for a graph.
    public init(graph: RuleGraph, secrets: SecretResolver = .system, options: EngineOptions = EngineOptions()) {
        var tainted = Set<Int>()
        var changed = true
        while changed {
            changed = false
            for (i, d) in graph.dataElements.enumerated() where !tainted.contains(i) {
                if d.type == "core.secret" || d.settings.references.contains(where: { tainted.contains($0.element) }) {
                    tainted.insert(i)
                    changed = true
                }
            }
        }
        let selectors: [[Selector?]] = graph.rules.map { rule in
            rule.events.map { e in
                guard let s = e.settings.member("elementSelector")?.literalValue?.stringValue else { return nil }
                if case .success(let sel) = Selector.parse(s) { return sel }
                return nil
            }
        }
        let regexes: [[NSRegularExpression?]] = graph.rules.map { rule in
            rule.conditions.map { c in
                guard let op = c.settings.member("comparison")?.member("operator")?.literalValue?.stringValue, ValueComparison.isRegex(op),
                    let pattern = c.settings.member("rightOperand")?.literalValue?.stringValue
                else { return nil }
                let ci = c.settings.member("comparison")?.member("caseInsensitive")?.literalValue?.boolValue ?? false
                if case .success(let re) = ValueComparison.compile(pattern, caseInsensitive: ci) { return re }
                return nil
            }
        }
        let conditionPlans: [[ConditionPlan]] = graph.rules.map { rule in
            rule.conditions.enumerated().map { k, c in
                ConditionPlan(c, index: k, readsSecret: c.settings.references.contains { tainted.contains($0.element) })
            }
        }
        let paths: [[String]?] = graph.dataElements.map { d in
            guard d.type == "core.path", let p = d.settings.member("path")?.literalValue?.stringValue else { return nil }
            return p.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        }
        prepared = Prepared(
            graph: graph, options: options, secrets: secrets, secretElements: tainted, selectors: selectors, regexes: regexes,
            paths: paths, conditionPlans: conditionPlans
        )
        constants = EngineConstants(
            conversionsAPI: renderedIfConstant("meta-capi", excluding: Self.conversionsAPISecretSettings).map(ConversionsAPIExtension.init)
        )
    }

    /// The extension settings the Conversions API action reads only for delivery.
    static let conversionsAPISecretSettings = ["accessToken", "appSecret"]

    /// An extension's settings rendered now, when each one (but `excluded`) is literal or reads only constants that
    /// read nothing else and are not secrets (not with tracing on: a trace lists the data elements each event read).
    func renderedIfConstant(_ name: String, excluding excluded: [String]) -> JSONObject? {
        guard !options.trace, case .object(let members)? = graph.extensionSettings(name) else { return nil }
        let plain = members.filter { !excluded.contains($0.key) }.allSatisfy { m in
            m.value.references.allSatisfy { ref in
                let d = graph.dataElements[ref.element]
                return d.type == "core.constant" && d.settings.references.isEmpty && d.storageDuration == nil && !isSecret[ref.element]
            }
        }
        guard plain else { return nil }
        var window = JSONValue.null
        var session = Session(seed: 0)
        var run = RuleRun(engine: self, rule: 0, event: .object(JSONObject()), receivedAt: 0, page: "", visitor: "", sessionKey: "")
        guard case .success(let o) = run.extensionSettings(name, excluding: excluded, window: &window, session: &session) else { return nil }
        return o
    }

    /// An extension setting resolved outside any event (for example the Conversions API token when delivering
    /// from the outbox); nil when the extension or setting is absent.
    public func extensionSetting(_ extensionName: String, _ key: String) -> Result<JSONValue?, RuntimeError> {
        guard let template = graph.extensionSettings(extensionName)?.member(key) else { return .success(nil) }
        var session = Session(seed: 0)
        var window = JSONValue.object(JSONObject())
        var run = RuleRun(engine: self, rule: 0, event: .object(JSONObject()), receivedAt: 0, page: "", visitor: "", sessionKey: "")
        switch run.render(template, window: &window, session: &session) {
        case .failure(let f): return .failure(RuntimeError(message: f.message))
        case .success(let v): return .success(v)
        }
    }

    /// Evaluates one event received at `receivedAt` (Unix seconds).
    public func evaluate(_ event: JSONValue, receivedAt: Double, session: inout Session) -> Evaluation {
        graph.isWeb ? evaluateWeb(event, receivedAt: receivedAt, session: &session) : evaluateEdge(event, receivedAt: receivedAt, session: &session)
    }

    func evaluateEdge(_ event: JSONValue, receivedAt: Double, session: inout Session) -> Evaluation {
        var outcomes: [RuleOutcome] = []
        var dispatches: [Dispatch] = []
        var window = JSONValue.null
        // One rule run serves every rule of the event, reset between rules: the values that depend on the event
        // alone stay for the rules after.
        var run = RuleRun(engine: self, rule: 0, event: event, receivedAt: receivedAt, page: "", visitor: "", sessionKey: "")
        outcomes.reserveCapacity(graph.rules.count)
        // By index: reading a rule's fields does not copy its whole node.
        let rules = graph.rules
        for r in rules.indices {
            guard rules[r].enabled else {
                outcomes.append(RuleOutcome(name: rules[r].name, status: .skipped, reason: "the rule is disabled"))
                continue
            }
            run.begin(rule: r)
            // A first condition that reads only event-pure values is checked before anything else of the rule (it
            // sees no stash and no memo either way); when met, the rule goes on from its second.
            var firstMet = false
            if prepared.checksFirstCondition[r] {
                switch run.evaluateCondition(0, window: &window, session: &session) {
                case .success(false):
                    outcomes.append(RuleOutcome(name: rules[r].name, status: .conditionNotMet, reason: prepared.conditionPlans[r][0].notMet))
                    continue
                case .success(true):
                    firstMet = true
                case .failure:
                    break
                }
            }
            outcomes.append(run.execute(window: &window, session: &session, from: firstMet ? 1 : 0))
            if dispatches.isEmpty { swap(&dispatches, &run.dispatches) } else { dispatches += run.dispatches }
        }
        return Evaluation(rules: outcomes, dispatches: dispatches)
    }

    func evaluateWeb(_ event: JSONValue, receivedAt: Double, session: inout Session) -> Evaluation {
        let page = event["page"].flatMap(Self.idText) ?? ""
        let visitor = event["visitor"].flatMap(Self.idText) ?? ""
        let sessionKey = visitor + "\u{0}" + (event["session"].flatMap(Self.idText) ?? "")
        if let w = event["window"] {
            session.pages[page] = w
            session.pageviewStorage[page] = nil
        }
        var window = session.pages[page] ?? .object(JSONObject())
        var outcomes: [RuleOutcome] = []
        var dispatches: [Dispatch] = []
        for (r, rule) in graph.rules.enumerated() where matches(rule: r, event: event) {
            guard rule.enabled else {
                outcomes.append(RuleOutcome(name: rule.name, status: .skipped, reason: "the rule is disabled"))
                continue
            }
            var run = RuleRun(engine: self, rule: r, event: event, receivedAt: receivedAt, page: page, visitor: visitor, sessionKey: sessionKey)
            let outcome = run.execute(window: &window, session: &session)
            outcomes.append(outcome)
            dispatches += run.dispatches
        }
        session.pages[page] = window
        return Evaluation(rules: outcomes, dispatches: dispatches)
    }

    static func idText(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .number(let n): return Coercion.numberText(n)
        default: return nil
        }
    }

    static let lifecycleEvents: Set<String> = ["core.library-loaded", "core.page-bottom", "core.dom-ready", "core.window-loaded"]

    /// Whether one of the rule's events matches a page event.
    func matches(rule r: Int, event: JSONValue) -> Bool {
        guard let type = event["type"]?.stringValue else { return false }
        for (e, component) in graph.rules[r].events.enumerated() {
            let settings = component.settings.literalValue ?? .object(JSONObject())
            switch component.type {
            case let t where Self.lifecycleEvents.contains(t):
                if type == t { return true }
            case "core.click":
                if type == "core.click", let sel = selectors[r][e], sel.matchesTargetOrAncestor(Self.elementChain(event)) { return true }
            case "core.direct-call":
                if type == "core.direct-call", let id = event["identifier"]?.stringValue, let want = settings["identifier"]?.stringValue,
                    TextTools.trimmed(id) == TextTools.trimmed(want)
                {
                    return true
                }
            case "core.custom-event":
                guard let want = settings["type"]?.stringValue else { continue }
                let name = type == "core.custom-event" ? (event["eventType"]?.stringValue ?? event["name"]?.stringValue) : type
                guard name == want else { continue }
                if let sel = selectors[r][e] {
                    if sel.matchesTargetOrAncestor(Self.elementChain(event)) { return true }
                } else {
                    return true
                }
            default:
                continue
            }
        }
        return false
    }

    /// The event's target followed by its ancestors, parent first.
    static func elementChain(_ event: JSONValue) -> [JSONValue] {
        guard let target = event["target"], target.objectValue != nil else { return [] }
        return [target] + (target["ancestors"]?.arrayValue ?? [])
    }
}

/// A condition prepared when the engine is built (a class: reading one per rule run retains one reference).
final class ConditionPlan: Sendable {
    let type: String
    let negate: Bool
    let left: Template?
    let right: Template?
    /// The `comparison` setting, rendered per event when the operator is not literal.
    let comparison: Template?
    /// The operator when it is literal (nil: rendered per event).
    let op: String?
    let caseInsensitive: Bool
    /// For a literal `equals` (true) or `doesNotEqual` (false) without case folding: loose equality, decided
    /// without the operator table.
    let equality: Bool?
    /// Such an equality between one reference and a literal text (`{{Event Name}} equals "Purchase"`).
    let textEquality: (left: TokenReference, text: String)?
    let notMet: String
    let failedPrefix: String
    let readsSecret: Bool

    init(_ c: ComponentNode, index k: Int, readsSecret: Bool) {
        type = c.type
        negate = c.negate
        left = c.settings.member("leftOperand")
        right = c.settings.member("rightOperand")
        comparison = c.settings.member("comparison")
        let literal = comparison?.literalValue
        op = literal?["operator"]?.stringValue
        caseInsensitive = literal?["caseInsensitive"]?.boolValue ?? false
        equality = caseInsensitive ? nil : (op == "equals" ? true : (op == "doesNotEqual" ? false : nil))
        if equality != nil, case .token(let ref)? = left, case .literal(.string(let text))? = right {
            textEquality = (ref, text)
        } else {
            textEquality = nil
        }
        notMet = "condition \(k + 1) (\(c.displayName)) was not met"
        failedPrefix = "condition \(k + 1) (\(c.displayName)) failed: "
        self.readsSecret = readsSecret
    }
}

/// The members of a `meta-capi.send-event` action's settings template, prepared: the builder field each fills (nil
/// for members the builder does not read; those still render, as every setting does) and whether it renders at all
/// (the access token is read only for delivery).
final class ConversionFieldsPlan: Sendable {
    let keys: [ConversionEventBuilder.Fields.Key?]
    let renders: [Bool]

    init(_ members: [TemplateMember]) {
        keys = members.map { ConversionEventBuilder.Fields.Key.named($0.key) }
        renders = members.map { $0.key != "accessToken" }
    }
}

/// Settings an engine renders once (a class: copies of the engine share it).
final class EngineConstants: Sendable {
    /// The `meta-capi` extension's settings (without its secrets) when every one is literal or reads only plain
    /// constants: then every event would render the same values.
    let conversionsAPI: ConversionsAPIExtension?

    init(conversionsAPI: ConversionsAPIExtension?) {
        self.conversionsAPI = conversionsAPI
    }
}

/// What a `meta-capi.send-event` action reads of its extension's rendered settings.
struct ConversionsAPIExtension: Sendable {
    let pixelID: String?
    let defaultCountryCode: String?
    let graphApiVersion: String

    init(_ settings: JSONObject) {
        pixelID = settings["pixelId"].flatMap(Engine.idText)
        defaultCountryCode = settings["defaultCountryCode"]?.stringValue
        graphApiVersion = settings["graphApiVersion"]?.stringValue ?? "v26.0"
    }
}

/// A data element prepared when the engine is built: what resolving it reads, without copying its node.
final class ElementPlan: Sendable {
    /// Where a literal `core.path` starts reading.
    enum Root: Sendable {
        case window, event, eventMember(String), eventXDMAndData, request, ruleStash, nothing

        /// Whether reading from here reads the edge event (its `xdm`, `data` or `request`) and nothing else.
        var isEvent: Bool {
            switch self {
            case .eventMember, .eventXDMAndData, .request: return true
            case .window, .event, .ruleStash, .nothing: return false
            }
        }
    }

    let name: String
    /// For a `core.path` with a literal path: its root and the segments after it.
    let path: (root: Root, rest: [String])?
    let defaultValue: JSONValue?
    let cleanText: Bool
    let forceLowerCase: Bool
    let storageDuration: String?

    init(_ d: DataElementNode, path segments: [String]?, isWeb: Bool) {
        name = d.name
        defaultValue = d.defaultValue
        cleanText = d.cleanText
        forceLowerCase = d.forceLowerCase
        storageDuration = d.storageDuration
        path = segments.map { Self.root(of: $0, isWeb: isWeb) }
    }

    /// How ``RuleRun/readPath(_:window:)`` starts on these segments.
    static func root(of segments: [String], isWeb: Bool) -> (root: Root, rest: [String]) {
        guard let first = segments.first else { return (.nothing, []) }
        var rest = segments.dropFirst()
        if isWeb {
            switch first {
            case "window": return (.window, Array(rest))
            case "event": return (.event, Array(rest))
            default: return (.nothing, [])
            }
        }
        guard first == "arc", let second = rest.first else { return (.nothing, []) }
        rest = rest.dropFirst()
        switch second {
        case "event":
            if let third = rest.first, third == "xdm" || third == "data" { return (.eventMember(third), Array(rest.dropFirst())) }
            return (.eventXDMAndData, Array(rest))
        case "request": return (.request, Array(rest))
        case "ruleStash": return (.ruleStash, Array(rest))
        default: return (.nothing, [])
        }
    }
}

/// A failure the engine reports outside a rule (such as an unset secret).
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    /// An error with its message.
    public init(message: String) { self.message = message }
}

/// A failure while resolving a value or running a component; ends the rule as failed.
struct RuntimeFailure: Error {
    var message: String
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

/// One rule run for one event: memoised data elements, the rule stash, traces and dispatches.
struct RuleRun {
    let engine: Engine
    var rule: Int
    let event: JSONValue
    let receivedAt: Double
    let page: String
    let visitor: String
    let sessionKey: String
    var stash = JSONObject()
    /// Data elements resolved in this rule run.
    var memo = ResolvedValues()
    /// Values of data elements that depend on the event alone (``Engine/Prepared/isEventPure``), shared by the
    /// rules of one edge event.
    var eventValues = ResolvedValues()
    var resolving: [Int] = []
    var dispatches: [Dispatch] = []
    var traceElements: [(String, JSONValue)] = []
    var traceConditions: [JSONValue] = []
    /// Whether the last render read a secret.
    var usedSecret = false

    init(engine: Engine, rule: Int, event: JSONValue, receivedAt: Double, page: String, visitor: String, sessionKey: String) {
        self.engine = engine
        self.rule = rule
        self.event = event
        self.receivedAt = receivedAt
        self.page = page
        self.visitor = visitor
        self.sessionKey = sessionKey
    }

    var graph: RuleGraph { engine.graph }

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
    }

    /// Runs the rule: its conditions from `first` on (those before are known to be met), then its actions.
    mutating func execute(window: inout JSONValue, session: inout Session, from first: Int = 0) -> RuleOutcome {
        let node = graph.rules[rule]
        func outcome(_ status: RuleOutcome.Status, _ reason: String?) -> RuleOutcome {
            var trace: JSONValue?
            if engine.options.trace {
                trace = .object(JSONObject([
                    ("dataElements", .object(JSONObject(traceElements))),
                    ("conditions", .array(traceConditions)),
                ]))
            }
            return RuleOutcome(name: node.name, status: status, reason: reason, trace: trace)
        }
        for k in node.conditions.indices.dropFirst(first) {
            switch evaluateCondition(k, window: &window, session: &session) {
            case .success(true): continue
            case .success(false):
                return outcome(.conditionNotMet, engine.conditionPlans[rule][k].notMet)
            case .failure(let f):
                return outcome(.failed, engine.conditionPlans[rule][k].failedPrefix + f.message)
            }
        }
        let clock = ContinuousClock()
        var produced: [Dispatch] = []
        for (k, action) in node.actions.enumerated() {
            let start = clock.now
            let result = runAction(k, action, window: &window, session: &session)
            let elapsed = clock.now - start
            let timeout = action.timeoutMs ?? engine.options.defaultTimeoutMs
            switch result {
            case .failure(let f):
                dispatches = produced
                return outcome(.failed, "action \(k + 1) (\(action.displayName)) failed: \(f.message)")
            case .success(let d):
                if elapsed > .milliseconds(timeout) {
                    dispatches = produced
                    return outcome(.failed, "action \(k + 1) (\(action.displayName)) timed out after \(timeout) ms")
                }
                if var d {
                    if d.timeoutMs != action.timeoutMs { d.timeoutMs = action.timeoutMs }
                    produced.append(d)
                }
            }
            // An action may have changed the page state or the stash: later reads resolve again.
            memo.removeAll()
        }
        dispatches = produced
        return outcome(.fired, nil)
    }

    // MARK: data elements

    mutating func resolve(_ index: Int, window: inout JSONValue, session: inout Session) -> Result<JSONValue?, RuntimeFailure> {
        if engine.prepared.isSecret[index] { usedSecret = true }
        if let value = memo[index] { return .success(value) }
        // Event-pure values are kept for the whole event (not in the rule's memo, which actions clear).
        let pure = engine.prepared.isEventPure[index]
        if pure, let value = eventValues[index] {
            if engine.options.trace { trace(index, value) }
            return .success(value)
        }
        let plan = engine.prepared.elements[index]
        var value: JSONValue?
        if let path = plan.path {
            // A literal path reads no other data element: no cycle bookkeeping needed.
            value = read(path.root, path.rest, window: window)
        } else {
            if resolving.contains(index) {
                return .failure(RuntimeFailure(message: "data element '\(plan.name)' depends on itself"))
            }
            resolving.append(index)
            defer { resolving.removeLast() }
            switch runDataElement(index, graph.dataElements[index], window: &window, session: &session) {
            case .failure(let f):
                return .failure(RuntimeFailure(message: "data element '\(plan.name)': \(f.message)"))
            case .success(let v):
                value = v
            }
        }
        if let duration = plan.storageDuration, graph.isWeb {
            let key = plan.name
            if let v = value, !v.isNull {
                switch duration {
                case "pageview": session.pageviewStorage[page, default: [:]][key] = v
                case "session": session.sessionStorage[sessionKey, default: [:]][key] = v
                default: session.visitorStorage[visitor, default: [:]][key] = v
                }
            } else {
                switch duration {
                case "pageview": value = session.pageviewStorage[page]?[key]
                case "session": value = session.sessionStorage[sessionKey]?[key]
                default: value = session.visitorStorage[visitor]?[key]
                }
            }
        }
        if let d = plan.defaultValue {
            switch value {
            case nil, .null?: value = d
            default: break
            }
        }
        if plan.cleanText || plan.forceLowerCase, case .string(var s)? = value {
            if plan.cleanText {
                s = s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
            }
            if plan.forceLowerCase { s = s.lowercased() }
            value = .string(s)
        }
        if pure { eventValues.set(index, value, of: graph.dataElements.count) } else { memo.set(index, value, of: graph.dataElements.count) }
        if engine.options.trace { trace(index, value) }
        return .success(value)
    }

    /// Records a data element's value in the rule's trace (secrets masked).
    mutating func trace(_ index: Int, _ value: JSONValue?) {
        let name = graph.dataElements[index].name
        let shown: JSONValue = engine.isSecret[index] ? .string(maskedSecret) : (value ?? .null)
        if let i = traceElements.firstIndex(where: { $0.0 == name }) { traceElements[i].1 = shown } else { traceElements.append((name, shown)) }
    }

    mutating func runDataElement(_ index: Int, _ node: DataElementNode, window: inout JSONValue, session: inout Session) -> Result<JSONValue?, RuntimeFailure> {
        let settings: JSONValue
        switch render(node.settings, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let v): settings = v ?? .object(JSONObject())
        }
        switch node.type {
        case "core.path":
            guard let p = settings["path"]?.stringValue else { return .success(nil) }
            return .success(readPath(p.split(separator: ".", omittingEmptySubsequences: false).map(String.init), window: window))
        case "core.constant":
            return .success(settings["value"])
        case "core.secret":
            guard let name = settings["secret"]?.stringValue else { return .failure(RuntimeFailure(message: "no secret named")) }
            guard let secret = graph.secrets.first(where: { $0.name == name }) else {
                return .failure(RuntimeFailure(message: "secret '\(name)' is not declared by environment '\(graph.environment)'"))
            }
            guard let value = engine.secrets.value(secret) else {
                let source = secret.environmentVariable.map { "environment variable \($0)" } ?? "file \(secret.file ?? "")"
                return .failure(RuntimeFailure(message: "secret '\(name)' is not set (\(source))"))
            }
            return .success(.string(value))
        case "core.cookie":
            guard let name = settings["name"]?.stringValue else { return .success(nil) }
            return .success(event["cookies"]?[name] ?? cookieFromDocument(window, name))
        case "core.query-parameter":
            guard let name = settings["name"]?.stringValue else { return .success(nil) }
            let ci = settings["caseInsensitive"]?.boolValue ?? false
            return .success(queryParameter(name, caseInsensitive: ci, window: window).map(JSONValue.string))
        case "core.page-info":
            return .success(pageInfo(settings["attribute"]?.stringValue ?? "url", window: window).map(JSONValue.string))
        case "core.random-number":
            let lo = Int(settings["min"]?.numberValue ?? 0)
            let hi = Int(settings["max"]?.numberValue ?? 1_000_000_000)
            guard lo <= hi else { return .success(.number(.nan)) }
            return .success(.number(Double(Int.random(in: lo...hi, using: &session.random))))
        case "core.uuid":
            return .success(.string(session.random.uuid()))
        case "core.timestamp":
            let ms = settings["unit"]?.stringValue == "milliseconds"
            return .success(.number(ms ? (receivedAt * 1000).rounded(.down) : receivedAt.rounded(.down)))
        case "core.conditional-value":
            let op = settings["comparison"]?["operator"]?.stringValue ?? "equals"
            let ci = settings["comparison"]?["caseInsensitive"]?.boolValue ?? false
            switch ValueComparison.evaluate(op, left: settings["leftOperand"], right: settings["rightOperand"], caseInsensitive: ci) {
            case .failure(let m): return .failure(RuntimeFailure(message: m))
            case .result(let met): return .success(met ? settings["conditionalValue"] : settings["fallbackValue"])
            }
        default:
            return .failure(RuntimeFailure(message: "type '\(node.type)' is not available in this runner"))
        }
    }

    /// Reads a dotted path from the platform's roots.
    func readPath(_ segments: [String], window: JSONValue) -> JSONValue? {
        let (root, rest) = ElementPlan.root(of: segments, isWeb: graph.isWeb)
        return read(root, rest, window: window)
    }

    /// Reads the segments `rest` from one of the platform's roots.
    func read(_ root: ElementPlan.Root, _ rest: [String], window: JSONValue) -> JSONValue? {
        var current: JSONValue?
        switch root {
        case .window: current = window
        case .event: current = event
        case .eventMember(let key): current = event[key]
        case .eventXDMAndData: current = .object(JSONObject([("xdm", event["xdm"] ?? .null), ("data", event["data"] ?? .null)]))
        case .request: current = event["request"]
        case .ruleStash: current = .object(stash)
        case .nothing: return nil
        }
        for s in rest {
            guard let c = current else { return nil }
            current = c.child(s)
        }
        return current
    }

    func cookieFromDocument(_ window: JSONValue, _ name: String) -> JSONValue? {
        guard let cookie = window["document"]?["cookie"]?.stringValue else { return nil }
        for part in cookie.split(separator: ";") {
            let kv = part.split(separator: "=", maxSplits: 1)
            if kv.count == 2, TextTools.trimmed(String(kv[0])) == name {
                return .string(String(kv[1]).removingPercentEncoding ?? String(kv[1]))
            }
        }
        return nil
    }

    func pageURL(_ window: JSONValue) -> URLComponents? {
        guard let href = window["location"]?["href"]?.stringValue ?? event["url"]?.stringValue else { return nil }
        return URLComponents(string: href)
    }

    func queryParameter(_ name: String, caseInsensitive: Bool, window: JSONValue) -> String? {
        guard let items = pageURL(window)?.queryItems else { return nil }
        let item = items.first { caseInsensitive ? $0.name.lowercased() == name.lowercased() : $0.name == name }
        return item.map { $0.value ?? "" }
    }

    func pageInfo(_ attribute: String, window: JSONValue) -> String? {
        let location = window["location"]
        switch attribute {
        case "url": return location?["href"]?.stringValue ?? event["url"]?.stringValue
        case "hostname": return location?["hostname"]?.stringValue ?? pageURL(window)?.host
        case "pathname": return location?["pathname"]?.stringValue ?? pageURL(window)?.path
        case "protocol": return location?["protocol"]?.stringValue ?? pageURL(window)?.scheme.map { $0 + ":" }
        case "referrer": return window["document"]?["referrer"]?.stringValue
        case "title": return window["document"]?["title"]?.stringValue
        default: return nil
        }
    }

    // MARK: templates

    /// Renders a settings template: tokens become values; missing values drop object members, become `null` in
    /// arrays and "" inside text.
    mutating func render(_ t: Template, window: inout JSONValue, session: inout Session) -> Result<JSONValue?, RuntimeFailure> {
        switch t {
        case .literal(let v):
            return .success(v)
        case .token(let ref):
            return reference(ref, window: &window, session: &session)
        case .text(let parts):
            var s = ""
            for p in parts {
                switch p {
                case .literal(let l): s += l
                case .token(let ref):
                    switch reference(ref, window: &window, session: &session) {
                    case .failure(let f): return .failure(f)
                    case .success(let v): s += Coercion.interpolationText(v)
                    }
                }
            }
            return .success(.string(s))
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items {
                switch render(item, window: &window, session: &session) {
                case .failure(let f): return .failure(f)
                case .success(let v): out.append(v ?? .null)
                }
            }
            return .success(.array(out))
        case .object(let members):
            var out: [(String, JSONValue)] = []
            out.reserveCapacity(members.count)
            for m in members {
                switch render(m.value, window: &window, session: &session) {
                case .failure(let f): return .failure(f)
                case .success(let v): if let v { out.append((m.key, v)) }
                }
            }
            return .success(.object(JSONObject(uniqueKeys: out)))
        }
    }

    mutating func reference(_ ref: TokenReference, window: inout JSONValue, session: inout Session) -> Result<JSONValue?, RuntimeFailure> {
        switch resolve(ref.element, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(var v):
            for s in ref.path {
                guard let c = v else { break }
                v = c.child(s)
            }
            return .success(v)
        }
    }

    /// Renders the members of an object template except `excluded`, reporting whether any secret was read.
    mutating func renderSettings(_ t: Template, excluding excluded: [String] = [], window: inout JSONValue, session: inout Session) -> Result<JSONObject, RuntimeFailure> {
        switch t {
        case .object(let members):
            var out: [(String, JSONValue)] = []
            out.reserveCapacity(members.count)
            for m in members where !excluded.contains(m.key) {
                switch render(m.value, window: &window, session: &session) {
                case .failure(let f): return .failure(RuntimeFailure(message: "setting '\(m.key)': \(f.message)"))
                case .success(let v): if let v { out.append((m.key, v)) }
                }
            }
            // A template object's keys are those of a parsed JSON object: already unique.
            return .success(JSONObject(uniqueKeys: out))
        case .literal(.object(var o)):
            for k in excluded { o[k] = nil }
            return .success(o)
        default:
            return .success(JSONObject())
        }
    }

    // MARK: conditions

    mutating func evaluateCondition(_ k: Int, window: inout JSONValue, session: inout Session) -> Result<Bool, RuntimeFailure> {
        let plan = engine.conditionPlans[rule][k]
        guard plan.type == "core.value-comparison" else {
            return .failure(RuntimeFailure(message: "condition type '\(plan.type)' is not available in this runner"))
        }
        // Text against a literal text: loose equality is plain equality, decided without rendering the operands
        // or the operator table (other values, and traces, take the general comparison below).
        if let (ref, text) = plan.textEquality, let equals = plan.equality, !engine.options.trace {
            switch reference(ref, window: &window, session: &session) {
            case .failure(let f): return .failure(RuntimeFailure(message: "setting 'leftOperand': \(f.message)"))
            case .success(.string(let s)?):
                let met = (s == text) == equals
                return .success(plan.negate ? !met : met)
            case .success: break
            }
        }
        var op = plan.op ?? "equals"
        var ci = plan.caseInsensitive
        if plan.op == nil, let t = plan.comparison {
            switch render(t, window: &window, session: &session) {
            case .failure(let f): return .failure(RuntimeFailure(message: "setting 'comparison': \(f.message)"))
            case .success(let v):
                op = v?["operator"]?.stringValue ?? "equals"
                ci = v?["caseInsensitive"]?.boolValue ?? false
            }
        }
        var left: JSONValue?
        var right: JSONValue?
        if let t = plan.left {
            switch render(t, window: &window, session: &session) {
            case .failure(let f): return .failure(RuntimeFailure(message: "setting 'leftOperand': \(f.message)"))
            case .success(let v): left = v
            }
        }
        if let t = plan.right {
            switch render(t, window: &window, session: &session) {
            case .failure(let f): return .failure(RuntimeFailure(message: "setting 'rightOperand': \(f.message)"))
            case .success(let v): right = v
            }
        }
        let outcome: ValueComparison.Outcome
        if let equals = plan.equality {
            let eq = Coercion.looseEquals(left, right)
            outcome = .result(equals ? eq : !eq)
        } else {
            outcome = ValueComparison.evaluate(op, left: left, right: right, caseInsensitive: ci, regex: engine.regexes[rule][k])
        }
        switch outcome {
        case .failure(let m):
            return .failure(RuntimeFailure(message: m))
        case .result(let r):
            let met = plan.negate ? !r : r
            if engine.options.trace {
                let secret = plan.readsSecret
                var entry: [(String, JSONValue)] = [("index", .number(Double(k + 1))), ("type", .string(plan.type)), ("operator", .string(op))]
                entry.append(("left", secret ? .string(maskedSecret) : (left ?? .null)))
                if ValueComparison.needsRightOperand(op) { entry.append(("right", secret ? .string(maskedSecret) : (right ?? .null))) }
                if plan.negate { entry.append(("negate", true)) }
                entry.append(("result", .bool(met)))
                traceConditions.append(.object(JSONObject(entry)))
            }
            return .success(met)
        }
    }

    // MARK: actions

    mutating func runAction(_ k: Int, _ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<Dispatch?, RuntimeFailure> {
        switch a.type {
        case "core.generate-event-id":
            return generateEventID(a, window: &window, session: &session)
        case "meta-pixel.send-event":
            return pixelEvent(a, window: &window, session: &session)
        case "edge.send-event":
            return edgeEvent(a, window: &window, session: &session)
        case "meta-capi.send-event":
            return conversionsAPIEvent(k, a, window: &window, session: &session)
        case "http.send-request":
            return httpRequest(a, window: &window, session: &session)
        default:
            return .failure(RuntimeFailure(message: "action type '\(a.type)' is not available in this runner"))
        }
    }

    static let defaultEventIDPath = "window.dataLayer.meta.conversionData.eventId"

    mutating func generateEventID(_ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<Dispatch?, RuntimeFailure> {
        let settings: JSONObject
        switch renderSettings(a.settings, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let s): settings = s
        }
        let id = session.random.uuid()
        if graph.isWeb {
            let path = settings["path"]?.stringValue ?? Self.defaultEventIDPath
            var segments = path.split(separator: ".").map(String.init)
            guard segments.first == "window", segments.count > 1 else {
                return .failure(RuntimeFailure(message: "'\(path)' is not a page-state path"))
            }
            segments.removeFirst()
            window = Self.setting(window, segments[...], to: .string(id))
        } else {
            var core = stash["core"]?.objectValue ?? JSONObject()
            core[settings["path"]?.stringValue ?? "eventId"] = .string(id)
            stash["core"] = .object(core)
        }
        return .success(nil)
    }

    /// A copy of `value` with `path` set to `newValue`, creating objects along the way.
    static func setting(_ value: JSONValue, _ path: ArraySlice<String>, to newValue: JSONValue) -> JSONValue {
        guard let key = path.first else { return newValue }
        switch value {
        case .array(var a):
            if let i = JSONValue.arrayIndex(key), i < a.count {
                a[i] = setting(a[i], path.dropFirst(), to: newValue)
                return .array(a)
            }
            return value
        case .object(var o):
            o[key] = setting(o[key] ?? .object(JSONObject()), path.dropFirst(), to: newValue)
            return .object(o)
        default:
            var o = JSONObject()
            o[key] = setting(.object(JSONObject()), path.dropFirst(), to: newValue)
            return .object(o)
        }
    }

    mutating func extensionSettings(_ name: String, excluding: [String] = [], window: inout JSONValue, session: inout Session) -> Result<JSONObject, RuntimeFailure> {
        guard let t = graph.extensionSettings(name) else {
            return .failure(RuntimeFailure(message: "extension '\(name)' is not in this library"))
        }
        switch renderSettings(t, excluding: excluding, window: &window, session: &session) {
        case .failure(let f): return .failure(RuntimeFailure(message: "extension '\(name)' \(f.message)"))
        case .success(let s): return .success(s)
        }
    }

    /// The rendered settings of an extension and of one of its actions.
    mutating func extensionAndActionSettings(
        _ name: String,
        _ a: ComponentNode,
        excludingFromExtension: [String] = [],
        excludingFromAction: [String] = [],
        window: inout JSONValue,
        session: inout Session
    ) -> Result<(JSONObject, JSONObject), RuntimeFailure> {
        let ext: JSONObject
        switch extensionSettings(name, excluding: excludingFromExtension, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let s): ext = s
        }
        switch renderSettings(a.settings, excluding: excludingFromAction, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let s): return .success((ext, s))
        }
    }

    mutating func pixelEvent(_ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<Dispatch?, RuntimeFailure> {
        let ext: JSONObject
        let settings: JSONObject
        switch extensionAndActionSettings("meta-pixel", a, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let both): (ext, settings) = both
        }
        guard let name = settings["eventName"].flatMap(Engine.idText), !name.isEmpty else {
            return .failure(RuntimeFailure(message: "'eventName' resolved to nothing"))
        }
        var call: [JSONValue] = [.string(metaStandardEvents.contains(name) ? "track" : "trackCustom"), .string(name)]
        let parameters: JSONValue
        switch settings["parameters"] {
        case .object(let o)?: parameters = .object(o)
        case nil, .null?: parameters = .object(JSONObject())
        case let other?: return .failure(RuntimeFailure(message: "'parameters' must be an object, not \(other.typeName)"))
        }
        call.append(parameters)
        if let id = settings["eventId"].flatMap(Engine.idText), !id.isEmpty {
            call.append(.object(JSONObject([("eventID", .string(id))])))
        }
        let json = JSONValue.object(JSONObject([
            ("destination", "meta-pixel"), ("rule", .string(graph.rules[rule].name)),
            ("pixelId", ext["pixelId"] ?? .null), ("call", .array(call)),
        ]))
        return .success(Dispatch(destination: "meta-pixel", rule: graph.rules[rule].name, origin: a.origin, json: json))
    }

    mutating func edgeEvent(_ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<Dispatch?, RuntimeFailure> {
        let ext: JSONObject
        let settings: JSONObject
        switch extensionAndActionSettings("edge", a, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let both): (ext, settings) = both
        }
        var m: [(String, JSONValue)] = [
            ("destination", "edge"), ("rule", .string(graph.rules[rule].name)), ("endpoint", ext["endpoint"] ?? .null),
            ("xdm", settings["xdm"] ?? .object(JSONObject())), ("data", settings["data"] ?? .object(JSONObject())),
        ]
        // The request the browser would make: the page event's own `request`, or the page's user agent.
        if let request = event["request"] {
            m.append(("request", request))
        } else if let ua = window["navigator"]?["userAgent"]?.stringValue {
            m.append(("request", .object(JSONObject([("headers", .object(JSONObject([("user-agent", .string(ua))])))]))))
        }
        return .success(Dispatch(destination: "edge", rule: graph.rules[rule].name, origin: a.origin, json: .object(JSONObject(m))))
    }

    /// The action's settings (except its access token) placed where the Conversions API builder reads them.
    mutating func conversionFields(_ k: Int, _ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<ConversionEventBuilder.Fields, RuntimeFailure> {
        guard case .object(let members) = a.settings, let plan = engine.prepared.conversionFields[rule][k] else {
            switch renderSettings(a.settings, excluding: ["accessToken"], window: &window, session: &session) {
            case .failure(let f): return .failure(f)
            case .success(let o): return .success(ConversionEventBuilder.Fields(o))
            }
        }
        var fields = ConversionEventBuilder.Fields()
        // Every member renders, in order, as `renderSettings` would (a failing one fails the action).
        for i in members.indices where plan.renders[i] {
            switch render(members[i].value, window: &window, session: &session) {
            case .failure(let f): return .failure(RuntimeFailure(message: "setting '\(members[i].key)': \(f.message)"))
            case .success(let v): if let v, let key = plan.keys[i] { fields[key] = v }
            }
        }
        return .success(fields)
    }

    mutating func conversionsAPIEvent(_ k: Int, _ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<Dispatch?, RuntimeFailure> {
        let ext: ConversionsAPIExtension
        if let constant = engine.constants.conversionsAPI {
            ext = constant
        } else {
            switch extensionSettings("meta-capi", excluding: Engine.conversionsAPISecretSettings, window: &window, session: &session) {
            case .failure(let f): return .failure(f)
            case .success(let s): ext = ConversionsAPIExtension(s)
            }
        }
        let settings: ConversionEventBuilder.Fields
        switch conversionFields(k, a, window: &window, session: &session) {
        case .failure(let f): return .failure(f)
        case .success(let s): settings = s
        }
        // The action's own pixel id when it has one (even one that is not usable), else the extension's.
        let actionPixelID = settings[.pixelId]
        guard let pixelID = actionPixelID == nil ? ext.pixelID : actionPixelID.flatMap(Engine.idText), !pixelID.isEmpty else {
            return .failure(RuntimeFailure(message: "no pixel id: set 'pixelId' on the meta-capi extension or the action"))
        }
        var builder = ConversionEventBuilder()
        builder.options.defaultCountryCallingCode = ext.defaultCountryCode
        let built: ConversionEventBuilder.Built
        switch builder.build(fields: settings, receivedAt: receivedAt, now: receivedAt) {
        case .failure(let r): return .failure(RuntimeFailure(message: "the event is not valid for Meta and is not sent: \(r.message)"))
        case .success(let b): built = b
        }
        var credentials = DispatchCredentials()
        if engine.options.resolveCredentials {
            var tokenTemplate = a.settings.member("accessToken")
            if tokenTemplate == nil { tokenTemplate = graph.extensionSettings("meta-capi")?.member("accessToken") }
            if let t = tokenTemplate {
                switch render(t, window: &window, session: &session) {
                case .failure(let f): return .failure(RuntimeFailure(message: "access token: \(f.message)"))
                case .success(let v): credentials.accessToken = v.flatMap(Engine.idText)
                }
            }
            if let t = graph.extensionSettings("meta-capi")?.member("appSecret") {
                switch render(t, window: &window, session: &session) {
                case .failure(let f): return .failure(RuntimeFailure(message: "app secret: \(f.message)"))
                case .success(let v): credentials.appSecret = v.flatMap(Engine.idText)
                }
            }
            if credentials.accessToken?.isEmpty ?? true {
                return .failure(RuntimeFailure(message: "no access token: set 'accessToken' on the meta-capi extension"))
            }
        }
        if engine.prepared.readsRuleStash {
            var stashEntry = JSONObject()
            stashEntry["eventName"] = .string(built.eventName)
            stashEntry["eventId"] = built.eventID.map(JSONValue.string)
            stash["meta-capi"] = .object(stashEntry)
        }
        let event = ConversionsAPIEvent(
            pixelID: pixelID, graphApiVersion: ext.graphApiVersion, built: built, partnerAgent: engine.options.partnerAgent
        )
        return .success(Dispatch(conversionsAPI: event, rule: graph.rules[rule].name, origin: a.origin, credentials: credentials))
    }

    mutating func httpRequest(_ a: ComponentNode, window: inout JSONValue, session: inout Session) -> Result<Dispatch?, RuntimeFailure> {
        var shown: [(String, JSONValue)] = []
        var credentials = DispatchCredentials()
        var settings = JSONObject()
        let members: [TemplateMember]
        switch a.settings {
        case .object(let m): members = m
        case .literal(.object(let o)): members = o.map { TemplateMember(key: $0.key, value: .literal($0.value)) }
        default: members = []
        }
        for m in members {
            if m.key == "headers", case .object(let headerMembers) = m.value {
                var headers: [(String, JSONValue)] = []
                for h in headerMembers {
                    usedSecret = false
                    switch render(h.value, window: &window, session: &session) {
                    case .failure(let f): return .failure(RuntimeFailure(message: "header '\(h.key)': \(f.message)"))
                    case .success(let v):
                        guard let v else { continue }
                        if usedSecret {
                            credentials.secretHeaders[h.key] = Coercion.interpolationText(v)
                            headers.append((h.key, .string(maskedSecret)))
                        } else {
                            headers.append((h.key, v))
                        }
                    }
                }
                settings["headers"] = .object(JSONObject(headers))
                continue
            }
            usedSecret = false
            switch render(m.value, window: &window, session: &session) {
            case .failure(let f): return .failure(RuntimeFailure(message: "setting '\(m.key)': \(f.message)"))
            case .success(let v):
                if usedSecret { return .failure(RuntimeFailure(message: "setting '\(m.key)' reads a secret; secrets may only be used in headers")) }
                settings[m.key] = v
            }
        }
        guard let url = settings["url"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://") else {
            return .failure(RuntimeFailure(message: "'url' must be an http or https URL"))
        }
        shown = [
            ("destination", "http"), ("rule", .string(graph.rules[rule].name)),
            ("method", settings["method"] ?? "POST"), ("url", .string(url)),
            ("headers", settings["headers"] ?? .object(JSONObject())),
        ]
        if let body = settings["body"] { shown.append(("body", body)) }
        return .success(Dispatch(destination: "http", rule: graph.rules[rule].name, origin: a.origin, json: .object(JSONObject(shown)), credentials: credentials))
    }
}
