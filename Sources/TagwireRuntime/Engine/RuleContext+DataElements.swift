import TagwireIR
import TagwireJSON

extension RuleContext {
    /// The value of data element `index`: memoised for the rule run (or, when it depends on the event alone, for
    /// the event), then its storage duration, `default`, `cleanText` and `forceLowerCase` applied.
    mutating func resolve(_ index: Int) throws(ComponentFailure) -> JSONValue? {
        let table = engine.elements
        if table.isSecret[index] { usedSecret = true }
        if let value = memo[index] { return value }
        // Event-pure values are kept for the whole event (not in the rule's memo, which actions clear).
        let pure = table.isEventPure[index]
        if pure, let value = eventValues[index] {
            if engine.options.trace { trace(index, value) }
            return value
        }
        let plan = table.elements[index]
        var value: JSONValue?
        switch plan.how {
        case .path(let root, let rest):
            // A literal path reads no other data element: no cycle bookkeeping needed.
            value = read(root, rest)
        case .resolver(let resolver, _, _):
            if resolving.contains(index) { throw ComponentFailure("data element '\(plan.name)' depends on itself") }
            resolving.append(index)
            defer { resolving.removeLast() }
            do {
                let settings = try render(plan.settings) ?? .object(JSONObject())
                value = try resolver.resolve(settings, &self)
            } catch {
                throw ComponentFailure("data element '\(plan.name)': \(error.message)")
            }
        case .unavailable:
            throw ComponentFailure("data element '\(plan.name)': type '\(plan.type)' is not available in this runner")
        }
        if let duration = plan.storageDuration, isWeb { value = stored(value, name: plan.name, duration: duration) }
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
            if plan.forceLowerCase { s = Coercion.lowercased(s) }
            value = .string(s)
        }
        let count = graph.dataElements.count
        if pure { eventValues.set(index, value, of: count) } else { memo.set(index, value, of: count) }
        if engine.options.trace { trace(index, value) }
        return value
    }

    /// A web data element's storage: a value is stored; a missing one is read back from storage.
    mutating func stored(_ value: JSONValue?, name key: String, duration: String) -> JSONValue? {
        if let v = value, !v.isNull {
            switch duration {
            case "pageview": session.pageviewStorage[page, default: [:]][key] = v
            case "session": session.sessionStorage[sessionKey, default: [:]][key] = v
            default: session.visitorStorage[visitor, default: [:]][key] = v
            }
            return value
        }
        switch duration {
        case "pageview": return session.pageviewStorage[page]?[key]
        case "session": return session.sessionStorage[sessionKey]?[key]
        default: return session.visitorStorage[visitor]?[key]
        }
    }

    /// Records a data element's value in the rule's trace (secrets masked).
    mutating func trace(_ index: Int, _ value: JSONValue?) {
        let name = graph.dataElements[index].name
        let shown: JSONValue = engine.elements.isSecret[index] ? .string(maskedSecret) : (value ?? .null)
        if let i = traceElements.firstIndex(where: { $0.0 == name }) {
            traceElements[i].1 = shown
        } else {
            traceElements.append((name, shown))
        }
    }

    /// Reads a dotted path from the platform's roots (`window`, `event` on the web; `arc.event.xdm`,
    /// `arc.event.data`, `arc.event`, `arc.request`, `arc.ruleStash` on the edge).
    public func readPath(_ segments: [String]) -> JSONValue? {
        let (root, rest) = ElementPlan.root(of: segments, isWeb: isWeb)
        return read(root, rest)
    }

    /// Reads the segments `rest` from one of the platform's roots.
    func read(_ root: ElementPlan.Root, _ rest: [String]) -> JSONValue? {
        var current: JSONValue?
        switch root {
        case .window: current = window
        case .event: current = event
        case .eventMember(let key): current = event[key]
        case .eventXDMAndData:
            current = .object(JSONObject([("xdm", event["xdm"] ?? .null), ("data", event["data"] ?? .null)]))
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
}
