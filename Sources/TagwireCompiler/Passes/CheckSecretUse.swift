import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// A secret's value may reach only settings that put it into a request's credentials (an access token, a header):
/// anywhere else it would be printed by `tagwire run`, stored in the outbox, or sent in clear in a payload. A data
/// element reads a secret when it is a `core.secret` or reads such a data element in its settings; conditions may
/// read secrets (their operands are masked in traces and go nowhere).
struct CheckSecretUse: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        var secret = Set(
            unit.set.dataElements.indices.filter { !(unit.dataElements[$0].contract?.secretSettings ?? []).isEmpty }
        )
        // Data elements reading a secret through another, to a fixed point (cycles are reported elsewhere).
        var grew = true
        while grew {
            grew = false
            for i in unit.dataElements.indices where !secret.contains(i) {
                if unit.dataElements[i].references.contains(where: { secret.contains($0.element) }) {
                    secret.insert(i)
                    grew = true
                }
            }
        }
        guard !secret.isEmpty else { return }
        func check(_ resolved: ResolvedComponent, settingsAt: FilePointer, allowed: [String], what: String) {
            let prefix = settingsAt.pointer + "/"
            for r in resolved.references where secret.contains(r.element) {
                guard r.at.pointer.hasPrefix(prefix) else { continue }
                let setting = unescapePointerToken(
                    String(r.at.pointer.dropFirst(prefix.count).prefix { $0 != "/" })
                )
                if allowed.contains(setting) { continue }
                let element = unit.set.dataElements[r.element]
                unit.error(
                    "compile.secret-exposed",
                    "data element '\(element.name)' reads a secret, and \(what) '\(setting)' would send or print it in clear",
                    at: r.at,
                    notes: [
                        Diagnostic.Note(
                            "'\(element.name)' is defined here",
                            at: unit.locate(element.origin.appending("name"))
                        )
                    ],
                    help: allowed.isEmpty
                        ? "secrets may not be used here"
                        : "secrets may be used only in \(allowed.map { "'\($0)'" }.joined(separator: ", "))"
                )
            }
        }
        for (name, resolved) in unit.extensionSettings.sorted(by: { $0.key < $1.key }) {
            guard let e = unit.installed[name] else { continue }
            let allowed = unit.registry.extensions[name]?.credentialSettings ?? []
            check(
                resolved,
                settingsAt: e.origin.appending("settings"),
                allowed: allowed,
                what: "extension '\(name)' setting"
            )
        }
        for (r, rule) in unit.set.rules.enumerated() {
            for (k, c) in (rule.events + rule.conditions + rule.actions).enumerated() {
                let resolved = unit.rules[r][k]
                guard let contract = resolved.contract, contract.kind != .condition else { continue }
                check(
                    resolved,
                    settingsAt: c.origin.appending("settings"),
                    allowed: contract.credentialSettings,
                    what: "'\(contract.type)' setting"
                )
            }
        }
    }
}
