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

/// The state the compiler passes share: the loaded property, the diagnostics so far, and what each pass adds.
struct CompilationUnit {
    let set: PropertySet
    let sources: SourceFiles
    let registry: ExtensionRegistry
    let options: CompileOptions
    var bag: DiagnosticBag
    let platform: String

    /// IndexSymbols: data elements by name, installed extensions by name.
    var dataElementIndex: [String: Int] = [:]
    var installed: [String: ExtensionConfiguration] = [:]
    /// CheckExtensions: each installed extension's settings as a template.
    var extensionSettings: [String: ResolvedComponent] = [:]
    /// ResolveComponents: by data element, and per rule its events, conditions, actions.
    var dataElements: [ResolvedComponent] = []
    var rules: [[ResolvedComponent]] = []
    /// CheckCycles: data element indices in a cycle (they are not lowered).
    var cyclic: Set<Int> = []
    /// ChooseLibrary.
    var library: LibraryDefinition?
    var environment: EnvironmentDefinition?
    /// SelectResources.
    var selection: Selection?
    /// LowerToGraph.
    var graph: RuleGraph?

    init(
        set: PropertySet,
        sources: SourceFiles,
        registry: ExtensionRegistry,
        options: CompileOptions,
        bag: DiagnosticBag
    ) {
        self.set = set
        self.sources = sources
        self.registry = registry
        self.options = options
        self.bag = bag
        self.platform = set.property.platform.rawValue
    }

    // MARK: diagnostics

    func locate(_ at: FilePointer, key: Bool = false) -> SourceLocation {
        sources.locate(at.file, at.pointer, key: key)
    }

    mutating func error(
        _ id: String,
        _ message: String,
        at: FilePointer?,
        key: Bool = false,
        notes: [Diagnostic.Note] = [],
        help: String? = nil
    ) {
        bag.emit(Diagnostic(.error, id: id, message, at: at.map { locate($0, key: key) }, notes: notes, help: help))
    }

    mutating func warning(
        _ id: String,
        _ message: String,
        at: FilePointer?,
        key: Bool = false,
        notes: [Diagnostic.Note] = [],
        help: String? = nil
    ) {
        bag.emit(Diagnostic(.warning, id: id, message, at: at.map { locate($0, key: key) }, notes: notes, help: help))
    }

    /// Runs an extension's own check of settings written at `at`, reporting its problems there.
    mutating func runCheck(_ check: (@Sendable (inout SettingsCheck) -> Void)?, settings: JSONObject, at: FilePointer) {
        guard let check else { return }
        var context = SettingsCheck(platform: platform, settings: settings)
        check(&context)
        for p in context.problems {
            let location = p.setting.reduce(at) { $0.appending($1) }
            let notes = p.notes.map { Diagnostic.Note($0) }
            if p.isError {
                error(p.id, p.message, at: location, notes: notes, help: p.help)
            } else {
                warning(p.id, p.message, at: location, notes: notes, help: p.help)
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
}

func article(_ noun: String) -> String {
    if let f = noun.first, "aeiou".contains(f) { return "an \(noun)" }
    return "a \(noun)"
}
