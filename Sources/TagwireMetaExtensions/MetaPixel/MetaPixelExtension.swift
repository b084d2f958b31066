import TagwireIR
import TagwireJSON
import TagwireRuntime

/// `meta-pixel` (web): the Meta Pixel in the visitor's browser.
public struct MetaPixelExtension: RuntimeExtension {
    public init() {}

    /// Meta's standard event names (Pixel `track`; anything else is `trackCustom`).
    public static let standardEvents: Set<String> = [
        "AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact", "CustomizeProduct", "Donate",
        "FindLocation", "InitiateCheckout", "Lead", "PageView", "Purchase", "Schedule", "Search", "StartTrial",
        "SubmitApplication", "Subscribe", "ViewContent",
    ]

    public let contract = ExtensionContract(
        name: "meta-pixel",
        platforms: Platforms.web,
        // `scriptUrl`: where the browser loads Meta's fbevents.js from (Meta's by default; tests point it at a
        // sandbox).
        configuration: [SettingSpec("pixelId", .string, required: true), SettingSpec("scriptUrl", .string)],
        components: [
            ComponentContract(
                "meta-pixel.send-event",
                .action,
                platforms: Platforms.web,
                settings: [
                    SettingSpec("eventName", .string, required: true),
                    SettingSpec("parameters", .object(fields: [], additional: .any)),
                    SettingSpec("eventId", .string),
                    SettingSpec("lduEnabled", .boolean),
                ]
            )
        ]
    )

    public let delegates: [String: ComponentDelegate] = ["meta-pixel.send-event": .action(SendEvent())]

    public var browserScript: BrowserScript? {
        BrowserScript(readable: PackageResources.meta_pixel_js, minified: PackageResources.meta_pixel_min_js)
    }

    /// `meta-pixel.send-event`: one `fbq('track' | 'trackCustom', name, parameters, {eventID})` call.
    struct SendEvent: ActionDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction { Action(node: node) }

        struct Action: RuntimeAction {
            let node: ComponentNode

            func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? {
                let ext = try context.extensionSettings("meta-pixel")
                let settings = try context.renderSettings(node.settings)
                guard let name = settings["eventName"].flatMap(Coercion.idText), !name.isEmpty else {
                    throw ComponentFailure("'eventName' resolved to nothing")
                }
                var call: [JSONValue] = [
                    .string(MetaPixelExtension.standardEvents.contains(name) ? "track" : "trackCustom"), .string(name),
                ]
                switch settings["parameters"] {
                case .object(let o)?: call.append(.object(o))
                case nil, .null?: call.append(.object(JSONObject()))
                case let other?: throw ComponentFailure("'parameters' must be an object, not \(other.typeName)")
                }
                if let id = settings["eventId"].flatMap(Coercion.idText), !id.isEmpty {
                    call.append(.object(JSONObject([("eventID", .string(id))])))
                }
                var members: [(String, JSONValue)] = [
                    ("destination", "meta-pixel"), ("rule", .string(context.ruleName)),
                    ("pixelId", ext["pixelId"] ?? .null), ("call", .array(call)),
                ]
                // Limited Data Use: `fbq('dataProcessingOptions', ['LDU'], 0, 0)` before the call (Meta picks the
                // region from the visitor's address).
                if settings["lduEnabled"]?.boolValue == true { members.append(("dataProcessingOptions", ["LDU"])) }
                // Without consent the browser holds the call (and sends it only once consent is granted).
                if context.consent != "granted" { members.append(("heldForConsent", true)) }
                let json = JSONValue.object(JSONObject(members))
                return Dispatch(destination: "meta-pixel", rule: context.ruleName, origin: node.origin, json: json)
            }
        }
    }
}
