import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Names of data elements and installed extensions (the first of each name; the model reports repeats).
struct IndexSymbols: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        for (i, d) in unit.set.dataElements.enumerated() where unit.dataElementIndex[d.name] == nil {
            unit.dataElementIndex[d.name] = i
        }
        for e in unit.set.extensions where unit.installed[e.name] == nil {
            unit.installed[e.name] = e
        }
    }
}
