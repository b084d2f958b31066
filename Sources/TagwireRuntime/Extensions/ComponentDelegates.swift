import TagwireIR
import TagwireJSON

/// What of an edge event a component reads by itself (not through data elements), so that the engine can read
/// incoming events with a projection of only those parts.
public enum EventReads: Sendable, Equatable {
    /// Nothing of the event.
    case nothing
    /// These members, as paths from the event's top (`[["cookies"]]`, `[["request"]]`).
    case members([[String]])
    /// Anything (a path computed per event).
    case anything
}

/// How one data element resolves, decided when the engine is built.
public enum RuntimeDataElement: Sendable {
    /// A literal dotted path from the platform's roots (`window…`, `arc.event…`), which the engine reads itself
    /// without rendering settings.
    case path([String])
    /// Resolved from its rendered settings by a resolver.
    /// - `reads`: what of the event the resolver reads.
    /// - `isConstant`: its value follows from its settings alone, so with literal settings it is the same for
    ///   every rule of an event.
    /// - `isSecret`: its value is a secret (masked in traces, tainting what reads it).
    case resolved(any DataElementResolver, reads: EventReads, isConstant: Bool, isSecret: Bool)
}

/// Resolves a data element from its rendered settings.
public protocol DataElementResolver: Sendable {
    /// The element's value (nil: missing; the engine then applies its `default`).
    func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue?
}

/// A condition prepared for one rule.
public protocol RuntimeCondition: Sendable {
    /// Whether it is met, before the component's `negate` (which the engine applies).
    func evaluate(_ context: inout RuleContext) throws(ComponentFailure) -> Bool
    /// Whether its outcome follows from its settings alone (so one that reads only event values can be checked
    /// before a rule run is set up).
    var readsOnlyItsSettings: Bool { get }
}

extension RuntimeCondition {
    public var readsOnlyItsSettings: Bool { false }
}

/// A rule event prepared for one rule (web): whether a page event triggers it.
public protocol RuntimeEvent: Sendable {
    /// Whether `event`, whose `type` is `type`, triggers the rule.
    func matches(_ event: JSONValue, type: String) -> Bool
}

/// An action prepared for one rule.
public protocol RuntimeAction: Sendable {
    /// Runs the action; what it returns is delivered by the caller of the engine.
    func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch?
    /// What of an edge event it reads by itself.
    var reads: EventReads { get }
}

extension RuntimeAction {
    public var reads: EventReads { .nothing }
}

/// Prepares the data elements of one component type.
public protocol DataElementDelegate: Sendable {
    func prepare(_ node: DataElementNode, _ graph: RuleGraph) -> RuntimeDataElement
}

/// Prepares the conditions of one component type.
public protocol ConditionDelegate: Sendable {
    func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeCondition
}

/// Prepares the rule events of one component type.
public protocol EventDelegate: Sendable {
    func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeEvent
}

/// Prepares the actions of one component type.
public protocol ActionDelegate: Sendable {
    func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction
}

/// The run-time half of one component type.
public enum ComponentDelegate: Sendable {
    case dataElement(any DataElementDelegate)
    case condition(any ConditionDelegate)
    case event(any EventDelegate)
    case action(any ActionDelegate)
}

/// A failure while resolving a value or running a component: it ends the rule as failed, with this message.
public struct ComponentFailure: Error, Sendable {
    public var message: String

    /// A failure with its message.
    public init(_ message: String) { self.message = message }
}
