import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Each data element and rule component type resolves against the registry and the installed extensions, its
/// settings match the contract and pass the extension's own check, and every settings string is parsed into a
/// token template.
struct ResolveComponents: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        var dataElements: [ResolvedComponent] = []
        for d in unit.set.dataElements {
            dataElements.append(
                unit.resolve(
                    type: d.type,
                    settings: d.settings,
                    origin: d.origin,
                    expected: .dataElement,
                    what: { _ in "data element '\(d.name)'" }
                )
            )
        }
        unit.dataElements = dataElements
        var rules: [[ResolvedComponent]] = []
        for rule in unit.set.rules {
            var components: [ResolvedComponent] = []
            for c in rule.events + rule.conditions + rule.actions {
                components.append(
                    unit.resolve(
                        type: c.type,
                        settings: c.settings,
                        origin: c.origin,
                        expected: ComponentKind(c.role),
                        what: { "'\($0.type)'" }
                    )
                )
            }
            rules.append(components)
        }
        unit.rules = rules
    }
}

extension ComponentKind {
    init(_ role: ComponentRole) {
        switch role {
        case .event: self = .event
        case .condition: self = .condition
        case .action: self = .action
        }
    }
}

extension CompilationUnit {
    /// Resolves one data element or rule component: its type against the registry, its settings against the
    /// contract, and its settings strings into a template.
    mutating func resolve(
        type: String,
        settings: JSONObject,
        origin: FilePointer,
        expected: ComponentKind,
        what: (ComponentContract) -> String
    ) -> ResolvedComponent {
        let contract = resolveType(type, at: origin.appending("type"), expected: expected)
        let settingsAt = origin.appending("settings")
        if let contract {
            checkSettings(
                settings,
                specs: contract.settings,
                additional: contract.additionalSettings ? .any : nil,
                at: settingsAt,
                what: what(contract)
            )
            runCheck(contract.check, settings: settings, at: settingsAt)
        }
        let t = buildTemplate(.object(settings), at: settingsAt)
        return ResolvedComponent(contract: contract, settings: t.template, references: t.references)
    }

    /// Resolves `<extension>.<delegate>` against the registry and the installed extensions.
    mutating func resolveType(_ type: String, at: FilePointer, expected: ComponentKind) -> ComponentContract? {
        let parts = type.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let ext = parts[0]
        guard registry.extensions[ext] != nil else {
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(ext, in: registry.extensions.keys.sorted()) {
                notes.append(Diagnostic.Note(hint))
            }
            error(
                "compile.unknown-extension",
                "extension '\(ext)' of type '\(type)' does not exist",
                at: at,
                notes: notes,
                help: "built-in extensions: \(registry.extensions.keys.sorted().joined(separator: ", "))"
            )
            return nil
        }
        guard let contract = registry.component(type) else {
            let candidates = registry.componentTypes(of: ext).filter { registry.component($0)?.kind == expected }
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(type, in: candidates) { notes.append(Diagnostic.Note(hint)) }
            error(
                "compile.unknown-type",
                "extension '\(ext)' has no \(expected.rawValue) type '\(type)'",
                at: at,
                notes: notes,
                help: candidates.isEmpty
                    ? nil : "\(expected.rawValue) types of '\(ext)': \(candidates.sorted().joined(separator: ", "))"
            )
            return nil
        }
        if contract.kind != expected {
            error(
                "compile.wrong-kind",
                "'\(type)' is \(article(contract.kind.rawValue)), not \(article(expected.rawValue))",
                at: at,
                help: contract.kind == .dataElement
                    ? "data elements live in data-elements/; read one with a {{token}}"
                    : "move it to the rule's '\(contract.kind.rawValue)s'"
            )
            return nil
        }
        if !contract.platforms.contains(platform) {
            error(
                "compile.platform-mismatch",
                "'\(type)' is available on \(contract.platforms.sorted().joined(separator: " and ")) properties, not \(platform)",
                at: at
            )
            return nil
        }
        if ext != "core", installed[ext] == nil {
            error(
                "compile.extension-not-installed",
                "'\(type)' needs extension '\(ext)', which is not installed",
                at: at,
                help: "add extensions/\(ext).json with {\"name\": \"\(ext)\", \"settings\": {...}}"
            )
            return nil
        }
        return contract
    }

}
