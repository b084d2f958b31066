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
        let files = Self.files(platform: platform, name: propertyName, domain: domain)
        try PropertyFiles.write(
            files.map { ($0.0, .json($0.1)) },
            into: absolute,
            schemas: try PropertyFiles.schemasDirectory(for: absolute)
        )
        for (path, _) in files { Output.out((directory as NSString).appendingPathComponent(path) + "\n") }
        Output.err(
            "next: tagwire validate \(directory) && tagwire test \(directory)"
                + (platform == .edge ? " (the rules read the token from META_ACCESS_TOKEN)" : "") + "\n"
        )
    }

    /// The files of a new property, by path.
    static func files(platform: Platform, name: String, domain: String) -> [(String, JSONValue)] {
        var property = JSONObject([("name", .string(name)), ("platform", .string(platform.rawValue))])
        if platform == .web { property["domains"] = [.string(domain)] }
        property["description"] = "Describe what this property is for."
        var files: [(String, JSONValue)] = [("property.json", .object(property))]
        for stage in ["development", "staging", "production"] {
            var env = JSONObject([("name", .string(stage)), ("stage", .string(stage))])
            if platform == .edge { env["secrets"] = ["meta-access-token": ["env": "META_ACCESS_TOKEN"]] }
            files.append(("environments/\(stage).json", .object(env)))
        }
        files.append(
            (
                "data-elements/meta-pixel-id.json",
                ["name": "Meta Pixel ID", "type": "core.constant", "settings": ["value": "1234567890123456"]]
            )
        )
        switch platform {
        case .web: files += webFiles
        case .edge: files += edgeFiles
        }
        return files
    }

    static let webFiles: [(String, JSONValue)] = [
        ("extensions/meta-pixel.json", ["name": "meta-pixel", "settings": ["pixelId": "{{Meta Pixel ID}}"]]),
        (
            "rules/page-view.json",
            [
                "name": "Page view", "events": [["type": "core.library-loaded"]],
                "actions": [["type": "meta-pixel.send-event", "settings": ["eventName": "PageView"]]],
            ]
        ),
        (
            "fixtures/page-view.json",
            [
                "cases": [
                    [
                        "name": "a page load sends a PageView",
                        "events": [["type": "core.library-loaded", "page": "p1", "visitor": "v1"]],
                        "expect": [
                            [
                                "event": 0, "rules": ["Page view": "fired"],
                                "dispatches": [["destination": "meta-pixel", "fields": ["/call/1": "PageView"]]],
                            ]
                        ],
                    ]
                ]
            ]
        ),
    ]

    static let edgeFiles: [(String, JSONValue)] = {
        let path: (String, String, String) -> (String, JSONValue) = { file, name, path in
            (
                "data-elements/\(file).json",
                ["name": .string(name), "type": "core.path", "settings": ["path": .string(path)]]
            )
        }
        let lead: JSONValue = [
            "data": ["eventName": "Lead", "email": "Jane.Doe@Example.com"],
            "xdm": ["web": ["webPageDetails": ["URL": "https://www.example.com/contact"]]],
            "request": ["ip": "203.0.113.7", "headers": ["user-agent": "Mozilla/5.0"]],
        ]
        return [
            (
                "extensions/meta-capi.json",
                [
                    "name": "meta-capi",
                    "settings": ["pixelId": "{{Meta Pixel ID}}", "accessToken": "{{Meta Access Token}}"],
                ]
            ),
            (
                "data-elements/meta-access-token.json",
                ["name": "Meta Access Token", "type": "core.secret", "settings": ["secret": "meta-access-token"]]
            ),
            path("event-name", "Event Name", "arc.event.data.eventName"),
            path("email", "Email", "arc.event.data.email"),
            path("page-url", "Page URL", "arc.event.xdm.web.webPageDetails.URL"),
            path("client-ip", "Client IP Address", "arc.request.ip"),
            path("client-user-agent", "Client User Agent", "arc.request.headers.user-agent"),
            (
                "rules/lead.json",
                [
                    "name": "Lead",
                    "conditions": [
                        [
                            "type": "core.value-comparison", "name": "Event is Lead",
                            "settings": [
                                "leftOperand": "{{Event Name}}", "comparison": ["operator": "equals"],
                                "rightOperand": "Lead",
                            ],
                        ]
                    ],
                    "actions": [
                        [
                            "type": "meta-capi.send-event", "name": "Conversions API Lead",
                            "settings": [
                                "eventName": "Lead", "eventSourceUrl": "{{Page URL}}", "email": "{{Email}}",
                                "clientIpAddress": "{{Client IP Address}}", "clientUserAgent": "{{Client User Agent}}",
                            ],
                        ]
                    ],
                ]
            ),
            (
                "fixtures/lead.json",
                [
                    "secrets": ["meta-access-token": "test-token"],
                    "cases": [
                        [
                            "name": "a lead is sent with the hashed email", "events": [lead],
                            "expect": [
                                [
                                    "event": 0, "rules": ["Lead": "fired"],
                                    "dispatches": [
                                        [
                                            "destination": "meta-capi",
                                            "fields": [
                                                "/payload/data/0/event_name": "Lead",
                                                "/payload/data/0/user_data/em/0": ["sha256Of": "jane.doe@example.com"],
                                            ],
                                        ]
                                    ],
                                ]
                            ],
                        ]
                    ],
                ]
            ),
        ]
    }()
}
