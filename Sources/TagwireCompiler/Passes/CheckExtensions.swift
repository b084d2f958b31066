import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Every installed extension exists and fits the platform, and its configuration matches its contract and
/// passes the extension's own check.
struct CheckExtensions: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        for e in unit.set.extensions {
            let nameAt = e.origin.appending("name")
            guard let contract = unit.registry.extensions[e.name] else {
                var notes: [Diagnostic.Note] = []
                if let hint = Suggestions.didYouMean(e.name, in: unit.registry.extensions.keys.sorted()) {
                    notes.append(Diagnostic.Note(hint))
                }
                unit.error(
                    "compile.unknown-extension",
                    "extension '\(e.name)' does not exist",
                    at: nameAt,
                    notes: notes,
                    help: "built-in extensions: \(unit.registry.extensions.keys.sorted().joined(separator: ", "))"
                )
                continue
            }
            if e.name == "core" {
                unit.warning(
                    "compile.core-extension-file",
                    "the core extension is always installed and takes no settings",
                    at: nameAt,
                    help: "remove this file"
                )
            }
            if !contract.platforms.contains(unit.platform) {
                unit.error(
                    "compile.platform-mismatch",
                    "extension '\(e.name)' runs on \(contract.platforms.sorted().joined(separator: " and ")) properties, not \(unit.platform)",
                    at: nameAt,
                    help:
                        "remove it, or use it from a \(contract.platforms.sorted().joined(separator: " or ")) property"
                )
            }
            let settingsAt = e.origin.appending("settings")
            unit.checkSettings(
                e.settings,
                specs: contract.configuration,
                additional: nil,
                at: settingsAt,
                what: "extension '\(e.name)'"
            )
            let template = unit.buildTemplate(.object(e.settings), at: settingsAt)
            unit.extensionSettings[e.name] = ResolvedComponent(
                contract: nil,
                settings: template.template,
                references: template.references
            )
            unit.runCheck(contract.check, settings: e.settings, at: settingsAt)
        }
    }

}
