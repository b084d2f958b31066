import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// What to compile: which library for which environment.
public struct CompileOptions: Sendable {
    /// The library to build; `nil` picks `main`, else the first by name.
    public var library: String?
    /// The environment to build for; `nil` picks `development`, else the first by name.
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

/// Compiles a loaded property into a ``RuleGraph``, checking it against the contracts of the given extensions.
public enum Compiler {
    /// The passes, in the order they run. Each records diagnostics rather than stopping; the loop stops after a
    /// pass marked `stopsOnErrors` when there are errors by then, since what follows would only echo them.
    static let passes: [any CompilerPass] = [
        IndexSymbols(),
        CheckPropertySettings(),
        CheckExtensions(),
        ResolveComponents(),  // after IndexSymbols: tokens name data elements
        CheckCycles(),  // after ResolveComponents: the references between data elements
        CheckSecretUse(),  // after ResolveComponents: which settings read a secret
        ChooseLibrary(),
        CheckSecrets(),  // after ChooseLibrary: the environment
        SelectResources(),  // after ResolveComponents and ChooseLibrary; stops the table on errors
        // Warnings, for an error-free selection only: an unresolved token would leave its data element unused.
        CheckReachability(),
        LowerToGraph(),
    ]

    /// Compiles one library of a loaded property.
    public static func compile(
        _ load: LoadResult,
        options: CompileOptions = CompileOptions(),
        registry: ExtensionRegistry
    ) -> CompilationResult {
        // Files with errors of their own (an unknown key, say) are still checked against the rest, as long as
        // every file was decoded: a missing one would only cause echoes (its names unknown everywhere).
        guard let set = load.propertySet, !load.diagnostics.hasErrors || load.isComplete else {
            return CompilationResult(graph: nil, diagnostics: load.diagnostics.sorted(), sources: load.sources)
        }
        var unit = CompilationUnit(
            set: set,
            sources: load.sources,
            registry: registry,
            options: options,
            bag: load.diagnostics
        )
        for pass in passes {
            pass.run(&unit)
            if type(of: pass).stopsOnErrors, unit.bag.hasErrors { break }
        }
        let bag = unit.bag
        return CompilationResult(
            graph: bag.hasErrors ? nil : unit.graph,
            diagnostics: bag.sorted(),
            sources: load.sources
        )
    }

    /// Validates a property: every library is compiled, secrets are checked against every environment, and the
    /// diagnostics of all of them are merged without repeats.
    public static func validate(_ load: LoadResult, registry: ExtensionRegistry) -> CompilationResult {
        guard let set = load.propertySet, !load.diagnostics.hasErrors || load.isComplete else {
            return CompilationResult(graph: nil, diagnostics: load.diagnostics.sorted(), sources: load.sources)
        }
        var seen = Set<Diagnostic>()
        var merged = DiagnosticBag()
        for library in set.libraries.map(\.name).sorted() {
            let result = compile(
                load,
                options: CompileOptions(library: library, allEnvironments: true),
                registry: registry
            )
            for d in result.diagnostics where seen.insert(d).inserted { merged.emit(d) }
        }
        return CompilationResult(graph: nil, diagnostics: merged.sorted(), sources: load.sources)
    }
}

/// One step of compilation, working on the ``CompilationUnit`` the passes share; its type names it in the table.
protocol CompilerPass: Sendable {
    /// Whether the passes after this one would only echo the errors found so far.
    static var stopsOnErrors: Bool { get }
    func run(_ unit: inout CompilationUnit)
}

extension CompilerPass {
    static var stopsOnErrors: Bool { false }
}
