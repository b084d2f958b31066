import TagwireIR
import TagwireJSON

/// The rules of a graph with their components' delegates resolved, by rule and component index.
final class RulePlans: Sendable {
    let events: [[any RuntimeEvent]]
    let conditions: [[ConditionPlan]]
    let actions: [[ActionPlan]]
    /// By rule: whether its first condition can be checked before a rule run is set up (one that reads only its
    /// settings, and through them only event-pure data elements, with tracing off): a rule it rejects needs
    /// nothing else.
    let checksFirstCondition: [Bool]

    static let empty = RulePlans(events: [], conditions: [], actions: [], checksFirstCondition: [])

    init(
        events: [[any RuntimeEvent]],
        conditions: [[ConditionPlan]],
        actions: [[ActionPlan]],
        checksFirstCondition: [Bool]
    ) {
        self.events = events
        self.conditions = conditions
        self.actions = actions
        self.checksFirstCondition = checksFirstCondition
    }

    init(graph: RuleGraph, extensions: RuntimeExtensions, preparation: Preparation, elements: ElementTable) {
        events = graph.rules.map { rule in
            rule.events.map { node -> any RuntimeEvent in
                guard case .event(let delegate)? = extensions.delegate(node.type) else { return NeverMatches() }
                return delegate.prepare(node, preparation)
            }
        }
        let conditions = graph.rules.map { rule in
            rule.conditions.enumerated().map { k, node in
                let condition: any RuntimeCondition
                if case .condition(let delegate)? = extensions.delegate(node.type) {
                    condition = delegate.prepare(node, preparation)
                } else {
                    condition = Unavailable("condition", node)
                }
                return ConditionPlan(node, index: k, condition: condition)
            }
        }
        self.conditions = conditions
        actions = graph.rules.map { rule in
            rule.actions.enumerated().map { k, node in
                let action: any RuntimeAction
                if case .action(let delegate)? = extensions.delegate(node.type) {
                    action = delegate.prepare(node, preparation)
                } else {
                    action = Unavailable("action", node)
                }
                return ActionPlan(node, index: k, action: action)
            }
        }
        checksFirstCondition = graph.rules.indices.map { r in
            guard !elements.options.trace, let first = conditions[r].first, first.condition.readsOnlyItsSettings else {
                return false
            }
            return graph.rules[r].conditions[0].settings.references.allSatisfy { elements.isEventPure[$0.element] }
        }
    }

    /// What of an edge event the actions read by themselves, or nil when one may read anything.
    var eventReads: [[String]]? {
        var kept: [[String]] = []
        for rule in actions {
            for plan in rule {
                switch plan.action.reads {
                case .nothing: continue
                case .members(let paths): kept += paths
                case .anything: return nil
                }
            }
        }
        return kept
    }
}

/// A condition of a rule, with the texts its outcomes report (a class: reading one per rule run retains one
/// reference).
final class ConditionPlan: Sendable {
    let condition: any RuntimeCondition
    let type: String
    let negate: Bool
    let notMet: String
    let failedPrefix: String

    init(_ node: ComponentNode, index k: Int, condition: any RuntimeCondition) {
        self.condition = condition
        type = node.type
        negate = node.negate
        notMet = "condition \(k + 1) (\(node.displayName)) was not met"
        failedPrefix = "condition \(k + 1) (\(node.displayName)) failed: "
    }
}

/// An action of a rule, with what the rule run needs of its node (a class, as ``ConditionPlan``).
final class ActionPlan: Sendable {
    let action: any RuntimeAction
    let timeoutMs: Int?
    let failedPrefix: String
    let timedOutPrefix: String

    init(_ node: ComponentNode, index k: Int, action: any RuntimeAction) {
        self.action = action
        timeoutMs = node.timeoutMs
        failedPrefix = "action \(k + 1) (\(node.displayName)) failed: "
        timedOutPrefix = "action \(k + 1) (\(node.displayName)) timed out after "
    }
}

/// A rule event whose type this runner does not have: it never triggers its rule.
struct NeverMatches: RuntimeEvent {
    func matches(_ event: JSONValue, type: String) -> Bool { false }
}

/// A condition or action whose type this runner does not have: it fails its rule, saying so.
struct Unavailable: RuntimeCondition, RuntimeAction {
    let message: String

    init(_ kind: String, _ node: ComponentNode) {
        message = "\(kind) type '\(node.type)' is not available in this runner"
    }

    func evaluate(_ context: inout RuleContext) throws(ComponentFailure) -> Bool { throw ComponentFailure(message) }
    func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? { throw ComponentFailure(message) }
    var reads: EventReads { .anything }
}
