import TagwireIR
import TagwireJSON

extension Engine {
    func evaluateEdge(_ event: JSONValue, receivedAt: Double, session: inout Session) -> Evaluation {
        var outcomes: [RuleOutcome] = []
        var dispatches: [Dispatch] = []
        // One rule context serves every rule of the event, reset between rules: the values that depend on the
        // event alone stay for the rules after.
        var run = RuleContext(engine: self, event: event, receivedAt: receivedAt, session: Session(seed: 0))
        swap(&run.session, &session)
        defer { swap(&run.session, &session) }
        outcomes.reserveCapacity(graph.rules.count)
        // By index: reading a rule's fields does not copy its whole node.
        let ruleNodes = graph.rules
        for r in ruleNodes.indices {
            guard ruleNodes[r].enabled else {
                outcomes.append(RuleOutcome(name: ruleNodes[r].name, status: .skipped, reason: "the rule is disabled"))
                continue
            }
            run.begin(rule: r)
            // A first condition that reads only event-pure values is checked before anything else of the rule (it
            // sees no stash and no memo either way); when met, the rule goes on from its second.
            var firstMet = false
            if rules.checksFirstCondition[r] {
                // A failure is reported by the rule's own run below.
                if let met = try? run.evaluateCondition(0) {
                    guard met else {
                        var notMet = RuleOutcome(
                            name: ruleNodes[r].name,
                            status: .conditionNotMet,
                            reason: rules.conditions[r][0].notMet
                        )
                        notMet.reached = (1, 0)
                        outcomes.append(notMet)
                        continue
                    }
                    firstMet = true
                }
            }
            outcomes.append(run.execute(from: firstMet ? 1 : 0))
            if dispatches.isEmpty { swap(&dispatches, &run.dispatches) } else { dispatches += run.dispatches }
        }
        return Evaluation(rules: outcomes, dispatches: dispatches)
    }

    func evaluateWeb(_ event: JSONValue, receivedAt: Double, session: inout Session) -> Evaluation {
        let page = event["page"].flatMap(Coercion.idText) ?? ""
        let visitor = event["visitor"].flatMap(Coercion.idText) ?? ""
        let sessionKey = visitor + "\u{0}" + (event["session"].flatMap(Coercion.idText) ?? "")
        if let w = event["window"] {
            session.pages[page] = w
            session.pageviewStorage[page] = nil
        }
        // A page event's `consent` is the visitor's choice (`_tagwire.consent(...)`), kept as the browser keeps it.
        if let choice = event["consent"]?.stringValue, let state = RuleContext.consentState(choice) {
            session.visitorStorage[visitor, default: [:]][RuleContext.consentKey] = .string(state)
        }
        let type = event["type"]?.stringValue
        var run = RuleContext(
            engine: self,
            event: event,
            receivedAt: receivedAt,
            session: Session(seed: 0),
            page: page,
            visitor: visitor,
            sessionKey: sessionKey
        )
        swap(&run.session, &session)
        defer { swap(&run.session, &session) }
        run.window = run.session.pages[page] ?? .object(JSONObject())
        var outcomes: [RuleOutcome] = []
        var dispatches: [Dispatch] = []
        for (r, rule) in graph.rules.enumerated() where triggers(rule: r, event, type: type) {
            guard rule.enabled else {
                outcomes.append(RuleOutcome(name: rule.name, status: .skipped, reason: "the rule is disabled"))
                continue
            }
            run.begin(rule: r)
            outcomes.append(run.execute())
            dispatches += run.dispatches
        }
        run.session.pages[page] = run.window
        return Evaluation(rules: outcomes, dispatches: dispatches)
    }

    /// Whether one of the rule's events matches a page event of type `type` (none without one).
    func triggers(rule r: Int, _ event: JSONValue, type: String?) -> Bool {
        guard let type else { return false }
        return rules.events[r].contains { $0.matches(event, type: type) }
    }
}
