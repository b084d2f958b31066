import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// The library's selection: its rules, data elements and extensions, with every shipped rule's needs checked
/// against what the library leaves out.
struct SelectResources: CompilerPass {
    static let stopsOnErrors = true

    func run(_ unit: inout CompilationUnit) {
        guard let library = unit.library else { return }
        unit.selection = unit.selectResources(library)
    }
}

extension CompilationUnit {
    func extensionName(_ type: String) -> String { String(type.split(separator: ".").first ?? "") }

    mutating func selectResources(_ library: LibraryDefinition) -> Selection {
        let ruleNames = Dictionary(set.rules.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        switch library.resources {
        case .all:
            var extensions = Set(installed.keys)
            extensions.insert("core")
            return Selection(
                library: library,
                rules: Array(set.rules.indices),
                dataElements: Set(set.dataElements.indices),
                extensions: extensions
            )
        case .selected(let ruleRefs, let deRefs, let extRefs):
            var ruleSet: [Int] = []
            for r in ruleRefs {
                if let i = ruleNames[r.name] {
                    ruleSet.append(i)
                } else {
                    unknownResource("rule", r, candidates: ruleNames.keys)
                }
            }
            if ruleRefs.isEmpty { ruleSet = Array(set.rules.indices) }
            var deSet = Set<Int>()
            for r in deRefs {
                if let i = dataElementIndex[r.name] {
                    deSet.insert(i)
                } else {
                    unknownResource("data element", r, candidates: dataElementIndex.keys)
                }
            }
            var extSet: Set<String> = ["core"]
            for r in extRefs {
                if installed[r.name] != nil || r.name == "core" {
                    extSet.insert(r.name)
                } else {
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
            let libraryNote = Diagnostic.Note(
                "library '\(library.name)' is defined here",
                at: locate(library.origin.appending("name"))
            )
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

    mutating func unknownResource<S: Sequence>(_ kind: String, _ ref: NameReference, candidates: S)
    where S.Element == String {
        var notes: [Diagnostic.Note] = []
        if let hint = Suggestions.didYouMean(ref.name, in: candidates) { notes.append(Diagnostic.Note(hint)) }
        error(
            "compile.unknown-resource",
            "library lists \(kind) '\(ref.name)', which is not defined",
            at: ref.origin,
            notes: notes
        )
    }
}
