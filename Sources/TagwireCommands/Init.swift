import ArgumentParser
import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireJSON

/// `tagwire init <dir> --platform web|edge`: a new property that validates and builds as it is.
public struct Init: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Start a new property: property.json, three environments, one example rule and a fixture case.",
        discussion: """
            Every file links its JSON Schema ($schema) in the nearest Schemas/ directory above the property, which is \
            written next to the property when there is none. An existing directory that is not empty is refused.

            Example:
              tagwire init properties/shop-edge --platform edge
            """
    )

    public enum Platform: String, ExpressibleByArgument, Sendable, CaseIterable {
        case web, edge
    }

    @Argument(help: "The directory to create.")
    var directory: String

    @Option(help: "web (tags in the browser) or edge (event forwarding on the server).")
    var platform: Platform

    @Option(help: "The property's name (default: the directory's name).")
    var name: String?

    @Option(help: "Web properties: the site's host name.")
    var domain = "www.example.com"

    public init() {}

    public func run() async throws {
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: directory), !contents.isEmpty {
            throw ValidationError("'\(directory)' exists and is not empty; choose a new directory")
        }
        let propertyName = name ?? URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        guard !propertyName.isEmpty, !propertyName.contains("{"), !propertyName.contains("}") else {
            throw ValidationError("'\(propertyName)' cannot name a property; give --name")
        }
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL
        let schemas = try Self.schemasDirectory(for: absolute)
        let files = Self.files(platform: platform, name: propertyName, domain: domain)
        for (path, value) in files {
            let url = absolute.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            var document = value
            if case .object(var o) = value, let kind = Self.schemaKind(path) {
                let link = Self.relativePath(
                    from: url.deletingLastPathComponent(),
                    to: schemas.appendingPathComponent(kind)
                )
                o = JSONObject([("$schema", .string(link))] + o.map { ($0.key, $0.value) })
                document = .object(o)
            }
            var bytes = JSONWriter(pretty: true).bytes(document)
            bytes.append(0x0A)
            try Data(bytes).write(to: url)
            Output.out((directory as NSString).appendingPathComponent(path) + "\n")
        }
        Output.err(
            "next: tagwire validate \(directory) && tagwire test \(directory)"
                + (platform == .edge ? " (the rules read the token from META_ACCESS_TOKEN)" : "") + "\n"
        )
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
            var bytes = JSONWriter(pretty: true).bytes(schema)
            bytes.append(0x0A)
            try Data(bytes).write(to: created.appendingPathComponent(name))
        }
        return created
    }

    static func relativePath(from directory: URL, to file: URL) -> String {
        let from = directory.standardizedFileURL.pathComponents
        let to = file.standardizedFileURL.pathComponents
        var common = 0
        while common < min(from.count, to.count), from[common] == to[common] { common += 1 }
        return (Array(repeating: "..", count: from.count - common) + to[common...]).joined(separator: "/")
    }

    /// The files of a new property, by path.
    static func files(platform: Platform, name: String, domain: String) -> [(String, JSONValue)] {
        var files: [(String, JSONValue)] = []
        var property: [(String, JSONValue)] = [("name", .string(name)), ("platform", .string(platform.rawValue))]
        if platform == .web { property.append(("domains", [.string(domain)])) }
        property.append(("description", "Describe what this property is for."))
        files.append(("property.json", .object(JSONObject(property))))
        for stage in ["development", "staging", "production"] {
            var env: [(String, JSONValue)] = [("name", .string(stage)), ("stage", .string(stage))]
            if platform == .edge {
                env.append(("secrets", ["meta-access-token": ["env": "META_ACCESS_TOKEN"]]))
            }
            files.append(("environments/\(stage).json", .object(JSONObject(env))))
        }
        files.append(
            (
                "data-elements/meta-pixel-id.json",
                ["name": "Meta Pixel ID", "type": "core.constant", "settings": ["value": "1234567890123456"]]
            )
        )
        switch platform {
        case .web:
            files.append(
                ("extensions/meta-pixel.json", ["name": "meta-pixel", "settings": ["pixelId": "{{Meta Pixel ID}}"]])
            )
            files.append(
                (
                    "rules/page-view.json",
                    .object(
                        JSONObject([
                            ("name", "Page view"),
                            ("events", [["type": "core.library-loaded"]]),
                            ("actions", [["type": "meta-pixel.send-event", "settings": ["eventName": "PageView"]]]),
                        ])
                    )
                )
            )
            files.append(
                (
                    "fixtures/page-view.json",
                    .object(
                        JSONObject([
                            (
                                "cases",
                                [
                                    .object(
                                        JSONObject([
                                            ("name", "a page load sends a PageView"),
                                            (
                                                "events",
                                                [["type": "core.library-loaded", "page": "p1", "visitor": "v1"]]
                                            ),
                                            (
                                                "expect",
                                                [
                                                    .object(
                                                        JSONObject([
                                                            ("event", 0), ("rules", ["Page view": "fired"]),
                                                            (
                                                                "dispatches",
                                                                [
                                                                    [
                                                                        "destination": "meta-pixel",
                                                                        "fields": ["/call/1": "PageView"],
                                                                    ]
                                                                ]
                                                            ),
                                                        ])
                                                    )
                                                ]
                                            ),
                                        ])
                                    )
                                ]
                            )
                        ])
                    )
                )
            )
        case .edge:
            files.append(
                (
                    "extensions/meta-capi.json",
                    [
                        "name": "meta-capi",
                        "settings": ["pixelId": "{{Meta Pixel ID}}", "accessToken": "{{Meta Access Token}}"],
                    ]
                )
            )
            let elements: [(String, String, JSONValue)] = [
                (
                    "meta-access-token", "Meta Access Token",
                    ["type": "core.secret", "settings": ["secret": "meta-access-token"]]
                ),
                ("event-name", "Event Name", ["type": "core.path", "settings": ["path": "arc.event.data.eventName"]]),
                ("email", "Email", ["type": "core.path", "settings": ["path": "arc.event.data.email"]]),
                (
                    "page-url", "Page URL",
                    ["type": "core.path", "settings": ["path": "arc.event.xdm.web.webPageDetails.URL"]]
                ),
                ("client-ip", "Client IP Address", ["type": "core.path", "settings": ["path": "arc.request.ip"]]),
                (
                    "client-user-agent", "Client User Agent",
                    ["type": "core.path", "settings": ["path": "arc.request.headers.user-agent"]]
                ),
            ]
            for (file, elementName, body) in elements {
                var o = JSONObject([("name", .string(elementName))])
                for m in body.objectValue ?? JSONObject() { o[m.key] = m.value }
                files.append(("data-elements/\(file).json", .object(o)))
            }
            files.append(
                (
                    "rules/lead.json",
                    .object(
                        JSONObject([
                            ("name", "Lead"),
                            (
                                "conditions",
                                [
                                    [
                                        "type": "core.value-comparison", "name": "Event is Lead",
                                        "settings": [
                                            "leftOperand": "{{Event Name}}", "comparison": ["operator": "equals"],
                                            "rightOperand": "Lead",
                                        ],
                                    ]
                                ]
                            ),
                            (
                                "actions",
                                [
                                    [
                                        "type": "meta-capi.send-event", "name": "Conversions API Lead",
                                        "settings": [
                                            "eventName": "Lead", "eventSourceUrl": "{{Page URL}}", "email": "{{Email}}",
                                            "clientIpAddress": "{{Client IP Address}}",
                                            "clientUserAgent": "{{Client User Agent}}",
                                        ],
                                    ]
                                ]
                            ),
                        ])
                    )
                )
            )
            let lead: JSONValue = [
                "data": ["eventName": "Lead", "email": "Jane.Doe@Example.com"],
                "xdm": ["web": ["webPageDetails": ["URL": "https://www.example.com/contact"]]],
                "request": ["ip": "203.0.113.7", "headers": ["user-agent": "Mozilla/5.0"]],
            ]
            files.append(
                (
                    "fixtures/lead.json",
                    .object(
                        JSONObject([
                            ("secrets", ["meta-access-token": "test-token"]),
                            (
                                "cases",
                                [
                                    .object(
                                        JSONObject([
                                            ("name", "a lead is sent with the hashed email"),
                                            ("events", [lead]),
                                            (
                                                "expect",
                                                [
                                                    .object(
                                                        JSONObject([
                                                            ("event", 0), ("rules", ["Lead": "fired"]),
                                                            (
                                                                "dispatches",
                                                                [
                                                                    [
                                                                        "destination": "meta-capi",
                                                                        "fields": [
                                                                            "/payload/data/0/event_name": "Lead",
                                                                            "/payload/data/0/user_data/em/0": [
                                                                                "sha256Of": "jane.doe@example.com"
                                                                            ],
                                                                        ],
                                                                    ]
                                                                ]
                                                            ),
                                                        ])
                                                    )
                                                ]
                                            ),
                                        ])
                                    )
                                ]
                            ),
                        ])
                    )
                )
            )
        }
        return files
    }
}
