import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Warnings for an error-free selection: data elements nothing uses, rules without actions, and rules whose
/// condition compares constants that never match.
struct CheckReachability: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        guard let selection = unit.selection else { return }
        // Unused data elements: shipped, but no shipped rule, extension or other used data element reads them.
        var used = Set<Int>()
        for r in selection.rules {
            for c in unit.rules[r] { used.formUnion(unit.closure(of: c.references.map(\.element))) }
        }
        for (name, ext) in unit.extensionSettings where selection.extensions.contains(name) {
            used.formUnion(unit.closure(of: ext.references.map(\.element)))
        }
        for i in selection.dataElements.sorted() where !used.contains(i) {
            let d = unit.set.dataElements[i]
            unit.warning(
                "compile.unused-data-element",
                "data element '\(d.name)' is not used by any rule or extension",
                at: d.origin.appending("name"),
                help: "remove it, or leave it out of library '\(selection.library.name)'"
            )
        }
        for r in selection.rules {
            let rule = unit.set.rules[r]
            guard rule.enabled else { continue }
            if rule.actions.isEmpty {
                unit.warning(
                    "compile.rule-without-actions",
                    "rule '\(rule.name)' has no actions",
                    at: rule.origin.appending("name"),
                    help: "add an action, or disable the rule"
                )
            }
            for (k, c) in rule.conditions.enumerated() {
                let resolved = unit.rules[r][rule.events.count + k]
                guard let decide = resolved.contract?.constantOutcome, case .literal(let settings) = resolved.settings,
                    let met = decide(settings)
                else { continue }
                if met == c.negate {
                    unit.warning(
                        "compile.rule-never-fires",
                        "rule '\(rule.name)' can never fire: condition \(k + 1) compares constants and is always false",
                        at: c.origin,
                        help: "use a data element token as an operand, or remove the rule"
                    )
                    break
                }
            }
        }
    }
}
