import TagwireIR
import TagwireJSON
import TagwireRuntime

/// `edge` (web): forwards page events to an event-forwarding endpoint, where an edge property runs them.
public struct EdgeExtension: RuntimeExtension {
    public init() {}

    public let contract = ExtensionContract(
        name: "edge",
        platforms: Platforms.web,
        configuration: [SettingSpec("endpoint", .string, required: true)],
        components: [
            ComponentContract(
                "edge.send-event",
                .action,
                platforms: Platforms.web,
                settings: [SettingSpec("xdm", .any), SettingSpec("data", .any)]
            )
        ]
    )

    public let delegates: [String: ComponentDelegate] = ["edge.send-event": .action(SendEvent())]

    public var browserScript: BrowserScript? {
        BrowserScript(readable: PackageResources.edge_js, minified: PackageResources.edge_min_js)
    }

    /// `edge.send-event`: the event's `xdm` and `data`, with the request the browser would make.
    struct SendEvent: ActionDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction { Action(node: node) }

        struct Action: RuntimeAction {
            let node: ComponentNode

            var reads: EventReads { .members([["request"]]) }

            func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? {
                let ext = try context.extensionSettings("edge")
                let settings = try context.renderSettings(node.settings)
                var data = settings["data"] ?? .object(JSONObject())
                // Where the property requires consent, the edge property's rules read the visitor's choice here.
                if context.requiresConsent, case .object(var o) = data, o["consent"] == nil {
                    o["consent"] = .string(context.consent)
                    data = .object(o)
                }
                var m: [(String, JSONValue)] = [
                    ("destination", "edge"), ("rule", .string(context.ruleName)),
                    ("endpoint", ext["endpoint"] ?? .null),
                    ("xdm", settings["xdm"] ?? .object(JSONObject())),
                    ("data", data),
                ]
                // The request the browser would make: the page event's own `request`, or the page's user agent.
                if let request = context.event["request"] {
                    m.append(("request", request))
                } else if let ua = context.window["navigator"]?["userAgent"]?.stringValue {
                    m.append(
                        (
                            "request",
                            .object(JSONObject([("headers", .object(JSONObject([("user-agent", .string(ua))])))]))
                        )
                    )
                }
                return Dispatch(
                    destination: "edge",
                    rule: context.ruleName,
                    origin: node.origin,
                    json: .object(JSONObject(m))
                )
            }
        }
    }
}
