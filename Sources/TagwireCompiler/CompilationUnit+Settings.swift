import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// Settings checked against their contract's types.
extension CompilationUnit {
    mutating func checkSettings(
        _ settings: JSONObject,
        specs: [SettingSpec],
        additional: SettingType?,
        at: FilePointer,
        what: String
    ) {
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
        guard case .string(let s) = v, TokenScanner.mayContainToken(s),
            case .success(let pieces) = TokenScanner.scan(s), pieces.count == 1, case .token = pieces[0]
        else { return false }
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
                error(
                    "compile.setting-type",
                    "setting '\(name)' must be \(type.description), not \(article(v.typeName))",
                    at: at
                )
                return
            }
            if !hasToken(s), !values.contains(s) {
                var notes: [Diagnostic.Note] = []
                if let hint = Suggestions.didYouMean(s, in: values) { notes.append(Diagnostic.Note(hint)) }
                error(
                    "compile.invalid-setting-value",
                    "'\(s)' is not a valid '\(name)'",
                    at: at,
                    notes: notes,
                    help: "expected \(type.description)"
                )
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
                error(
                    "compile.setting-type",
                    "setting '\(name)' must be \(type.description), not \(article(v.typeName))",
                    at: at
                )
                return
            }
            for (i, e) in a.enumerated() { checkValue(e, type: inner, at: at.appending(i), name: "\(name)[\(i)]") }
        default:
            if !conforms(v, type) {
                error(
                    "compile.setting-type",
                    "setting '\(name)' must be \(type.description), not \(article(v.typeName))",
                    at: at
                )
            }
        }
    }
}
