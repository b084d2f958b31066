import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// A component (or data element) after resolution: its contract, its settings as a template with references by
/// full data element index, and the data elements it needs.
struct ResolvedComponent {
    var contract: ComponentContract?
    var settings: Template
    /// Indices into `set.dataElements` that the settings reference directly, with where.
    var references: [(element: Int, at: FilePointer)]
}

/// What a library ships, by index into the property set.
struct Selection {
    var library: LibraryDefinition
    var rules: [Int]
    var dataElements: Set<Int>
    var extensions: Set<String>
}

/// The state the compiler passes share.
struct CompilationUnit {
    let set: PropertySet
    let sources: SourceFiles
    let registry: ExtensionRegistry
    var bag: DiagnosticBag
    let platform: String

    var dataElementIndex: [String: Int] = [:]
    var installed: [String: ExtensionConfiguration] = [:]
    var extensionSettings: [String: ResolvedComponent] = [:]
    var dataElements: [ResolvedComponent] = []
    /// Per rule: events, conditions, actions.
    var rules: [[ResolvedComponent]] = []
    /// Data element indices in a cycle (they are not lowered).
    var cyclic: Set<Int> = []

    init(set: PropertySet, sources: SourceFiles, registry: ExtensionRegistry, bag: DiagnosticBag) {
        self.set = set
        self.sources = sources
        self.registry = registry
        self.bag = bag
        self.platform = set.property.platform.rawValue
    }

    // MARK: diagnostics

    func locate(_ at: FilePointer, key: Bool = false) -> SourceLocation {
        sources.locate(at.file, at.pointer, key: key)
    }

    mutating func error(_ id: String, _ message: String, at: FilePointer?, key: Bool = false, notes: [Diagnostic.Note] = [], help: String? = nil) {
        bag.emit(Diagnostic(.error, id: id, message, at: at.map { locate($0, key: key) }, notes: notes, help: help))
    }

    mutating func warning(_ id: String, _ message: String, at: FilePointer?, key: Bool = false, notes: [Diagnostic.Note] = [], help: String? = nil) {
        bag.emit(Diagnostic(.warning, id: id, message, at: at.map { locate($0, key: key) }, notes: notes, help: help))
    }

    // MARK: 1. IndexSymbols

    mutating func indexSymbols() {
        for (i, d) in set.dataElements.enumerated() where dataElementIndex[d.name] == nil {
            dataElementIndex[d.name] = i
        }
        for e in set.extensions where installed[e.name] == nil {
            installed[e.name] = e
        }
    }

    // MARK: 2. CheckExtensions

    mutating func checkExtensions() {
        for e in set.extensions {
            let nameAt = e.origin.appending("name")
            guard let contract = registry.extensions[e.name] else {
                var notes: [Diagnostic.Note] = []
                if let hint = Suggestions.didYouMean(e.name, in: registry.extensions.keys.sorted()) { notes.append(Diagnostic.Note(hint)) }
                error(
                    "compile.unknown-extension",
                    "extension '\(e.name)' does not exist",
                    at: nameAt,
                    notes: notes,
                    help: "built-in extensions: \(registry.extensions.keys.sorted().joined(separator: ", "))"
                )
                continue
            }
            if e.name == "core" {
                warning("compile.core-extension-file", "the core extension is always installed and takes no settings", at: nameAt, help: "remove this file")
            }
            if !contract.platforms.contains(platform) {
                error(
                    "compile.platform-mismatch",
                    "extension '\(e.name)' runs on \(contract.platforms.sorted().joined(separator: " and ")) properties, not \(platform)",
                    at: nameAt,
                    help: "remove it, or use it from a \(contract.platforms.sorted().joined(separator: " or ")) property"
                )
            }
            let settingsAt = e.origin.appending("settings")
            checkSettings(e.settings, specs: contract.configuration, additional: nil, at: settingsAt, what: "extension '\(e.name)'")
            let template = buildTemplate(.object(e.settings), at: settingsAt)
            extensionSettings[e.name] = ResolvedComponent(contract: nil, settings: template.template, references: template.references)
            if e.name == "meta-capi", case .string(let token)? = e.settings["accessToken"], !TokenScanner.mayContainToken(token) {
                warning(
                    "compile.secret-in-clear",
                    "'accessToken' is written in clear in a property file",
                    at: settingsAt.appending("accessToken"),
                    help: "declare the token as a secret of each environment and refer to it with a core.secret data element"
                )
            }
        }
    }

    // MARK: 3. ResolveComponents

    mutating func resolveComponents() {
        dataElements = set.dataElements.map { d in
            resolve(type: d.type, settings: d.settings, origin: d.origin, expected: .dataElement, what: { _ in "data element '\(d.name)'" })
        }
        rules = set.rules.map { rule in
            (rule.events + rule.conditions + rule.actions).map { c in
                resolve(type: c.type, settings: c.settings, origin: c.origin, expected: kind(of: c.role), what: { "'\($0.type)'" })
            }
        }
    }

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
            checkSettings(settings, specs: contract.settings, additional: contract.additionalSettings ? .any : nil, at: settingsAt, what: what(contract))
            checkSpecifics(contract.type, settings: settings, at: settingsAt)
        }
        let t = buildTemplate(.object(settings), at: settingsAt)
        return ResolvedComponent(contract: contract, settings: t.template, references: t.references)
    }

    func kind(of role: ComponentRole) -> ComponentKind {
        switch role {
        case .event: return .event
        case .condition: return .condition
        case .action: return .action
        }
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
            error("compile.unknown-extension", "extension '\(ext)' of type '\(type)' does not exist", at: at, notes: notes,
                  help: "built-in extensions: \(registry.extensions.keys.sorted().joined(separator: ", "))")
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
                help: candidates.isEmpty ? nil : "\(expected.rawValue) types of '\(ext)': \(candidates.sorted().joined(separator: ", "))"
            )
            return nil
        }
        if contract.kind != expected {
            error(
                "compile.wrong-kind",
                "'\(type)' is \(article(contract.kind.rawValue)), not \(article(expected.rawValue))",
                at: at,
                help: contract.kind == .dataElement ? "data elements live in data-elements/; read one with a {{token}}" : "move it to the rule's '\(contract.kind.rawValue)s'"
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

    // MARK: settings contracts

    mutating func checkSettings(_ settings: JSONObject, specs: [SettingSpec], additional: SettingType?, at: FilePointer, what: String) {
        let names = specs.map(\.name)
        for key in settings.keys where !names.contains(key) {
            if let additional {
                checkValue(settings[key] ?? .null, type: additional, at: at.appending(key), name: key)
                continue
            }
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(key, in: names) { notes.append(Diagnostic.Note(hint)) }
            error(
                "compile.unknown-setting",
                "\(what) has no setting '\(key)'",
                at: at.appending(key),
                key: true,
                notes: notes,
                help: names.isEmpty ? "it takes no settings" : "settings: \(names.joined(separator: ", "))"
            )
        }
        for spec in specs {
            guard let v = settings[spec.name] else {
                if spec.required {
                    error(
                        "compile.missing-setting",
                        "\(what) is missing required setting '\(spec.name)'",
                        at: at,
                        help: "add \"\(spec.name)\": \(example(spec.type))"
                    )
                }
                continue
            }
            checkValue(v, type: spec.type, at: at.appending(spec.name), name: spec.name)
        }
    }

    func example(_ t: SettingType) -> String {
        switch t {
        case .string, .any: return "\"...\""
        case .number, .integer: return "0"
        case .boolean: return "true"
        case .enumeration(let values): return "\"\(values.first ?? "")\""
        case .object: return "{...}"
        case .array: return "[...]"
        case .oneOf(let ts): return ts.first.map(example) ?? "\"...\""
        }
    }

    /// Whether a string is exactly one `{{token}}` (its type is known only at run time).
    func isSingleToken(_ v: JSONValue) -> Bool {
        guard case .string(let s) = v, TokenScanner.mayContainToken(s), case .success(let pieces) = TokenScanner.scan(s), pieces.count == 1, case .token = pieces[0] else { return false }
        return true
    }

    func hasToken(_ s: String) -> Bool { TokenScanner.mayContainToken(s) }

    func conforms(_ v: JSONValue, _ t: SettingType) -> Bool {
        if isSingleToken(v) { return true }
        switch t {
        case .any: return true
        case .string: return v.stringValue != nil
        case .number: return v.numberValue != nil
        case .integer: return v.numberValue.map { $0.rounded() == $0 } ?? false
        case .boolean: return v.boolValue != nil
        case .enumeration(let values):
            guard let s = v.stringValue else { return false }
            return hasToken(s) || values.contains(s)
        case .object: return v.objectValue != nil
        case .array(let inner): return v.arrayValue?.allSatisfy { conforms($0, inner) } ?? false
        case .oneOf(let ts): return ts.contains { conforms(v, $0) }
        }
    }

    mutating func checkValue(_ v: JSONValue, type: SettingType, at: FilePointer, name: String) {
        if isSingleToken(v) { return }
        switch type {
        case .enumeration(let values):
            guard case .string(let s) = v else {
                error("compile.setting-type", "setting '\(name)' must be \(type.description), not \(article(v.typeName))", at: at)
                return
            }
            if !hasToken(s), !values.contains(s) {
                var notes: [Diagnostic.Note] = []
                if let hint = Suggestions.didYouMean(s, in: values) { notes.append(Diagnostic.Note(hint)) }
                error("compile.invalid-setting-value", "'\(s)' is not a valid '\(name)'", at: at, notes: notes, help: "expected \(type.description)")
            }
        case .object(let fields, let additional):
            guard case .object(let o) = v else {
                error("compile.setting-type", "setting '\(name)' must be an object, not \(article(v.typeName))", at: at)
                return
            }
            if !fields.isEmpty || additional != nil {
                checkSettings(o, specs: fields, additional: additional, at: at, what: "setting '\(name)'")
            }
        case .array(let inner):
            guard case .array(let a) = v else {
                error("compile.setting-type", "setting '\(name)' must be \(type.description), not \(article(v.typeName))", at: at)
                return
            }
            for (i, e) in a.enumerated() { checkValue(e, type: inner, at: at.appending(i), name: "\(name)[\(i)]") }
        default:
            if !conforms(v, type) {
                error("compile.setting-type", "setting '\(name)' must be \(type.description), not \(article(v.typeName))", at: at)
            }
        }
    }

    // MARK: type-specific checks

    static let webRoots = ["window", "event"]
    static let edgeRoots = ["arc.event.xdm", "arc.event.data", "arc.event", "arc.request", "arc.ruleStash"]

    mutating func checkSpecifics(_ type: String, settings: JSONObject, at: FilePointer) {
        switch type {
        case "core.path":
            guard case .string(let path)? = settings["path"], !hasToken(path) else { return }
            checkPath(path, at: at.appending("path"))
        case "core.value-comparison", "core.conditional-value":
            guard case .object(let comparison)? = settings["comparison"], case .string(let op)? = comparison["operator"] else { return }
            if ValueComparison.needsRightOperand(op), settings["rightOperand"] == nil {
                error(
                    "compile.missing-setting",
                    "operator '\(op)' needs a 'rightOperand'",
                    at: at,
                    help: "add \"rightOperand\", or use an operator without one (isTrue, isFalse, isTruthy, isFalsy)"
                )
            }
            if ValueComparison.isRegex(op), case .string(let pattern)? = settings["rightOperand"], !hasToken(pattern) {
                let ci = comparison["caseInsensitive"]?.boolValue ?? false
                if case .failure = ValueComparison.compile(pattern, caseInsensitive: ci) {
                    error("compile.invalid-regex", "'\(pattern)' is not a valid regular expression", at: at.appending("rightOperand"))
                }
            }
        case "core.click", "core.custom-event":
            guard case .string(let selector)? = settings["elementSelector"] else { return }
            if hasToken(selector) {
                error("compile.invalid-selector", "element selectors cannot contain data element tokens", at: at.appending("elementSelector"))
                return
            }
            if case .failure(let e) = Selector.parse(selector) {
                error(
                    "compile.invalid-selector",
                    "selector '\(selector)' is not supported: \(e.message)",
                    at: at.appending("elementSelector"),
                    help: "supported: tag, #id, .class, [attr], [attr=value], descendant and '>' combinators"
                )
            }
        case "core.generate-event-id":
            guard platform == "web", case .string(let path)? = settings["path"], !hasToken(path) else { return }
            if !path.hasPrefix("window.") || path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                error("compile.invalid-path", "'\(path)' is not a page-state path", at: at.appending("path"), help: "write a dotted path under window, such as window.dataLayer.meta.conversionData.eventId")
            }
        case "core.random-number":
            if case .number(let lo)? = settings["min"], case .number(let hi)? = settings["max"], lo > hi {
                error("compile.invalid-setting-value", "'min' (\(Coercion.numberText(lo))) is greater than 'max' (\(Coercion.numberText(hi)))", at: at.appending("min"))
            }
        default:
            break
        }
    }

    mutating func checkPath(_ path: String, at: FilePointer) {
        let roots = platform == "web" ? CompilationUnit.webRoots : CompilationUnit.edgeRoots
        let segments = path.split(separator: ".", omittingEmptySubsequences: false)
        let rootOK = roots.contains { path == $0 || path.hasPrefix($0 + ".") }
        if !rootOK {
            var notes: [Diagnostic.Note] = []
            if let first = segments.first, let hint = Suggestions.didYouMean(String(first), in: roots) { notes.append(Diagnostic.Note(hint)) }
            error(
                "compile.invalid-path",
                "path '\(path)' does not start with a \(platform) root",
                at: at,
                notes: notes,
                help: "\(platform) paths start with \(roots.joined(separator: ", "))"
            )
        } else if segments.contains(where: \.isEmpty) {
            error("compile.invalid-path", "path '\(path)' has an empty segment", at: at, help: "write segments separated by single dots, such as window.dataLayer.meta")
        }
    }

    // MARK: templates

    /// Parses every string of a settings value into a template, resolving tokens to data element indices.
    mutating func buildTemplate(_ value: JSONValue, at: FilePointer) -> (template: Template, references: [(element: Int, at: FilePointer)]) {
        var refs: [(Int, FilePointer)] = []
        let t = template(value, at: at, refs: &refs)
        return (t, refs)
    }

    private mutating func template(_ value: JSONValue, at: FilePointer, refs: inout [(Int, FilePointer)]) -> Template {
        switch value {
        case .string(let s):
            guard TokenScanner.mayContainToken(s) else { return .literal(value) }
            switch TokenScanner.scan(s) {
            case .failure(let m):
                error("compile.malformed-token", m.message, at: at, help: "tokens look like {{Data Element Name}}")
                return .literal(value)
            case .success(let pieces):
                var parts: [TextPart] = []
                for p in pieces {
                    switch p {
                    case .literal(let text): parts.append(.literal(text))
                    case .token(let name):
                        guard let ref = resolveToken(name, at: at) else {
                            parts.append(.literal(""))
                            continue
                        }
                        refs.append((ref.element, at))
                        parts.append(.token(ref))
                    }
                }
                if parts.count == 1, case .token(let r) = parts[0] { return .token(r) }
                return .text(parts)
            }
        case .array(let a):
            let items = a.enumerated().map { template($1, at: at.appending($0), refs: &refs) }
            if items.allSatisfy(\.isLiteral) { return .literal(value) }
            return .array(items)
        case .object(let o):
            let members = o.map { TemplateMember(key: $0.key, value: template($0.value, at: at.appending($0.key), refs: &refs)) }
            if members.allSatisfy(\.value.isLiteral) { return .literal(value) }
            return .object(members)
        default:
            return .literal(value)
        }
    }

    /// `Name.a.b`: the longest dotted prefix naming a data element wins; the rest is a path into its value.
    mutating func resolveToken(_ name: String, at: FilePointer) -> TokenReference? {
        if let i = dataElementIndex[name] { return TokenReference(element: i, path: []) }
        var segments = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var path: [String] = []
        while segments.count > 1 {
            path.insert(segments.removeLast(), at: 0)
            if let i = dataElementIndex[segments.joined(separator: ".")] {
                return TokenReference(element: i, path: path)
            }
        }
        var notes: [Diagnostic.Note] = []
        if let best = Suggestions.closest(to: name, in: dataElementIndex.keys).first
            ?? Suggestions.closest(to: String(name.split(separator: ".").first ?? ""), in: dataElementIndex.keys).first,
            let i = dataElementIndex[best]
        {
            notes.append(Diagnostic.Note("did you mean '\(best)'?", at: locate(set.dataElements[i].origin.appending("name"))))
        }
        error("compile.unresolved-reference", "data element '\(name)' is not defined", at: at, notes: notes)
        return nil
    }

    // MARK: 4. CheckCycles

    mutating func checkCycles() {
        let n = dataElements.count
        var state = [UInt8](repeating: 0, count: n)  // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        let order = (0..<n).sorted { set.dataElements[$0].name < set.dataElements[$1].name }
        var reported = Set<[Int]>()

        func visit(_ i: Int, _ unit: inout CompilationUnit) {
            state[i] = 1
            stack.append(i)
            for (j, at) in unit.dataElements[i].references {
                if state[j] == 1 {
                    guard let start = stack.firstIndex(of: j) else { continue }
                    let cycle = Array(stack[start...])
                    let key = cycle.sorted()
                    if reported.insert(key).inserted {
                        for k in cycle { unit.cyclic.insert(k) }
                        let names = (cycle + [j]).map { "'\(unit.set.dataElements[$0].name)'" }.joined(separator: " -> ")
                        unit.error(
                            "compile.reference-cycle",
                            "data elements reference each other in a cycle: \(names)",
                            at: at,
                            help: "break the cycle so that no data element depends on itself"
                        )
                    }
                } else if state[j] == 0 {
                    visit(j, &unit)
                }
            }
            stack.removeLast()
            state[i] = 2
        }
        for i in order where state[i] == 0 { visit(i, &self) }
    }

    // MARK: 5. Libraries, environments, secrets

    mutating func chooseLibrary(_ name: String?) -> LibraryDefinition? {
        if let name {
            if let l = set.libraries.first(where: { $0.name == name }) { return l }
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(name, in: set.libraries.map(\.name)) { notes.append(Diagnostic.Note(hint)) }
            error("compile.unknown-library", "library '\(name)' is not defined", at: nil, notes: notes,
                  help: "libraries: \(set.libraries.map(\.name).sorted().joined(separator: ", "))")
            return nil
        }
        return set.libraries.first { $0.name == "main" } ?? set.libraries.sorted { $0.name < $1.name }.first
    }

    mutating func chooseEnvironment(_ name: String?) -> EnvironmentDefinition? {
        if let name {
            if let e = set.environments.first(where: { $0.name == name }) { return e }
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(name, in: set.environments.map(\.name)) { notes.append(Diagnostic.Note(hint)) }
            error("compile.unknown-environment", "environment '\(name)' is not defined", at: nil, notes: notes,
                  help: set.environments.isEmpty ? "add environments/\(name).json" : "environments: \(set.environments.map(\.name).sorted().joined(separator: ", "))")
            return nil
        }
        return set.environments.first { $0.name == "development" } ?? set.environments.sorted { $0.name < $1.name }.first
    }

    /// Every `core.secret` data element must name a secret of the environment (or of every environment).
    mutating func checkSecrets(environment: EnvironmentDefinition?) {
        let environments = environment.map { [$0] } ?? set.environments.sorted { $0.name < $1.name }
        for (i, d) in set.dataElements.enumerated() where d.type == "core.secret" {
            guard case .string(let secret)? = d.settings["secret"], !TokenScanner.mayContainToken(secret) else { continue }
            _ = i
            let at = d.origin.appending("settings").appending("secret")
            if environments.isEmpty {
                error("compile.unknown-secret", "secret '\(secret)' is not declared by any environment", at: at,
                      help: "declare it in environments/<name>.json under \"secrets\"")
                continue
            }
            for env in environments where !env.secrets.contains(where: { $0.name == secret }) {
                var notes = [Diagnostic.Note("environment '\(env.name)' is defined here", at: locate(env.origin.appending("name")))]
                if let hint = Suggestions.didYouMean(secret, in: env.secrets.map(\.name)) { notes.append(Diagnostic.Note(hint)) }
                error(
                    "compile.unknown-secret",
                    "secret '\(secret)' is not declared by environment '\(env.name)'",
                    at: at,
                    notes: notes,
                    help: "add \"\(secret)\": {\"env\": \"VARIABLE\"} to its \"secrets\""
                )
            }
        }
    }

    /// The data elements a component needs, transitively.
    func closure(of direct: [Int]) -> Set<Int> {
        var seen = Set<Int>()
        var work = direct
        while let i = work.popLast() {
            guard seen.insert(i).inserted else { continue }
            for (j, _) in dataElements[i].references where !seen.contains(j) { work.append(j) }
        }
        return seen
    }

    func extensionName(_ type: String) -> String { String(type.split(separator: ".").first ?? "") }

    mutating func selectResources(_ library: LibraryDefinition) -> Selection {
        let ruleNames = Dictionary(set.rules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        switch library.resources {
        case .all:
            var extensions = Set(installed.keys)
            extensions.insert("core")
            return Selection(library: library, rules: Array(set.rules.indices), dataElements: Set(set.dataElements.indices), extensions: extensions)
        case .selected(let ruleRefs, let deRefs, let extRefs):
            var ruleSet: [Int] = []
            for r in ruleRefs {
                if let i = ruleNames[r.name] { ruleSet.append(i) } else {
                    unknownResource("rule", r, candidates: ruleNames.keys)
                }
            }
            if ruleRefs.isEmpty { ruleSet = Array(set.rules.indices) }
            var deSet = Set<Int>()
            for r in deRefs {
                if let i = dataElementIndex[r.name] { deSet.insert(i) } else {
                    unknownResource("data element", r, candidates: dataElementIndex.keys)
                }
            }
            var extSet: Set<String> = ["core"]
            for r in extRefs {
                if installed[r.name] != nil || r.name == "core" { extSet.insert(r.name) } else {
                    unknownResource("extension", r, candidates: installed.keys)
                }
            }
            // Needs of the shipped rules.
            var neededDEs: [(rule: Int, element: Int, at: FilePointer)] = []
            var neededExts: [(rule: Int, ext: String, at: FilePointer)] = []
            for r in ruleSet {
                let rule = set.rules[r]
                let comps = rule.events + rule.conditions + rule.actions
                for (k, rc) in rules[r].enumerated() {
                    for (e, at) in rc.references {
                        for j in closure(of: [e]) { neededDEs.append((r, j, at)) }
                    }
                    neededExts.append((r, extensionName(comps[k].type), comps[k].origin.appending("type")))
                }
            }
            if deRefs.isEmpty {
                deSet = Set(neededDEs.map(\.element))
                for (_, ext) in extensionSettings { deSet.formUnion(closure(of: ext.references.map(\.element))) }
            }
            if extRefs.isEmpty {
                extSet.formUnion(neededExts.map(\.ext).filter { installed[$0] != nil })
            }
            var reported = Set<String>()
            let libraryNote = Diagnostic.Note("library '\(library.name)' is defined here", at: locate(library.origin.appending("name")))
            for need in neededDEs where !deSet.contains(need.element) {
                let ruleName = set.rules[need.rule].name
                let deName = set.dataElements[need.element].name
                guard reported.insert("\(ruleName)\u{0}\(deName)").inserted else { continue }
                error(
                    "compile.library-missing-resource",
                    "rule '\(ruleName)' needs data element '\(deName)', which library '\(library.name)' leaves out",
                    at: need.at,
                    notes: [libraryNote],
                    help: "add '\(deName)' to the library's dataElements, or leave out rule '\(ruleName)'"
                )
            }
            for need in neededExts where !extSet.contains(need.ext) && installed[need.ext] != nil {
                let ruleName = set.rules[need.rule].name
                guard reported.insert("\(ruleName)\u{0}ext:\(need.ext)").inserted else { continue }
                error(
                    "compile.library-missing-resource",
                    "rule '\(ruleName)' needs extension '\(need.ext)', which library '\(library.name)' leaves out",
                    at: need.at,
                    notes: [libraryNote],
                    help: "add '\(need.ext)' to the library's extensions, or leave out rule '\(ruleName)'"
                )
            }
            return Selection(library: library, rules: ruleSet, dataElements: deSet, extensions: extSet)
        }
    }

    mutating func unknownResource<S: Sequence>(_ kind: String, _ ref: NameReference, candidates: S) where S.Element == String {
        var notes: [Diagnostic.Note] = []
        if let hint = Suggestions.didYouMean(ref.name, in: candidates) { notes.append(Diagnostic.Note(hint)) }
        error("compile.unknown-resource", "library lists \(kind) '\(ref.name)', which is not defined", at: ref.origin, notes: notes)
    }

    // MARK: 6. CheckReachability

    mutating func checkReachability(_ selection: Selection) {
        // Unused data elements: shipped, but no shipped rule, extension or other used data element reads them.
        var used = Set<Int>()
        for r in selection.rules {
            for c in rules[r] { used.formUnion(closure(of: c.references.map(\.element))) }
        }
        for (name, ext) in extensionSettings where selection.extensions.contains(name) {
            used.formUnion(closure(of: ext.references.map(\.element)))
        }
        for i in selection.dataElements.sorted() where !used.contains(i) {
            let d = set.dataElements[i]
            warning(
                "compile.unused-data-element",
                "data element '\(d.name)' is not used by any rule or extension",
                at: d.origin.appending("name"),
                help: "remove it, or leave it out of library '\(selection.library.name)'"
            )
        }
        for r in selection.rules {
            let rule = set.rules[r]
            guard rule.enabled else { continue }
            if rule.actions.isEmpty {
                warning("compile.rule-without-actions", "rule '\(rule.name)' has no actions", at: rule.origin.appending("name"), help: "add an action, or disable the rule")
            }
            for (k, c) in rule.conditions.enumerated() where c.type == "core.value-comparison" {
                let resolved = rules[r][rule.events.count + k]
                guard case .literal(let settings) = resolved.settings,
                    case .string(let op)? = settings["comparison"]?["operator"]
                else { continue }
                let ci = settings["comparison"]?["caseInsensitive"]?.boolValue ?? false
                guard case .result(let met) = ValueComparison.evaluate(op, left: settings["leftOperand"], right: settings["rightOperand"], caseInsensitive: ci) else { continue }
                if met == c.negate {
                    warning(
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

func article(_ noun: String) -> String {
    if let f = noun.first, "aeiou".contains(f) { return "an \(noun)" }
    return "a \(noun)"
}
