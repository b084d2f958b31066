import TagwireIR
import TagwireJSON

/// The data elements of a graph, prepared when an engine is built and shared by every copy of it (a class: a rule
/// run retains one reference).
final class ElementTable: Sendable {
    let graph: RuleGraph
    let options: EngineOptions
    let secrets: SecretResolver
    let elements: [ElementPlan]
    /// By data element index: whether its value comes from a secret, directly or through other data elements.
    let isSecret: [Bool]
    /// By data element index: whether its value depends on the edge event alone (a literal path under
    /// `arc.event` or `arc.request`, a constant with literal settings), so one resolution serves every rule.
    let isEventPure: [Bool]
    /// Whether any data element can read the rule stash (a literal `arc.ruleStash` path, or a value computed
    /// per event); when none can, actions need not fill it.
    let readsRuleStash: Bool

    init(graph: RuleGraph, options: EngineOptions, secrets: SecretResolver, extensions: RuntimeExtensions) {
        self.graph = graph
        self.options = options
        self.secrets = secrets
        let plans = graph.dataElements.map { node -> ElementPlan in
            guard case .dataElement(let delegate)? = extensions.delegate(node.type) else {
                return ElementPlan(node, nil, isWeb: graph.isWeb)
            }
            return ElementPlan(node, delegate.prepare(node, graph), isWeb: graph.isWeb)
        }
        elements = plans
        var tainted = plans.map(\.isSecretItself)
        var changed = true
        while changed {
            changed = false
            for (i, d) in graph.dataElements.enumerated()
            where !tainted[i] && d.settings.references.contains(where: { tainted[$0.element] }) {
                tainted[i] = true
                changed = true
            }
        }
        isSecret = tainted
        isEventPure = graph.dataElements.indices.map { i in
            guard !graph.isWeb, !tainted[i] else { return false }
            switch plans[i].how {
            case .path(let root, _): return root.isEvent
            case .resolver(_, let constant, _): return constant && graph.dataElements[i].settings.references.isEmpty
            case .unavailable: return false
            }
        }
        readsRuleStash = plans.contains { plan in
            switch plan.how {
            case .path(.ruleStash, _): return true
            case .resolver(_, _, .anything): return true
            default: return false
            }
        }
    }

    /// What of an edge event the data elements read, or nil when one may read anything.
    var eventReads: [[String]]? {
        var kept: [[String]] = []
        for plan in elements {
            switch plan.how {
            case .path(let root, let rest):
                switch root {
                case .eventMember(let key): kept.append([key] + rest)
                case .eventXDMAndData: kept += [["xdm"], ["data"]]
                case .request: kept.append(["request"] + rest)
                case .window, .event, .ruleStash, .nothing: continue
                }
            case .resolver(_, _, let reads):
                switch reads {
                case .nothing: continue
                case .members(let paths): kept += paths
                case .anything: return nil
                }
            case .unavailable:
                return nil
            }
        }
        return kept
    }
}

/// A data element prepared when the engine is built: how it resolves and what the engine applies afterwards.
final class ElementPlan: Sendable {
    /// Where a literal path starts reading.
    enum Root: Sendable, Equatable {
        case window, event
        case eventMember(String)
        case eventXDMAndData, request, ruleStash, nothing

        /// Whether reading from here reads the edge event (its `xdm`, `data` or `request`) and nothing else.
        var isEvent: Bool {
            switch self {
            case .eventMember, .eventXDMAndData, .request: return true
            case .window, .event, .ruleStash, .nothing: return false
            }
        }
    }

    enum How: Sendable {
        /// A literal path: its root and the segments after it.
        case path(Root, [String])
        case resolver(any DataElementResolver, isConstant: Bool, reads: EventReads)
        /// No delegate for its type in this runner.
        case unavailable
    }

    let name: String
    let type: String
    let settings: Template
    let how: How
    let isSecretItself: Bool
    let defaultValue: JSONValue?
    let cleanText: Bool
    let forceLowerCase: Bool
    let storageDuration: String?

    /// A plan for `d`; `runtime` is nil when no delegate of this runner has its type.
    init(_ d: DataElementNode, _ runtime: RuntimeDataElement?, isWeb: Bool) {
        name = d.name
        type = d.type
        settings = d.settings
        defaultValue = d.defaultValue
        cleanText = d.cleanText
        forceLowerCase = d.forceLowerCase
        storageDuration = d.storageDuration
        switch runtime {
        case .path(let segments)?:
            let (root, rest) = Self.root(of: segments, isWeb: isWeb)
            how = .path(root, rest)
            isSecretItself = false
        case .resolved(let resolver, let reads, let constant, let secret)?:
            how = .resolver(resolver, isConstant: constant, reads: reads)
            isSecretItself = secret
        case nil:
            how = .unavailable
            isSecretItself = false
        }
    }

    /// How ``RuleContext/readPath(_:)`` starts on these segments.
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
            if let third = rest.first, third == "xdm" || third == "data" {
                return (.eventMember(third), Array(rest.dropFirst()))
            }
            return (.eventXDMAndData, Array(rest))
        case "request": return (.request, Array(rest))
        case "ruleStash": return (.ruleStash, Array(rest))
        default: return (.nothing, [])
        }
    }
}
