import TagwireDiagnostics
import TagwireJSON

/// Decodes property files from ``JSONValue``s, recording a diagnostic for every problem instead of throwing.
///
/// Each accessor reads one member, checks its type, and returns `nil` (with a diagnostic) when it is missing or
/// wrong, so a single pass reports everything that is wrong with a file.
struct ModelDecoder {
    let sources: SourceFiles
    var bag: DiagnosticBag

    func location(_ at: FilePointer, key: Bool = false) -> SourceLocation {
        sources.locate(at.file, at.pointer, key: key)
    }

    mutating func error(
        _ id: String,
        _ message: String,
        at: FilePointer,
        key: Bool = false,
        notes: [Diagnostic.Note] = [],
        help: String? = nil
    ) {
        bag.emit(Diagnostic(.error, id: id, message, at: location(at, key: key), notes: notes, help: help))
    }

    mutating func warning(_ id: String, _ message: String, at: FilePointer, key: Bool = false, help: String? = nil) {
        bag.emit(Diagnostic(.warning, id: id, message, at: location(at, key: key), help: help))
    }

    /// The value as an object, or a `model.wrong-type` diagnostic.
    mutating func object(_ value: JSONValue, at: FilePointer, what: String) -> JSONObject? {
        if case .object(let o) = value { return o }
        error("model.wrong-type", "\(what) must be an object, not \(article(value.typeName))", at: at)
        return nil
    }

    /// Reports every member of `object` whose key is not in `allowed`, with a did-you-mean note.
    mutating func checkKeys(_ object: JSONObject, at: FilePointer, allowed: [String], what: String) {
        for key in object.keys where !allowed.contains(key) {
            var notes: [Diagnostic.Note] = []
            if let hint = Suggestions.didYouMean(key, in: allowed.filter { $0 != "$schema" }) {
                notes.append(Diagnostic.Note(hint))
            }
            error(
                "model.unknown-key",
                "unknown key '\(key)' in \(what)",
                at: at.appending(key),
                key: true,
                notes: notes,
                help: "allowed keys: \(allowed.filter { $0 != "$schema" }.joined(separator: ", "))"
            )
        }
    }

    /// A required or optional string member.
    mutating func string(_ object: JSONObject, _ key: String, at: FilePointer, required: Bool, what: String) -> String?
    {
        guard let v = object[key] else {
            if required { missing(key, at: at, what: what, expected: "a string") }
            return nil
        }
        guard case .string(let s) = v else {
            error("model.wrong-type", "'\(key)' must be a string, not \(article(v.typeName))", at: at.appending(key))
            return nil
        }
        return s
    }

    /// A required non-empty name member.
    mutating func name(_ object: JSONObject, at: FilePointer, what: String) -> String? {
        guard let s = string(object, "name", at: at, required: true, what: what) else { return nil }
        if s.trimmingWhitespace().isEmpty {
            error("model.invalid-name", "\(what) name must not be empty", at: at.appending("name"))
            return nil
        }
        return s
    }

    /// An optional boolean member.
    mutating func bool(_ object: JSONObject, _ key: String, at: FilePointer) -> Bool? {
        guard let v = object[key] else { return nil }
        guard case .bool(let b) = v else {
            error("model.wrong-type", "'\(key)' must be a boolean, not \(article(v.typeName))", at: at.appending(key))
            return nil
        }
        return b
    }

    /// An optional integer member within a range.
    mutating func integer(_ object: JSONObject, _ key: String, at: FilePointer, range: ClosedRange<Int>) -> Int? {
        guard let v = object[key] else { return nil }
        guard case .number(let n) = v, n.rounded() == n, abs(n) < 9e15 else {
            error("model.wrong-type", "'\(key)' must be an integer, not \(article(v.typeName))", at: at.appending(key))
            return nil
        }
        let i = Int(n)
        guard range.contains(i) else {
            error(
                "model.out-of-range",
                "'\(key)' is \(i), outside the allowed range \(range.lowerBound)...\(range.upperBound)",
                at: at.appending(key)
            )
            return nil
        }
        return i
    }

    /// A string member that must be one of an enumeration's raw values.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(
        _ object: JSONObject,
        _ key: String,
        at: FilePointer,
        required: Bool,
        what: String
    ) -> E? where E.RawValue == String {
        guard let s = string(object, key, at: at, required: required, what: what) else { return nil }
        if let e = E(rawValue: s) { return e }
        let allowed = E.allCases.map(\.rawValue)
        var notes: [Diagnostic.Note] = []
        if let hint = Suggestions.didYouMean(s, in: allowed) { notes.append(Diagnostic.Note(hint)) }
        error(
            "model.invalid-value",
            "'\(s)' is not a valid \(key); expected one of \(allowed.map { "'\($0)'" }.joined(separator: ", "))",
            at: at.appending(key),
            notes: notes
        )
        return nil
    }

    /// An optional array of strings.
    mutating func stringArray(_ object: JSONObject, _ key: String, at: FilePointer) -> [String]? {
        guard let v = object[key] else { return nil }
        guard case .array(let a) = v else {
            error(
                "model.wrong-type",
                "'\(key)' must be an array of strings, not \(article(v.typeName))",
                at: at.appending(key)
            )
            return nil
        }
        var out: [String] = []
        for (i, e) in a.enumerated() {
            if case .string(let s) = e {
                out.append(s)
            } else {
                error(
                    "model.wrong-type",
                    "'\(key)' elements must be strings, not \(article(e.typeName))",
                    at: at.appending(key).appending(i)
                )
            }
        }
        return out
    }

    /// An optional `settings` object (absent means empty).
    mutating func settings(_ object: JSONObject, at: FilePointer) -> JSONObject {
        guard let v = object["settings"] else { return JSONObject() }
        return self.object(v, at: at.appending("settings"), what: "'settings'") ?? JSONObject()
    }

    /// Checks the optional top-level format `version`.
    mutating func checkVersion(_ object: JSONObject, at: FilePointer) {
        guard let v = integer(object, "version", at: at, range: 1...Int(Int32.max)) else { return }
        if v > PropertyLoader.highestSupportedVersion {
            error(
                "model.unsupported-version",
                "file format version \(v) is newer than this tagwire supports (\(PropertyLoader.highestSupportedVersion))",
                at: at.appending("version"),
                help: "upgrade tagwire, or write version \(PropertyLoader.highestSupportedVersion)"
            )
        }
    }

    mutating func missing(_ key: String, at: FilePointer, what: String, expected: String) {
        error(
            "model.missing-key",
            "\(what) is missing required key '\(key)'",
            at: at,
            help: "add \"\(key)\": \(expected)"
        )
    }
}

/// "an object", "a string".
func article(_ noun: String) -> String {
    if let f = noun.first, "aeiou".contains(f) { return "an \(noun)" }
    return "a \(noun)"
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
