import TagwireIR
import TagwireJSON
import TagwireRuntime

/// What the cases of a `tagwire test` run exercised of one property: rules that fired, conditions evaluated,
/// actions run, and data elements read by a condition or action that ran (directly, through another data element,
/// or through the settings of the extension whose action ran).
struct Coverage {
    let name: String
    let graph: RuleGraph
    private var firedRules = Set<Int>()
    private var conditions = Set<[Int]>()
    private var actions = Set<[Int]>()

    init(name: String, graph: RuleGraph) {
        self.name = name
        self.graph = graph
    }

    mutating func add(_ outcomes: [RuleOutcome]) {
        let index = Dictionary(graph.rules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        for o in outcomes {
            guard let r = index[o.name] else { continue }
            if o.status == .fired { firedRules.insert(r) }
            for k in 0..<min(o.reached.conditions, graph.rules[r].conditions.count) { conditions.insert([r, k]) }
            for k in 0..<min(o.reached.actions, graph.rules[r].actions.count) { actions.insert([r, k]) }
        }
    }

    /// Data element indices read by what ran.
    private var dataElements: Set<Int> {
        var pending: [TokenReference] = []
        var extensions = Set<String>()
        for c in conditions { pending += graph.rules[c[0]].conditions[c[1]].settings.references }
        for a in actions {
            let action = graph.rules[a[0]].actions[a[1]]
            pending += action.settings.references
            extensions.insert(String(action.type.prefix { $0 != "." }))
        }
        for e in graph.extensions where extensions.contains(e.name) { pending += e.settings.references }
        var seen = Set<Int>()
        while let r = pending.popLast() {
            guard graph.dataElements.indices.contains(r.element), seen.insert(r.element).inserted else { continue }
            pending += graph.dataElements[r.element].settings.references
        }
        return seen
    }

    struct Report {
        var covered: Int
        var total: Int
        /// What nothing exercised, as `kind: name` lines.
        var missed: [String]
        var percent: Double { total == 0 ? 100 : Double(covered) * 100 / Double(total) }
    }

    var report: Report {
        var missed: [String] = []
        var covered = 0
        var total = 0
        for (r, rule) in graph.rules.enumerated() {
            total += 1
            if firedRules.contains(r) { covered += 1 } else { missed.append("rule '\(rule.name)' never fired") }
            for (k, c) in rule.conditions.enumerated() {
                total += 1
                if conditions.contains([r, k]) {
                    covered += 1
                } else {
                    missed.append("condition \(k + 1) (\(c.displayName)) of rule '\(rule.name)' never evaluated")
                }
            }
            for (k, a) in rule.actions.enumerated() {
                total += 1
                if actions.contains([r, k]) {
                    covered += 1
                } else {
                    missed.append("action \(k + 1) (\(a.displayName)) of rule '\(rule.name)' never ran")
                }
            }
        }
        let read = dataElements
        for (i, d) in graph.dataElements.enumerated() {
            total += 1
            if read.contains(i) { covered += 1 } else { missed.append("data element '\(d.name)' never read") }
        }
        return Report(covered: covered, total: total, missed: missed)
    }
}
