import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Settings strings parsed into templates, with tokens resolved to data elements.
extension CompilationUnit {
    /// Parses every string of a settings value into a template, resolving tokens to data element indices.
    mutating func buildTemplate(_ value: JSONValue, at: FilePointer) -> (
        template: Template, references: [(element: Int, at: FilePointer)]
    ) {
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
            let members = o.map {
                TemplateMember(key: $0.key, value: template($0.value, at: at.appending($0.key), refs: &refs))
            }
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
            notes.append(
                Diagnostic.Note("did you mean '\(best)'?", at: locate(set.dataElements[i].origin.appending("name")))
            )
        }
        error("compile.unresolved-reference", "data element '\(name)' is not defined", at: at, notes: notes)
        return nil
    }
}
