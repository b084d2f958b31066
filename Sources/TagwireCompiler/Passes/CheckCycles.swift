import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Data elements that reference each other in a loop: each cycle reported once, its members left out of the graph.
struct CheckCycles: CompilerPass {
    func run(_ unit: inout CompilationUnit) {
        let n = unit.dataElements.count
        var state = [UInt8](repeating: 0, count: n)  // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        let order = (0..<n).sorted { unit.set.dataElements[$0].name < unit.set.dataElements[$1].name }
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
                        let names = (cycle + [j]).map { "'\(unit.set.dataElements[$0].name)'" }.joined(
                            separator: " -> "
                        )
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
        for i in order where state[i] == 0 { visit(i, &unit) }
    }

}
