/// The JSON shape a setting accepts. Strings may always be a single `{{token}}`, whose type is known only at
/// run time.
public indirect enum SettingType: Sendable, Hashable {
    case string
    case number
    case integer
    case boolean
    /// Any JSON value.
    case any
    /// A string from a fixed list.
    case enumeration([String])
    /// An object with known fields; `additional` types the other members (nil: other members are errors).
    case object(fields: [SettingSpec], additional: SettingType?)
    /// An array whose elements have one type.
    case array(SettingType)
    /// Any one of several types.
    case oneOf([SettingType])

    /// How diagnostics name the type.
    public var description: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .any: return "any value"
        case .enumeration(let values): return "one of \(values.map { "'\($0)'" }.joined(separator: ", "))"
        case .object: return "an object"
        case .array(let t): return "an array of \(t.description.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "values")"
        case .oneOf(let ts): return ts.map(\.description).joined(separator: " or ")
        }
    }
}

/// One setting of a component or extension configuration.
public struct SettingSpec: Sendable, Hashable {
    public var name: String
    public var type: SettingType
    public var required: Bool

    /// A setting.
    public init(_ name: String, _ type: SettingType, required: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
    }
}

/// What a component type does in a property.
public enum ComponentKind: String, Sendable, Hashable {
    case event, condition, action, dataElement = "data element"
}

/// The compile-time contract of one component type: its kind, platforms and settings.
public struct ComponentContract: Sendable, Hashable {
    /// `<extension>.<delegate>`.
    public var type: String
    public var kind: ComponentKind
    /// `web`, `edge`, or both.
    public var platforms: Set<String>
    public var settings: [SettingSpec]
    /// Whether settings not listed are accepted.
    public var additionalSettings: Bool

    /// A contract.
    public init(_ type: String, _ kind: ComponentKind, platforms: Set<String>, settings: [SettingSpec], additionalSettings: Bool = false) {
        self.type = type
        self.kind = kind
        self.platforms = platforms
        self.settings = settings
        self.additionalSettings = additionalSettings
    }
}

/// The contract of an extension: its configuration settings and the component types it provides.
public struct ExtensionContract: Sendable, Hashable {
    public var name: String
    public var platforms: Set<String>
    public var configuration: [SettingSpec]
    public var components: [ComponentContract]

    /// A contract.
    public init(name: String, platforms: Set<String>, configuration: [SettingSpec], components: [ComponentContract]) {
        self.name = name
        self.platforms = platforms
        self.configuration = configuration
        self.components = components
    }
}

/// The extensions a build can resolve component types against.
public struct ExtensionRegistry: Sendable {
    public private(set) var extensions: [String: ExtensionContract] = [:]
    private var components: [String: ComponentContract] = [:]

    /// A registry holding the given contracts.
    public init(_ contracts: [ExtensionContract]) {
        for c in contracts { register(c) }
    }

    /// Adds (or replaces) an extension contract.
    public mutating func register(_ contract: ExtensionContract) {
        extensions[contract.name] = contract
        for c in contract.components { components[c.type] = c }
    }

    /// The contract of a component type.
    public func component(_ type: String) -> ComponentContract? { components[type] }

    /// Every component type of an extension.
    public func componentTypes(of extensionName: String) -> [String] {
        extensions[extensionName]?.components.map(\.type) ?? []
    }

    /// The built-in extensions: core, meta-pixel, edge, meta-capi and http.
    public static let builtIn = ExtensionRegistry([.core, .metaPixel, .edge, .metaCAPI, .http])
}

/// The operators of `core.value-comparison`.
public let valueComparisonOperators = [
    "equals", "doesNotEqual", "contains", "doesNotContain", "startsWith", "doesNotStartWith", "endsWith",
    "doesNotEndWith", "matchesRegex", "doesNotMatchRegex", "lessThan", "lessThanOrEqual", "greaterThan",
    "greaterThanOrEqual", "isTrue", "isFalse", "isTruthy", "isFalsy",
]

/// Meta's `action_source` values.
public let metaActionSources = [
    "website", "email", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging", "other",
]

/// Meta's standard event names (Pixel `track`; anything else is `trackCustom`).
public let metaStandardEvents: Set<String> = [
    "AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact", "CustomizeProduct", "Donate",
    "FindLocation", "InitiateCheckout", "Lead", "PageView", "Purchase", "Schedule", "Search", "StartTrial",
    "SubmitApplication", "Subscribe", "ViewContent",
]

private let both: Set<String> = ["web", "edge"]
private let webOnly: Set<String> = ["web"]
private let edgeOnly: Set<String> = ["edge"]

private let comparison = SettingType.object(
    fields: [SettingSpec("operator", .enumeration(valueComparisonOperators), required: true), SettingSpec("caseInsensitive", .boolean)],
    additional: nil
)

extension ExtensionContract {
    /// `core`: always installed.
    public static let core = ExtensionContract(
        name: "core",
        platforms: both,
        configuration: [],
        components: [
            ComponentContract("core.path", .dataElement, platforms: both, settings: [SettingSpec("path", .string, required: true)]),
            ComponentContract("core.constant", .dataElement, platforms: both, settings: [SettingSpec("value", .any, required: true)]),
            ComponentContract("core.secret", .dataElement, platforms: both, settings: [SettingSpec("secret", .string, required: true)]),
            ComponentContract("core.cookie", .dataElement, platforms: webOnly, settings: [SettingSpec("name", .string, required: true)]),
            ComponentContract(
                "core.query-parameter",
                .dataElement,
                platforms: webOnly,
                settings: [SettingSpec("name", .string, required: true), SettingSpec("caseInsensitive", .boolean)]
            ),
            ComponentContract(
                "core.page-info",
                .dataElement,
                platforms: webOnly,
                settings: [SettingSpec("attribute", .enumeration(["url", "hostname", "pathname", "protocol", "referrer", "title"]), required: true)]
            ),
            ComponentContract(
                "core.random-number",
                .dataElement,
                platforms: both,
                settings: [SettingSpec("min", .integer), SettingSpec("max", .integer)]
            ),
            ComponentContract("core.uuid", .dataElement, platforms: both, settings: []),
            ComponentContract(
                "core.timestamp",
                .dataElement,
                platforms: both,
                settings: [SettingSpec("unit", .enumeration(["seconds", "milliseconds"]))]
            ),
            ComponentContract(
                "core.conditional-value",
                .dataElement,
                platforms: both,
                settings: [
                    SettingSpec("leftOperand", .any, required: true), SettingSpec("comparison", comparison, required: true),
                    SettingSpec("rightOperand", .any), SettingSpec("conditionalValue", .any), SettingSpec("fallbackValue", .any),
                ]
            ),
            ComponentContract(
                "core.value-comparison",
                .condition,
                platforms: both,
                settings: [
                    SettingSpec("leftOperand", .any, required: true), SettingSpec("comparison", comparison, required: true),
                    SettingSpec("rightOperand", .any),
                ]
            ),
            ComponentContract("core.library-loaded", .event, platforms: webOnly, settings: []),
            ComponentContract("core.page-bottom", .event, platforms: webOnly, settings: []),
            ComponentContract("core.dom-ready", .event, platforms: webOnly, settings: []),
            ComponentContract("core.window-loaded", .event, platforms: webOnly, settings: []),
            ComponentContract("core.click", .event, platforms: webOnly, settings: [SettingSpec("elementSelector", .string, required: true)]),
            ComponentContract("core.direct-call", .event, platforms: webOnly, settings: [SettingSpec("identifier", .string, required: true)]),
            ComponentContract(
                "core.custom-event",
                .event,
                platforms: webOnly,
                settings: [SettingSpec("type", .string, required: true), SettingSpec("elementSelector", .string)]
            ),
            ComponentContract("core.generate-event-id", .action, platforms: both, settings: [SettingSpec("path", .string)]),
        ]
    )

    /// `meta-pixel`: the browser Pixel (web).
    public static let metaPixel = ExtensionContract(
        name: "meta-pixel",
        platforms: webOnly,
        configuration: [SettingSpec("pixelId", .string, required: true)],
        components: [
            ComponentContract(
                "meta-pixel.send-event",
                .action,
                platforms: webOnly,
                settings: [
                    SettingSpec("eventName", .string, required: true),
                    SettingSpec("parameters", .object(fields: [], additional: .any)),
                    SettingSpec("eventId", .string),
                ]
            )
        ]
    )

    /// `edge`: forwards page events to an event-forwarding endpoint (web).
    public static let edge = ExtensionContract(
        name: "edge",
        platforms: webOnly,
        configuration: [SettingSpec("endpoint", .string, required: true)],
        components: [
            ComponentContract("edge.send-event", .action, platforms: webOnly, settings: [SettingSpec("xdm", .any), SettingSpec("data", .any)])
        ]
    )

    /// `meta-capi`: the Meta Conversions API (edge).
    public static let metaCAPI = ExtensionContract(
        name: "meta-capi",
        platforms: edgeOnly,
        configuration: [
            SettingSpec("pixelId", .string, required: true), SettingSpec("accessToken", .string, required: true),
            SettingSpec("graphApiVersion", .string), SettingSpec("appSecret", .string),
            SettingSpec("defaultCountryCode", .string),
        ],
        components: [
            ComponentContract(
                "meta-capi.send-event",
                .action,
                platforms: edgeOnly,
                settings: [
                    SettingSpec("eventName", .string, required: true),
                    SettingSpec("eventTime", .oneOf([.integer, .string])),
                    SettingSpec("eventId", .string),
                    SettingSpec("eventSourceUrl", .string),
                    SettingSpec("actionSource", .enumeration(metaActionSources)),
                    SettingSpec("optOut", .boolean),
                    SettingSpec("lduEnabled", .boolean),
                    SettingSpec("referrerUrl", .string),
                    SettingSpec("email", .oneOf([.string, .array(.string)])),
                    SettingSpec("phone", .oneOf([.string, .number, .array(.string)])),
                    SettingSpec("firstName", .oneOf([.string, .array(.string)])),
                    SettingSpec("lastName", .oneOf([.string, .array(.string)])),
                    SettingSpec("dob", .oneOf([.string, .number, .array(.string)])),
                    SettingSpec("gender", .oneOf([.string, .array(.string)])),
                    SettingSpec("city", .oneOf([.string, .array(.string)])),
                    SettingSpec("state", .oneOf([.string, .array(.string)])),
                    SettingSpec("zip", .oneOf([.string, .number, .array(.string)])),
                    SettingSpec("country", .oneOf([.string, .array(.string)])),
                    SettingSpec("externalId", .oneOf([.string, .number, .array(.string)])),
                    SettingSpec("clientIpAddress", .string),
                    SettingSpec("clientUserAgent", .string),
                    SettingSpec("fbc", .string),
                    SettingSpec("fbp", .string),
                    SettingSpec("subscriptionId", .string),
                    SettingSpec("fbLoginId", .oneOf([.string, .integer])),
                    SettingSpec("leadId", .oneOf([.string, .integer])),
                    SettingSpec("partnerName", .string),
                    SettingSpec("partnerId", .string),
                    SettingSpec("customData", .oneOf([.object(fields: [], additional: .any), .string])),
                    SettingSpec("appData", .object(fields: [], additional: .any)),
                    SettingSpec("isTestEvent", .boolean),
                    SettingSpec("testEventCode", .string),
                    SettingSpec("pixelId", .string),
                    SettingSpec("accessToken", .string),
                ]
            )
        ]
    )

    /// `http`: a generic HTTP request (edge).
    public static let http = ExtensionContract(
        name: "http",
        platforms: edgeOnly,
        configuration: [],
        components: [
            ComponentContract(
                "http.send-request",
                .action,
                platforms: edgeOnly,
                settings: [
                    SettingSpec("method", .enumeration(["GET", "POST", "PUT", "PATCH", "DELETE"])),
                    SettingSpec("url", .string, required: true),
                    SettingSpec("headers", .object(fields: [], additional: .string)),
                    SettingSpec("body", .any),
                ]
            )
        ]
    )
}
