import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// What to compile: which library for which environment.
public struct CompileOptions: Sendable {
    /// The library to build; `nil` picks `main`, else the first by name.
    public var library: String?
    /// The environment to build for; `nil` picks `development`, else the first by name. When validating, secrets
    /// are checked against every environment instead.
    public var environment: String?
    /// Check secrets against every environment (validation) rather than one.
    public var allEnvironments: Bool

    /// Options with defaults.
    public init(library: String? = nil, environment: String? = nil, allEnvironments: Bool = false) {
        self.library = library
        self.environment = environment
        self.allEnvironments = allEnvironments
    }
}

/// The result of a compilation: the graph when there were no errors, and every diagnostic, sorted.
public struct CompilationResult: Sendable {
    public var graph: RuleGraph?
    public var diagnostics: [Diagnostic]
    public var sources: SourceFiles

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Compiles a loaded property into a ``RuleGraph``.
///
/// The passes run in a fixed order, each recording diagnostics rather than stopping:
/// 1. `IndexSymbols`: names of data elements and installed extensions.
/// 2. `CheckExtensions`: every installed extension exists, fits the platform, and its configuration matches its
///    contract.
/// 3. `ResolveComponents`: each data element and rule component type resolves against the registry, its settings
///    match the contract, and every settings string is parsed into a token template (after 1).
/// 4. `CheckCycles`: data elements that reference each other in a loop (after 3).
/// 5. `SelectResources`: the library's selection, with shipped rules needing left-out resources (after 3).
/// 6. `CheckReachability`: unused data elements and rules that can never fire (warnings; after 3).
/// 7. `LowerToGraph`: the ordered, index-based graph (only when there are no errors).
public enum Compiler {
    /// Compiles one library of a loaded property.
    public static func compile(
        _ load: LoadResult,
        options: CompileOptions = CompileOptions(),
        registry: ExtensionRegistry = .builtIn
    ) -> CompilationResult {
        var bag = load.diagnostics
        guard let set = load.propertySet, !bag.hasErrors else {
            return CompilationResult(graph: nil, diagnostics: bag.sorted(), sources: load.sources)
        }
        var unit = CompilationUnit(set: set, sources: load.sources, registry: registry, bag: bag)
        unit.indexSymbols()
        unit.checkExtensions()
        unit.resolveComponents()
        unit.checkCycles()
        let library = unit.chooseLibrary(options.library)
        let environment = unit.chooseEnvironment(options.environment)
        unit.checkSecrets(environment: options.allEnvironments ? nil : environment)
        var graph: RuleGraph?
        if let library {
            let selection = unit.selectResources(library)
            // Reachability warnings would only echo the errors' consequences (an unresolved token leaves its
            // intended data element unused), so they wait for an error-free property.
            if !unit.bag.hasErrors { unit.checkReachability(selection) }
            if !unit.bag.hasErrors {
                graph = unit.lower(selection, library: library.name, environment: environment)
            }
        }
        bag = unit.bag
        return CompilationResult(graph: bag.hasErrors ? nil : graph, diagnostics: bag.sorted(), sources: load.sources)
    }

    /// Validates a property: every library is compiled, secrets are checked against every environment, and the
    /// diagnostics of all of them are merged without repeats.
    public static func validate(_ load: LoadResult, registry: ExtensionRegistry = .builtIn) -> CompilationResult {
        guard let set = load.propertySet, !load.diagnostics.hasErrors else {
            return CompilationResult(graph: nil, diagnostics: load.diagnostics.sorted(), sources: load.sources)
        }
        var seen = Set<Diagnostic>()
        var merged = DiagnosticBag()
        for library in set.libraries.map(\.name).sorted() {
            let result = compile(load, options: CompileOptions(library: library, allEnvironments: true), registry: registry)
            for d in result.diagnostics where seen.insert(d).inserted { merged.emit(d) }
        }
        return CompilationResult(graph: nil, diagnostics: merged.sorted(), sources: load.sources)
    }
}
