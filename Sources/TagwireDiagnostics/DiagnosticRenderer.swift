import TagwireJSON

/// Renders diagnostics as text: `file:line:column: error[id]: message`, then the pointer, a source snippet with a
/// caret, notes and help.
///
/// ```
/// rules/purchase.json:14:18: error[compile.unresolved-reference]: data element 'Pixle ID' is not defined
///   --> /actions/1/settings/pixelId
///    |     "pixelId": "{{Pixle ID}}",
///    |                ^
///   note: did you mean 'Pixel ID'? (data-elements/pixel-id.json:2:11, /name)
/// ```
public struct TextDiagnosticRenderer: Sendable {
    public var sources: SourceFiles
    /// Show the source line and caret under each located diagnostic.
    public var showSnippets: Bool

    /// A renderer reading snippets from `sources`.
    public init(sources: SourceFiles = SourceFiles(), showSnippets: Bool = true) {
        self.sources = sources
        self.showSnippets = showSnippets
    }

    /// The text of one diagnostic, ending with a newline.
    public func render(_ d: Diagnostic) -> String {
        var out = ""
        if let loc = d.location {
            out += "\(loc.prefix): "
        }
        out += "\(d.severity.rawValue)[\(d.id)]: \(d.message)\n"
        if let loc = d.location {
            if !loc.pointer.isEmpty { out += "  --> \(loc.pointer)\n" }
            if showSnippets, let line = loc.line, let text = sources.lineText(loc.file, line) {
                let snippet = Self.snippet(text, column: loc.column)
                out += "   | \(snippet.text)\n"
                if let caret = snippet.caret {
                    out += "   | \(String(repeating: " ", count: caret))^\n"
                }
            }
        }
        for note in d.notes {
            out += "  note: \(note.message)"
            if let nl = note.location {
                out += " (\(nl.prefix)"
                if !nl.pointer.isEmpty { out += ", \(nl.pointer)" }
                out += ")"
            }
            out += "\n"
        }
        if let help = d.help { out += "  help: \(help)\n" }
        return out
    }

    /// The widest snippet shown, in Unicode scalars; a longer line shows the part around the column.
    public static let snippetWidth = 100

    /// A source line as a snippet: control characters (a file that is not text, such as one full of NUL bytes) and
    /// bytes that were not UTF-8 shown as `�`, tabs as spaces, and a long line cut to ``snippetWidth`` around
    /// `column` with `…` where it was cut. Returns the text and the caret's offset in it.
    public static func snippet(_ line: String, column: Int?) -> (text: String, caret: Int?) {
        let scalars = Array(line.unicodeScalars)
        let at = max(0, (column ?? 1) - 1)
        var start = 0
        var end = scalars.count
        if scalars.count > snippetWidth {
            start = min(max(0, at - snippetWidth / 2), scalars.count - snippetWidth)
            end = start + snippetWidth
        }
        var text = String.UnicodeScalarView()
        if start > 0 { text.append("…") }
        for c in scalars[start..<end] {
            switch c.value {
            case 0x09: text.append(" ")
            case 0x00..<0x20, 0x7F..<0xA0, 0xFFFD: text.append("\u{FFFD}")
            default: text.append(c)
            }
        }
        if end < scalars.count { text.append("…") }
        return (String(text), column.map { _ in at - start + (start > 0 ? 1 : 0) })
    }

    /// All diagnostics, then a summary line when there are any.
    public func render(_ list: [Diagnostic]) -> String {
        var out = list.map(render).joined()
        let errors = list.filter { $0.severity == .error }.count
        let warnings = list.filter { $0.severity == .warning }.count
        if errors + warnings > 0 {
            out += "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
        }
        return out
    }
}

/// Renders diagnostics as a JSON array for machines (`--format json`).
public enum JSONDiagnosticRenderer {
    /// The JSON value of one location.
    static func json(_ loc: SourceLocation) -> [(String, JSONValue)] {
        var m: [(String, JSONValue)] = [("file", .string(loc.file)), ("pointer", .string(loc.pointer))]
        if let line = loc.line { m.append(("line", .number(Double(line)))) }
        if let column = loc.column { m.append(("column", .number(Double(column)))) }
        return m
    }

    /// The JSON value of one diagnostic.
    public static func json(_ d: Diagnostic) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("severity", .string(d.severity.rawValue)), ("id", .string(d.id)), ("message", .string(d.message)),
        ]
        if let loc = d.location { m += json(loc) }
        if let help = d.help { m.append(("help", .string(help))) }
        if !d.notes.isEmpty {
            m.append(
                (
                    "notes",
                    .array(
                        d.notes.map { n in
                            var nm: [(String, JSONValue)] = [("message", .string(n.message))]
                            if let nl = n.location { nm += json(nl) }
                            return .object(JSONObject(nm))
                        }
                    )
                )
            )
        }
        return .object(JSONObject(m))
    }

    /// The whole list as pretty-printed JSON text, ending with a newline.
    public static func render(_ list: [Diagnostic]) -> String {
        JSONWriter(pretty: true).string(.array(list.map(json))) + "\n"
    }
}
