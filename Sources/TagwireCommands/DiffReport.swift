import TagwireJSON

/// The differences between two runs of the same events (`tagwire diff`), event by event, and their summary.
struct DiffReport: Sendable {
    /// A rule whose outcome differs for one event.
    struct RuleChange {
        var event: Int
        var scope: String
        var rule: String
        var old: String
        var new: String
        var reason: String?
    }

    /// A field of a dispatch that differs; hashed values are named, not shown.
    struct FieldChange {
        var pointer: String
        var old: JSONValue?
        var new: JSONValue?
        var hashed: Bool
    }

    /// A dispatch added, removed or changed for one event.
    struct DispatchChange {
        enum Kind: String { case added, removed, changed }
        var event: Int
        var scope: String
        var kind: Kind
        var destination: String
        var rule: String
        var summary: String
        var fields: [FieldChange]
    }

    private(set) var events = 0
    private(set) var changedEvents = 0
    private(set) var ruleChanges: [RuleChange] = []
    private(set) var dispatchChanges: [DispatchChange] = []
    /// Each changed event with its line and where its changes lie in ``ruleChanges`` and ``dispatchChanges``.
    private var blocks: [(event: Int, line: Int, rules: Range<Int>, dispatches: Range<Int>)] = []

    /// Counts events that did not change.
    mutating func count(unchanged: Int) { events += unchanged }

    /// Appends the report of the events after this one's (a worker's share of the run).
    mutating func append(_ other: DiffReport) {
        let (r, d) = (ruleChanges.count, dispatchChanges.count)
        events += other.events
        changedEvents += other.changedEvents
        ruleChanges += other.ruleChanges
        dispatchChanges += other.dispatchChanges
        for b in other.blocks {
            blocks.append(
                (
                    b.event, b.line, (b.rules.lowerBound + r)..<(b.rules.upperBound + r),
                    (b.dispatches.lowerBound + d)..<(b.dispatches.upperBound + d)
                )
            )
        }
    }

    var changed: Bool { changedEvents > 0 }

    mutating func add(index: Int, line: Int, old: JSONValue, new: JSONValue) {
        events += 1
        if old == new { return }
        let rulesBefore = ruleChanges.count
        let dispatchesBefore = dispatchChanges.count
        if old["error"] != nil || new["error"] != nil {
            ruleChanges.append(
                RuleChange(
                    event: index,
                    scope: "",
                    rule: "(event)",
                    old: old["error"] == nil ? "read" : "unreadable",
                    new: new["error"] == nil ? "read" : "unreadable",
                    reason: (new["error"] ?? old["error"])?.stringValue
                )
            )
        } else {
            compare(index, scope: "", old: old, new: new)
            let a = old["forwarded"]?.arrayValue ?? []
            let b = new["forwarded"]?.arrayValue ?? []
            for k in 0..<max(a.count, b.count) {
                let from = (k < b.count ? b[k] : a[k])["rule"]?.stringValue ?? "?"
                compare(
                    index,
                    scope: "edge #\(k + 1) from \(from)",
                    old: k < a.count ? a[k] : .object(JSONObject()),
                    new: k < b.count ? b[k] : .object(JSONObject())
                )
            }
        }
        // Only a difference in what is reported counts: equal outcomes in another order are no change.
        if ruleChanges.count > rulesBefore || dispatchChanges.count > dispatchesBefore {
            changedEvents += 1
            blocks.append((index, line, rulesBefore..<ruleChanges.count, dispatchesBefore..<dispatchChanges.count))
        }
    }

    private mutating func compare(_ event: Int, scope: String, old: JSONValue, new: JSONValue) {
        func outcomes(_ v: JSONValue) -> [(name: String, status: String, reason: String?)] {
            (v["rules"]?.arrayValue ?? []).map {
                ($0["name"]?.stringValue ?? "?", $0["status"]?.stringValue ?? "?", $0["reason"]?.stringValue)
            }
        }
        let a = outcomes(old)
        let b = outcomes(new)
        var names = a.map(\.name)
        for n in b.map(\.name) where !names.contains(n) { names.append(n) }
        for name in names {
            let x = a.first { $0.name == name }
            let y = b.first { $0.name == name }
            let before = x?.status ?? "notTriggered"
            let after = y?.status ?? "notTriggered"
            if before != after || (after == "failed" && x?.reason != y?.reason) {
                ruleChanges.append(
                    RuleChange(
                        event: event,
                        scope: scope,
                        rule: name,
                        old: before,
                        new: after,
                        reason: y?.reason ?? x?.reason
                    )
                )
            }
        }
        // Dispatches pair up by destination, rule and order among those.
        func keyed(_ v: JSONValue) -> [(key: String, value: JSONValue)] {
            var seen: [String: Int] = [:]
            return (v["dispatches"]?.arrayValue ?? []).map { d in
                let base = (d["destination"]?.stringValue ?? "?") + "\u{0}" + (d["rule"]?.stringValue ?? "?")
                let n = seen[base, default: 0]
                seen[base] = n + 1
                return (base + "\u{0}\(n)", d)
            }
        }
        let da = keyed(old)
        let db = keyed(new)
        for (key, d) in da where !db.contains(where: { $0.key == key }) {
            dispatchChanges.append(change(event, scope, .removed, d, fields: []))
        }
        for (key, d) in db {
            guard let before = da.first(where: { $0.key == key })?.value else {
                dispatchChanges.append(change(event, scope, .added, d, fields: []))
                continue
            }
            guard before != d else { continue }
            let fields = Self.fieldChanges(before, d)
            if !fields.isEmpty { dispatchChanges.append(change(event, scope, .changed, d, fields: fields)) }
        }
    }

    private func change(
        _ event: Int,
        _ scope: String,
        _ kind: DispatchChange.Kind,
        _ d: JSONValue,
        fields: [FieldChange]
    )
        -> DispatchChange
    {
        DispatchChange(
            event: event,
            scope: scope,
            kind: kind,
            destination: d["destination"]?.stringValue ?? "?",
            rule: d["rule"]?.stringValue ?? "?",
            summary: RunOutput.dispatch(d),
            fields: fields
        )
    }

    /// The leaves that differ between two dispatches, in the new one's order (then what only the old one has),
    /// found by walking both and skipping equal subtrees.
    static func fieldChanges(_ a: JSONValue, _ b: JSONValue) -> [FieldChange] {
        var changes: [FieldChange] = []
        walk(a, b, "", &changes)
        return changes
    }

    private static func walk(_ a: JSONValue?, _ b: JSONValue?, _ pointer: String, _ changes: inout [FieldChange]) {
        switch (a, b) {
        case (.object(let x)?, .object(let y)?) where !x.isEmpty || !y.isEmpty:
            for m in y { walk(x[m.key], m.value, pointer + "/" + escapePointerToken(m.key), &changes) }
            for m in x where y[m.key] == nil { walk(m.value, nil, pointer + "/" + escapePointerToken(m.key), &changes) }
        case (.array(let x)?, .array(let y)?) where !x.isEmpty || !y.isEmpty:
            for k in 0..<max(x.count, y.count) {
                walk(k < x.count ? x[k] : nil, k < y.count ? y[k] : nil, pointer + "/\(k)", &changes)
            }
        case (let x?, let y?):
            if x.isSameJSON(as: y) { return }
            // A scalar against a container: each side's leaves, as they differ.
            if x.isContainer || y.isContainer {
                for l in x.leaves(prefix: pointer) { changes.append(change(l.pointer, l.value, nil)) }
                for l in y.leaves(prefix: pointer) { changes.append(change(l.pointer, nil, l.value)) }
            } else {
                changes.append(change(pointer, x, y))
            }
        case (nil, let y?):
            for l in y.leaves(prefix: pointer) { changes.append(change(l.pointer, nil, l.value)) }
        case (let x?, nil):
            for l in x.leaves(prefix: pointer) { changes.append(change(l.pointer, l.value, nil)) }
        case (nil, nil):
            return
        }
    }

    private static func change(_ pointer: String, _ old: JSONValue?, _ new: JSONValue?) -> FieldChange {
        FieldChange(pointer: pointer, old: old, new: new, hashed: isHash(old) || isHash(new))
    }

    /// A SHA-256 hex digest, as Meta's hashed customer information is written.
    static func isHash(_ v: JSONValue?) -> Bool {
        guard case .string(let s)? = v, s.utf8.count == 64 else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    // MARK: Reports

    /// Per rule and destination: dispatches added, removed and changed.
    private var table: [(rule: String, destination: String, added: Int, removed: Int, changed: Int)] {
        var rows: [(rule: String, destination: String, added: Int, removed: Int, changed: Int)] = []
        for c in dispatchChanges {
            let i =
                rows.firstIndex { $0.rule == c.rule && $0.destination == c.destination }
                ?? {
                    rows.append((c.rule, c.destination, 0, 0, 0))
                    return rows.count - 1
                }()
            switch c.kind {
            case .added: rows[i].added += 1
            case .removed: rows[i].removed += 1
            case .changed: rows[i].changed += 1
            }
        }
        return rows.sorted { ($0.rule, $0.destination) < ($1.rule, $1.destination) }
    }

    /// Per rule: how often its outcome went from one status to another.
    private var transitions: [(rule: String, change: String, count: Int)] {
        var rows: [(rule: String, change: String, count: Int)] = []
        for c in ruleChanges {
            let change = "\(c.old) -> \(c.new)"
            if let i = rows.firstIndex(where: { $0.rule == c.rule && $0.change == change }) {
                rows[i].count += 1
            } else {
                rows.append((c.rule, change, 1))
            }
        }
        return rows.sorted { ($0.rule, $0.change) < ($1.rule, $1.change) }
    }

    var text: String {
        var s = ""
        let writer = JSONWriter()
        for block in blocks {
            s += "event \(block.event) (line \(block.line)):\n"
            for c in ruleChanges[block.rules] {
                let scope = c.scope.isEmpty ? "" : " [\(c.scope)]"
                s += "  rule \(c.rule)\(scope): \(c.old) -> \(c.new)"
                if c.new == "failed" || c.old == "unreadable" || c.new == "unreadable", let r = c.reason {
                    s += " (\(r))"
                }
                s += "\n"
            }
            for c in dispatchChanges[block.dispatches] {
                let scope = c.scope.isEmpty ? "" : " [\(c.scope)]"
                let mark = c.kind == .added ? "+" : c.kind == .removed ? "-" : "~"
                s += "  \(mark) \(c.kind.rawValue)\(scope): \(c.summary)\n"
                for f in c.fields {
                    if f.hashed {
                        s +=
                            "      \(f.pointer): hashed value \(f.old == nil ? "added" : f.new == nil ? "removed" : "changed")\n"
                    } else {
                        s +=
                            "      \(f.pointer): \(f.old.map(writer.string) ?? "(none)") -> \(f.new.map(writer.string) ?? "(none)")\n"
                    }
                }
            }
        }
        guard changed else { return "no changes: \(events) event\(events == 1 ? "" : "s") replayed\n" }
        s += "\nsummary:\n"
        let rows = table
        if !rows.isEmpty {
            let width = max(4, rows.map(\.rule.count).max() ?? 4)
            let destWidth = max(11, rows.map(\.destination.count).max() ?? 11)
            func pad(_ t: String, _ w: Int) -> String { t + String(repeating: " ", count: max(0, w - t.count)) }
            s += "  " + pad("rule", width) + "  " + pad("destination", destWidth) + "  added  removed  changed\n"
            for r in rows {
                s += "  " + pad(r.rule, width) + "  " + pad(r.destination, destWidth) + "  "
                s += pad("\(r.added)", 5) + "  " + pad("\(r.removed)", 7) + "  \(r.changed)\n"
            }
        }
        for t in transitions { s += "  rule \(t.rule): \(t.change) in \(t.count) event\(t.count == 1 ? "" : "s")\n" }
        s += "\(changedEvents) of \(events) event\(events == 1 ? "" : "s") changed\n"
        return s
    }

    var json: JSONValue {
        func n(_ i: Int) -> JSONValue { .number(Double(i)) }
        let rules: [JSONValue] = ruleChanges.map { c in
            var m: [(String, JSONValue)] = [("event", n(c.event)), ("rule", .string(c.rule))]
            if !c.scope.isEmpty { m.append(("scope", .string(c.scope))) }
            m += [("old", .string(c.old)), ("new", .string(c.new))]
            if let r = c.reason { m.append(("reason", .string(r))) }
            return .object(JSONObject(m))
        }
        let dispatches: [JSONValue] = dispatchChanges.map { c in
            var m: [(String, JSONValue)] = [
                ("event", n(c.event)), ("change", .string(c.kind.rawValue)), ("destination", .string(c.destination)),
                ("rule", .string(c.rule)),
            ]
            if !c.scope.isEmpty { m.append(("scope", .string(c.scope))) }
            m.append(("summary", .string(c.summary)))
            if c.kind == .changed {
                m.append(
                    (
                        "fields",
                        .array(
                            c.fields.map { f in
                                var fm: [(String, JSONValue)] = [("pointer", .string(f.pointer))]
                                if f.hashed {
                                    fm.append(("hashed", true))
                                } else {
                                    if let o = f.old { fm.append(("old", o)) }
                                    if let v = f.new { fm.append(("new", v)) }
                                }
                                return .object(JSONObject(fm))
                            }
                        )
                    )
                )
            }
            return .object(JSONObject(m))
        }
        let summary: [JSONValue] = table.map { r in
            .object(
                JSONObject([
                    ("rule", .string(r.rule)), ("destination", .string(r.destination)), ("added", n(r.added)),
                    ("removed", n(r.removed)), ("changed", n(r.changed)),
                ])
            )
        }
        let outcomeSummary: [JSONValue] = transitions.map {
            .object(JSONObject([("rule", .string($0.rule)), ("change", .string($0.change)), ("events", n($0.count))]))
        }
        return .object(
            JSONObject([
                ("events", n(events)), ("changedEvents", n(changedEvents)), ("rules", .array(rules)),
                ("dispatches", .array(dispatches)), ("summary", .array(summary)),
                ("ruleOutcomes", .array(outcomeSummary)),
            ])
        )
    }
}
