import TagwireDiagnostics
import TagwireJSON

/// The kind of a property file, from its path.
enum FileKind: Equatable {
    case property, `extension`, dataElement, rule, library, environment, misplaced

    static func classify(_ path: String) -> FileKind? {
        if path == "property.json" { return .property }
        let parts = path.split(separator: "/")
        guard parts.count == 2 else { return nil }
        let kind: FileKind
        switch parts[0] {
        case "extensions": kind = .extension
        case "data-elements": kind = .dataElement
        case "rules": kind = .rule
        case "libraries": kind = .library
        case "environments": kind = .environment
        default: return nil
        }
        return parts[1].hasSuffix(".json") ? kind : .misplaced
    }
}
