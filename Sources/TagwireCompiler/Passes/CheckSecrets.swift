import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Every setting that names a secret (such as `core.secret`'s `secret`) names one the environment declares, or,
/// when validating, one every environment declares.
struct CheckSecrets: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        // Without one environment to build for (validating, or one that is not defined), every environment.
        let chosen = unit.options.allEnvironments ? nil : unit.environment
        let environments = chosen.map { [$0] } ?? unit.set.environments.sorted { $0.name < $1.name }
        var named: [(secret: String, at: FilePointer)] = []
        func collect(_ resolved: ResolvedComponent, settings: JSONObject, origin: FilePointer) {
            for setting in resolved.contract?.secretSettings ?? [] {
                guard case .string(let secret)? = settings[setting], !TokenScanner.mayContainToken(secret) else {
                    continue
                }
                named.append((secret, origin.appending("settings").appending(setting)))
            }
        }
        for (i, d) in unit.set.dataElements.enumerated() {
            collect(unit.dataElements[i], settings: d.settings, origin: d.origin)
        }
        for (r, rule) in unit.set.rules.enumerated() {
            for (k, c) in (rule.events + rule.conditions + rule.actions).enumerated() {
                collect(unit.rules[r][k], settings: c.settings, origin: c.origin)
            }
        }
        for (secret, at) in named {
            if environments.isEmpty {
                unit.error(
                    "compile.unknown-secret",
                    "secret '\(secret)' is not declared by any environment",
                    at: at,
                    help: "declare it in environments/<name>.json under \"secrets\""
                )
                continue
            }
            for env in environments where !env.secrets.contains(where: { $0.name == secret }) {
                var notes = [
                    Diagnostic.Note(
                        "environment '\(env.name)' is defined here",
                        at: unit.locate(env.origin.appending("name"))
                    )
                ]
                if let hint = Suggestions.didYouMean(secret, in: env.secrets.map(\.name)) {
                    notes.append(Diagnostic.Note(hint))
                }
                unit.error(
                    "compile.unknown-secret",
                    "secret '\(secret)' is not declared by environment '\(env.name)'",
                    at: at,
                    notes: notes,
                    help: "add \"\(secret)\": {\"env\": \"VARIABLE\"} to its \"secrets\""
                )
            }
        }
    }
}
