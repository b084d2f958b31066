import TagwireJSON

/// What happened to one rule for one event.
public struct RuleOutcome: Sendable, Hashable {
    /// How a rule ended.
    public enum Status: String, Sendable {
        case fired, conditionNotMet, failed, skipped
    }

    public var name: String
    public var status: Status
    /// Why it did not fire (the condition not met, the action that failed and its error).
    public var reason: String?
    /// Per-rule trace when tracing: data element values (secrets masked) and condition operands.
    public var trace: JSONValue?
    /// How many of the rule's conditions were evaluated and how many of its actions ran (the failing one
    /// included), for `tagwire test --coverage`; not part of the JSON form.
    public var reached: (conditions: Int, actions: Int) = (0, 0)
    /// What the rule's run let pass but the author should know (a secret that was not set, with
    /// ``EngineOptions/allowMissingSecrets``).
    public var warnings: [String] = []

    public init(name: String, status: Status, reason: String? = nil, trace: JSONValue? = nil) {
        self.name = name
        self.status = status
        self.reason = reason
        self.trace = trace
    }

    public static func == (a: RuleOutcome, b: RuleOutcome) -> Bool {
        a.name == b.name && a.status == b.status && a.reason == b.reason && a.trace == b.trace
            && a.reached == b.reached && a.warnings == b.warnings
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(status)
        hasher.combine(reason)
    }

    /// Appends ``json`` as `JSONWriter` writes it, without building it.
    public func write(into out: inout [UInt8]) {
        JSONWriter.writeRaw(#"{"name":"#, into: &out)
        JSONWriter.writeString(name, into: &out)
        JSONWriter.writeRaw(#","status":"#, into: &out)
        JSONWriter.writeString(status.rawValue, into: &out)
        if let reason {
            JSONWriter.writeRaw(#","reason":"#, into: &out)
            JSONWriter.writeString(reason, into: &out)
        }
        if !warnings.isEmpty {
            JSONWriter.writeRaw(#","warnings":["#, into: &out)
            for (i, w) in warnings.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSONWriter.writeString(w, into: &out)
            }
            out.append(0x5D)
        }
        if let trace {
            JSONWriter.writeRaw(#","trace":"#, into: &out)
            JSONWriter().write(trace, into: &out)
        }
        out.append(0x7D)
    }

    /// Whether `other` prints the same (``reached`` aside).
    public func hasSameContent(as other: RuleOutcome) -> Bool {
        name == other.name && status == other.status && reason == other.reason && warnings == other.warnings
            && trace == other.trace
    }

    /// The JSON form in `tagwire run` output.
    public var json: JSONValue {
        var m: [(String, JSONValue)] = [("name", .string(name)), ("status", .string(status.rawValue))]
        if let reason { m.append(("reason", .string(reason))) }
        if !warnings.isEmpty { m.append(("warnings", .array(warnings.map(JSONValue.string)))) }
        if let trace { m.append(("trace", trace)) }
        return .object(JSONObject(m))
    }
}

/// The result of evaluating one event: each triggered rule's outcome, in order, and the dispatches produced.
public struct Evaluation: Sendable, Hashable {
    public var rules: [RuleOutcome]
    public var dispatches: [Dispatch]

    public init(rules: [RuleOutcome], dispatches: [Dispatch]) {
        self.rules = rules
        self.dispatches = dispatches
    }

    /// Whether `other` prints the same (credentials, timeouts and how far each rule got aside).
    public func hasSameContent(as other: Evaluation) -> Bool {
        rules.count == other.rules.count && dispatches.count == other.dispatches.count
            && zip(rules, other.rules).allSatisfy { $0.hasSameContent(as: $1) }
            && zip(dispatches, other.dispatches).allSatisfy { $0.hasSameContent(as: $1) }
    }

    /// Appends `,"rules":[...],"dispatches":[...]` as `JSONWriter` writes ``json(index:)``'s members, counted into
    /// `summary`.
    func write(into out: inout [UInt8], _ summary: inout EventRunner.LineSummary) {
        JSONWriter.writeRaw(#","rules":["#, into: &out)
        for (i, r) in rules.enumerated() {
            if i > 0 { out.append(0x2C) }
            r.write(into: &out)
            if r.status == .failed { summary.failedRules += 1 }
            summary.warnings += r.warnings.count
        }
        JSONWriter.writeRaw(#"],"dispatches":["#, into: &out)
        for (i, d) in dispatches.enumerated() {
            if i > 0 { out.append(0x2C) }
            d.write(into: &out)
            summary.warnings += d.warningCount
        }
        summary.dispatches += dispatches.count
        out.append(0x5D)
    }

    /// `{"index": n, "rules": [...], "dispatches": [...]}`.
    public func json(index: Int) -> JSONValue {
        .object(
            JSONObject([
                ("index", .number(Double(index))),
                ("rules", .array(rules.map(\.json))),
                ("dispatches", .array(dispatches.map(\.json))),
            ])
        )
    }
}
