import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// The library to build (`main`, else the first by name) and the environment to build for (`development`, else
/// the first by name), or the ones the options name.
struct ChooseLibrary: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        unit.library = unit.chooseLibrary(unit.options.library)
        unit.environment = unit.chooseEnvironment(unit.options.environment)
    }
}

extension CompilationUnit {
    mutating func chooseLibrary(_ name: String?) -> LibraryDefinition? {
        if let name {
            if let l = set.libraries.first(where: { $0.name == name }) { return l }
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(name, in: set.libraries.map(\.name)) {
                notes.append(Diagnostic.Note(hint))
            }
            error(
                "compile.unknown-library",
                "library '\(name)' is not defined",
                at: nil,
                notes: notes,
                help: "libraries: \(set.libraries.map(\.name).sorted().joined(separator: ", "))"
            )
            return nil
        }
        return set.libraries.first { $0.name == "main" } ?? set.libraries.sorted { $0.name < $1.name }.first
    }

    mutating func chooseEnvironment(_ name: String?) -> EnvironmentDefinition? {
        if let name {
            if let e = set.environments.first(where: { $0.name == name }) { return e }
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(name, in: set.environments.map(\.name)) {
                notes.append(Diagnostic.Note(hint))
            }
            error(
                "compile.unknown-environment",
                "environment '\(name)' is not defined",
                at: nil,
                notes: notes,
                help: set.environments.isEmpty
                    ? "add environments/\(name).json"
                    : "environments: \(set.environments.map(\.name).sorted().joined(separator: ", "))"
            )
            return nil
        }
        return set.environments.first { $0.name == "development" }
            ?? set.environments.sorted { $0.name < $1.name }.first
    }
}
