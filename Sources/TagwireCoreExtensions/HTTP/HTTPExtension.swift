import TagwireIR
import TagwireJSON
import TagwireRuntime

/// `http` (edge): a generic HTTP request. Secrets may be read only in headers, which print masked.
public struct HTTPExtension: RuntimeExtension {
    public init() {}

    public let contract = ExtensionContract(
        name: "http",
        platforms: Platforms.edge,
        configuration: [],
        components: [
            ComponentContract(
                "http.send-request",
                .action,
                platforms: Platforms.edge,
                settings: [
                    SettingSpec("method", .enumeration(["GET", "POST", "PUT", "PATCH", "DELETE"])),
                    SettingSpec("url", .string, required: true),
                    SettingSpec("headers", .object(fields: [], additional: .string)),
                    SettingSpec("body", .any),
                ],
                credentialSettings: ["headers"]
            )
        ]
    )

    public let delegates: [String: ComponentDelegate] = ["http.send-request": .action(SendRequest())]

    /// `http.send-request`: the request as a dispatch; headers read from secrets go in its credentials, masked
    /// in its printable form.
    struct SendRequest: ActionDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction { Action(node: node) }

        struct Action: RuntimeAction {
            let node: ComponentNode

            func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? {
                var credentials = DispatchCredentials()
                var settings = JSONObject()
                let members: [TemplateMember]
                switch node.settings {
                case .object(let m): members = m
                case .literal(.object(let o)):
                    members = o.map { TemplateMember(key: $0.key, value: .literal($0.value)) }
                default: members = []
                }
                for m in members {
                    if m.key == "headers", case .object(let headerMembers) = m.value {
                        var headers: [(String, JSONValue)] = []
                        for h in headerMembers {
                            guard let v = try Self.render(h.value, "header '\(h.key)'", &context) else { continue }
                            if context.usedSecret {
                                credentials.secretHeaders[h.key] = Coercion.interpolationText(v)
                                headers.append((h.key, .string(maskedSecret)))
                            } else {
                                headers.append((h.key, v))
                            }
                        }
                        settings["headers"] = .object(JSONObject(headers))
                        continue
                    }
                    let v = try Self.render(m.value, "setting '\(m.key)'", &context)
                    if context.usedSecret {
                        throw ComponentFailure("setting '\(m.key)' reads a secret; secrets may only be used in headers")
                    }
                    settings[m.key] = v
                }
                guard let url = settings["url"]?.stringValue, url.hasPrefix("http://") || url.hasPrefix("https://")
                else {
                    throw ComponentFailure("'url' must be an http or https URL")
                }
                var shown: [(String, JSONValue)] = [
                    ("destination", "http"), ("rule", .string(context.ruleName)),
                    ("method", settings["method"] ?? "POST"), ("url", .string(url)),
                    ("headers", settings["headers"] ?? .object(JSONObject())),
                ]
                if let body = settings["body"] { shown.append(("body", body)) }
                return Dispatch(
                    destination: "http",
                    rule: context.ruleName,
                    origin: node.origin,
                    json: .object(JSONObject(shown)),
                    credentials: credentials
                )
            }

            /// Renders one value, noting whether it read a secret; a failure names `what`.
            static func render(_ t: Template, _ what: String, _ context: inout RuleContext) throws(ComponentFailure)
                -> JSONValue?
            {
                context.usedSecret = false
                do {
                    return try context.render(t)
                } catch {
                    throw ComponentFailure("\(what): \(error.message)")
                }
            }
        }
    }
}
