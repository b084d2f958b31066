import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireJSON

/// Writing property files as Tagwire formats them: pretty JSON ending in a line break, with `$schema` links for
/// editors (`init`, `quickstart`, and the commands that rewrite a file: `connect`, `test --update`, `schemas`).
enum PropertyFiles {
    /// A file's content.
    enum Content {
        case json(JSONValue)
        case text(String)
    }

    /// A JSON file's bytes: pretty, with a final line break.
    static func jsonFile(_ value: JSONValue) -> [UInt8] {
        var bytes = JSONWriter(pretty: true).bytes(value)
        bytes.append(0x0A)
        return bytes
    }

    /// Writes `files` (paths relative to `root`), each JSON object of a property file kind starting with its
    /// `$schema` link into `schemas`.
    static func write(_ files: [(String, Content)], into root: URL, schemas: URL) throws {
        for (path, content) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            switch content {
            case .json(var value):
                if case .object(let o) = value, let kind = schemaKind(path) {
                    let link = relativePath(
                        from: url.deletingLastPathComponent(),
                        to: schemas.appendingPathComponent(kind)
                    )
                    value = .object(JSONObject([("$schema", .string(link))] + o.map { ($0.key, $0.value) }))
                }
                try Data(jsonFile(value)).write(to: url)
            case .text(let text):
                try Data(text.utf8).write(to: url)
            }
        }
    }

    /// Which schema a generated file follows.
    static func schemaKind(_ path: String) -> String? {
        switch path.split(separator: "/").first.map(String.init) {
        case "property.json": return "property.schema.json"
        case "environments": return "environment.schema.json"
        case "rules": return "rule.schema.json"
        case "data-elements": return "data-element.schema.json"
        case "extensions": return "extension.schema.json"
        case "fixtures": return path.hasSuffix(".json") ? "fixture.schema.json" : nil
        case "site": return path.hasSuffix("/journey.json") ? "journey.schema.json" : nil
        case "libraries": return "library.schema.json"
        default: return nil
        }
    }

    /// The nearest `Schemas/` above the property (holding property.schema.json), else a new one beside it.
    static func schemasDirectory(for property: URL) throws -> URL {
        var dir = property.deletingLastPathComponent()
        while true {
            let candidate = dir.appendingPathComponent("Schemas")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("property.schema.json").path) {
                return candidate
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        let created = property.deletingLastPathComponent().appendingPathComponent("Schemas")
        try FileManager.default.createDirectory(at: created, withIntermediateDirectories: true)
        for (name, schema) in SchemaGenerator.schemas(registry: BuiltInExtensions.all.contracts) {
            try Data(jsonFile(schema)).write(to: created.appendingPathComponent(name))
        }
        return created
    }

    /// `directory` to `file` as a relative path (`../../Schemas/rule.schema.json`).
    static func relativePath(from directory: URL, to file: URL) -> String {
        let from = directory.standardizedFileURL.pathComponents
        let to = file.standardizedFileURL.pathComponents
        var common = 0
        while common < min(from.count, to.count), from[common] == to[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + to[common...]).joined(separator: "/")
    }
}
