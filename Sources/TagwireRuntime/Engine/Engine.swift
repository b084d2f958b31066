import TagwireIR
import TagwireJSON

/// Executes a compiled ``RuleGraph`` against events.
///
/// Evaluation is synchronous and does no I/O: effects come back as ``Dispatch`` values. Every component type is
/// resolved to its extension's delegate once, when the engine is built. Web graphs run the rules whose events
/// match the incoming page event, in rule order, against page state that carries over in the ``Session``; edge
/// graphs run every rule against every event, each rule with its own rule stash.
public struct Engine: Sendable {
    let elements: ElementTable
    let rules: RulePlans
    /// The parts of an incoming event this engine can read; the rest need not be built (the reader still checks
    /// it). `nil`: the whole event.
    public let eventProjection: JSONProjection?

    public var graph: RuleGraph { elements.graph }
    public var options: EngineOptions { elements.options }

    /// An engine for a graph, with the component types of `extensions`; a type none of them has fails the
    /// rules that use it.
    public init(
        graph: RuleGraph,
        extensions: RuntimeExtensions,
        secrets: SecretResolver = .system,
        options: EngineOptions = EngineOptions()
    ) {
        let elements = ElementTable(graph: graph, options: options, secrets: secrets, extensions: extensions)
        let bare = Engine(elements: elements, rules: .empty, eventProjection: nil)
        let rules = RulePlans(
            graph: graph,
            extensions: extensions,
            preparation: Preparation(bare: bare),
            elements: elements
        )
        self.init(elements: elements, rules: rules, eventProjection: Self.projection(graph, elements, rules))
    }

    /// An engine like this one that shares no storage with it (its graph read back from its JSON text), for a thread
    /// of its own: copies of one engine on several cores would spend their time on its shared reference counts.
    public func replica(extensions: RuntimeExtensions) -> Engine {
        let text = JSONWriter().bytes(graph.json)
        guard let value = try? JSONReader.parse(text, options: JSONReaderOptions(maxDepth: 512, maxBytes: Int.max)),
            let copy = try? RuleGraph(json: value)
        else { return self }
        return Engine(graph: copy, extensions: extensions, secrets: elements.secrets, options: options)
    }

    private init(elements: ElementTable, rules: RulePlans, eventProjection: JSONProjection?) {
        self.elements = elements
        self.rules = rules
        self.eventProjection = eventProjection
    }

    /// What of an edge event the graph can read: the data elements' literal paths and what the components read by
    /// themselves; nil (the whole event) for web graphs and when anything may be read.
    static func projection(_ graph: RuleGraph, _ elements: ElementTable, _ rules: RulePlans) -> JSONProjection? {
        guard !graph.isWeb, let fromElements = elements.eventReads, let fromActions = rules.eventReads else {
            return nil
        }
        return JSONProjection.keeping(fromElements + fromActions)
    }

    /// An extension setting resolved outside any event (for example the Conversions API token when delivering
    /// from the outbox); nil when the extension or setting is absent.
    public func extensionSetting(_ extensionName: String, _ key: String) throws(EngineError) -> JSONValue? {
        guard let template = graph.extensionSettings(extensionName)?.member(key) else { return nil }
        return try renderConstant(template)
    }

    /// Renders a template that reads no event (constants, secrets), as delivery reads a token when it sends.
    public func renderConstant(_ template: Template) throws(EngineError) -> JSONValue? {
        var context = RuleContext(engine: self, event: .object(JSONObject()), receivedAt: 0, session: Session(seed: 0))
        context.window = .object(JSONObject())
        do {
            return try context.render(template)
        } catch {
            throw EngineError(message: error.message)
        }
    }

    /// Evaluates one event received at `receivedAt` (Unix seconds).
    public func evaluate(_ event: JSONValue, receivedAt: Double, session: inout Session) -> Evaluation {
        graph.isWeb
            ? evaluateWeb(event, receivedAt: receivedAt, session: &session)
            : evaluateEdge(event, receivedAt: receivedAt, session: &session)
    }
}
