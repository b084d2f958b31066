import TagwireIR
import TagwireJSON

/// What a delegate may ask while the engine prepares a rule's components: the graph, the options, and values
/// that are the same for every event.
public struct Preparation: Sendable {
    let bare: Engine

    /// The graph being prepared.
    public var graph: RuleGraph { bare.graph }
    public var options: EngineOptions { bare.options }

    /// Whether rendering `template` reads a secret, directly or through other data elements.
    public func readsSecret(_ template: Template) -> Bool {
        template.references.contains { bare.elements.isSecret[$0.element] }
    }

    /// An extension's settings rendered now, when each one (but `excluded`) is literal or reads only constants
    /// that read nothing else and are not secrets; nil otherwise, and always with tracing on (a trace lists the
    /// data elements each event read).
    public func constantSettings(ofExtension name: String, excluding excluded: [String]) -> JSONObject? {
        guard !options.trace, case .object(let members)? = graph.extensionSettings(name) else { return nil }
        let plain = members.filter { !excluded.contains($0.key) }.allSatisfy { m in
            m.value.references.allSatisfy { ref in
                let plan = bare.elements.elements[ref.element]
                guard case .resolver(_, true, .nothing) = plan.how else { return false }
                return plan.settings.references.isEmpty && plan.storageDuration == nil
                    && !bare.elements.isSecret[ref.element]
            }
        }
        guard plain else { return nil }
        var context = RuleContext(engine: bare, event: .object(JSONObject()), receivedAt: 0, session: Session(seed: 0))
        return try? context.extensionSettings(name, excluding: excluded)
    }
}
