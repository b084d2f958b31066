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
                // What the Conversions API copy needs from the page, where the rule did not map it itself: the page's
                // URL and referrer, and Meta's browser and click ids (as the browser runtime adds them).
                var xdm = settings["xdm"] ?? .object(JSONObject())
                let page = context.window["location"]?["href"]?.stringValue ?? context.event["url"]?.stringValue
                xdm = Self.filled(xdm, ["web", "webPageDetails", "URL"], page)
                xdm = Self.filled(
                    xdm,
                    ["web", "webReferrer", "URL"],
                    context.window["document"]?["referrer"]?.stringValue
                )
                for (key, cookie) in [("fbp", "_fbp"), ("fbc", "_fbc")] {
                    let value =
                        context.event["cookies"]?[cookie] ?? PageData.Cookie.fromDocument(context.window, cookie)
                    data = Self.filled(data, ["cookies", key], value?.stringValue)
                }
                var m: [(String, JSONValue)] = [
                    ("destination", "edge"), ("rule", .string(context.ruleName)),
                    ("endpoint", ext["endpoint"] ?? .null),
                    ("xdm", xdm),
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

            /// `value` with `text` at `path` when nothing is there and every step on the way is an object or
            /// missing; `value` as it is otherwise, or when `text` is empty or nil.
            static func filled(_ value: JSONValue, _ path: ArraySlice<String>, _ text: String?) -> JSONValue {
                guard let text, !text.isEmpty, case .object(var o) = value, let key = path.first else { return value }
                if path.count == 1 {
                    if o[key] == nil { o[key] = .string(text) }
                    return .object(o)
                }
                let inner = o[key] ?? .object(JSONObject())
                guard case .object = inner else { return value }
                o[key] = filled(inner, path.dropFirst(), text)
                return .object(o)
            }
        }
    }
}
