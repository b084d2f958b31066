import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// The ordered, index-based graph of the selection: data elements and extensions by name, rules by `order`
/// then name, references renumbered to the shipped data elements.
struct LowerToGraph: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        guard let selection = unit.selection, !unit.bag.hasErrors else { return }
        unit.graph = unit.lower(selection, library: selection.library.name, environment: unit.environment)
    }
}

extension CompilationUnit {
    func lower(_ selection: Selection, library: String, environment: EnvironmentDefinition?) -> RuleGraph {
        let shipped = selection.dataElements.sorted {
            set.dataElements[$0].name.utf8.lexicographicallyPrecedes(set.dataElements[$1].name.utf8)
        }
        var renumber: [Int: Int] = [:]
        for (newIndex, old) in shipped.enumerated() { renumber[old] = newIndex }

        func remap(_ t: Template) -> Template {
            switch t {
            case .literal: return t
            case .token(let r): return .token(TokenReference(element: renumber[r.element] ?? 0, path: r.path))
            case .text(let parts):
                return .text(
                    parts.map { p in
                        if case .token(let r) = p {
                            return .token(TokenReference(element: renumber[r.element] ?? 0, path: r.path))
                        }
                        return p
                    }
                )
            case .array(let a): return .array(a.map(remap))
            case .object(let m): return .object(m.map { TemplateMember(key: $0.key, value: remap($0.value)) })
            }
        }
        func origin(_ at: FilePointer) -> Origin {
            let loc = sources.locate(at.file, at.pointer)
            return Origin(file: at.file, pointer: at.pointer, line: loc.line ?? 1, column: loc.column ?? 1)
        }

        let des = shipped.map { i -> DataElementNode in
            let d = set.dataElements[i]
            return DataElementNode(
                name: d.name,
                type: d.type,
                settings: remap(dataElements[i].settings),
                defaultValue: d.defaultValue,
                forceLowerCase: d.forceLowerCase,
                cleanText: d.cleanText,
                storageDuration: d.storageDuration?.rawValue,
                origin: origin(d.origin)
            )
        }
        let ruleOrder = selection.rules.sorted { a, b in
            let ra = set.rules[a]
            let rb = set.rules[b]
            if ra.order != rb.order { return ra.order < rb.order }
            return ra.name.utf8.lexicographicallyPrecedes(rb.name.utf8)
        }
        let ruleNodes = ruleOrder.map { r -> RuleNode in
            let rule = set.rules[r]
            let resolved = rules[r]
            func nodes(_ list: [RuleComponent], offset: Int) -> [ComponentNode] {
                list.enumerated().map { k, c in
                    ComponentNode(
                        type: c.type,
                        name: c.name,
                        settings: remap(resolved[offset + k].settings),
                        timeoutMs: c.timeoutMs,
                        negate: c.negate,
                        origin: origin(c.origin)
                    )
                }
            }
            return RuleNode(
                name: rule.name,
                enabled: rule.enabled,
                order: rule.order,
                events: nodes(rule.events, offset: 0),
                conditions: nodes(rule.conditions, offset: rule.events.count),
                actions: nodes(rule.actions, offset: rule.events.count + rule.conditions.count),
                origin: origin(rule.origin)
            )
        }
        let exts = selection.extensions.filter { installed[$0] != nil }.sorted().map { name in
            ExtensionNode(
                name: name,
                settings: remap(extensionSettings[name]?.settings ?? .literal(.object(JSONObject())))
            )
        }
        let secrets = (environment?.secrets ?? []).sorted { $0.name < $1.name }.map { s -> SecretNode in
            switch s.source {
            case .environmentVariable(let v): return SecretNode(name: s.name, environmentVariable: v, file: nil)
            case .file(let f): return SecretNode(name: s.name, environmentVariable: nil, file: f)
            }
        }
        var graph = RuleGraph(
            propertyName: set.property.name,
            platform: set.property.platform.rawValue,
            domains: set.property.domains,
            library: library,
            environment: environment?.name ?? "development",
            stage: environment?.stage.rawValue ?? "development",
            extensions: exts,
            dataElements: des,
            rules: ruleNodes,
            secrets: secrets
        )
        graph.settings = set.property.settings
        return graph
    }
}
