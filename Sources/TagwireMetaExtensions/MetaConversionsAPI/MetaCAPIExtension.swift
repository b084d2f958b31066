import Foundation
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireRuntime

/// `meta-capi` (edge): the Meta Conversions API. Settings are named as in Adobe's Meta Conversions API
/// extension; customer information is normalised and hashed as Meta specifies.
public struct MetaCAPIExtension: RuntimeExtension {
    public init() {}

    public let contract = ExtensionContract(
        name: "meta-capi",
        platforms: Platforms.edge,
        configuration: [
            SettingSpec("pixelId", .string, required: true), SettingSpec("accessToken", .string, required: true),
            SettingSpec("graphApiVersion", .string), SettingSpec("appSecret", .string),
            SettingSpec("defaultCountryCode", .oneOf([.string, .integer])),
            // false: no `fbc` made from the `fbclid` of `event_source_url` when the event has none.
            SettingSpec("fbcFromEventSourceUrl", .boolean),
            // sendWithoutEventId: an event whose eventId is empty, an object or an array is sent without event_id
            // (with a warning) instead of failing its action.
            SettingSpec("invalidEventId", .enumeration(["fail", "sendWithoutEventId"])),
            // true: query parameters holding an email address stay in event_source_url and referrer_url.
            SettingSpec("keepEmailsInUrls", .boolean),
        ],
        components: [
            ComponentContract(
                "meta-capi.send-event",
                .action,
                platforms: Platforms.edge,
                settings: [
                    SettingSpec("eventName", .string, required: true),
                    SettingSpec("eventTime", .oneOf([.integer, .string])),
                    SettingSpec("eventId", .oneOf([.string, .integer])),
                    SettingSpec("eventSourceUrl", .string),
                    SettingSpec("actionSource", .enumeration(metaActionSourceValues)),
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
                ],
                credentialSettings: ["accessToken"]
            )
        ],
        credentialSettings: secretSettings,
        check: checkConfiguration
    )

    public let delegates: [String: ComponentDelegate] = ["meta-capi.send-event": .action(SendEvent())]

    /// The extension settings the action reads only for delivery.
    static let secretSettings = ["accessToken", "appSecret"]

    /// A token written into a property file ends up in git: it belongs in an environment's secrets.
    @Sendable static func checkConfiguration(_ check: inout SettingsCheck) {
        if let country = check.literalText("defaultCountryCode"), PhoneNumbers.region(forSetting: country) == nil {
            check.error(
                "compile.invalid-setting-value",
                "'\(country)' is not a country or a country calling code",
                setting: ["defaultCountryCode"],
                help:
                    "write an ISO 3166-1 alpha-2 code such as \"us\" or \"gb\", or a calling code such as \"1\" or \"44\""
            )
        }
        if let version = check.literalText("graphApiVersion") {
            checkVersion(version, today: Int((Date().timeIntervalSince1970 / 86_400).rounded(.down)), &check)
        }
        guard check.literalText("accessToken") != nil else { return }
        check.warning(
            "compile.secret-in-clear",
            "'accessToken' is written in clear in a property file",
            setting: ["accessToken"],
            help: "declare the token as a secret of each environment and refer to it with a core.secret data element"
        )
    }
}

extension MetaCAPIExtension {
    /// A pinned Graph API version past or near its end of life, or one Meta never published.
    static func checkVersion(_ version: String, today: Int, _ check: inout SettingsCheck) {
        let newest = GraphAPIVersions.table.first?.version ?? GraphAPIVersions.default
        let help =
            "pin \(newest), the newest version this build knows, or leave 'graphApiVersion' out for \(GraphAPIVersions.default)"
        switch GraphAPIVersions.status(of: version, onDay: today) {
        case .supported, .unknown:
            return
        case .malformed:
            check.error(
                "compile.invalid-setting-value",
                "'\(version)' is not a Graph API version; expected one such as \"\(GraphAPIVersions.default)\"",
                setting: ["graphApiVersion"],
                help: help
            )
        case .expired(let on):
            check.warning(
                "compile.graph-api-version-expired",
                "Graph API \(version) reached its end of life on \(on); Meta refuses requests to it",
                setting: ["graphApiVersion"],
                help: help
            )
        case .retired:
            check.warning(
                "compile.graph-api-version-expired",
                "Graph API \(version) reached its end of life years ago; Meta refuses requests to it",
                setting: ["graphApiVersion"],
                help: help
            )
        case .expiresSoon(let expires, let daysLeft):
            check.warning(
                "compile.graph-api-version-expires-soon",
                "Graph API \(version) reaches its end of life on \(expires), in \(daysLeft) day\(daysLeft == 1 ? "" : "s")",
                setting: ["graphApiVersion"],
                help: help
            )
        }
    }
}

/// What a `meta-capi.send-event` action reads of its extension's rendered settings.
struct ConversionsAPISettings: Sendable {
    let pixelID: String?
    /// Normalisation options: the default country's region, resolved once.
    let normalization: Normalization.Options
    let graphApiVersion: String
    let fbcFromEventSourceURL: Bool
    let sendsWithoutInvalidEventID: Bool
    let keepsEmailsInURLs: Bool

    init(_ settings: JSONObject) {
        pixelID = settings["pixelId"].flatMap(Coercion.idText)
        normalization = Normalization.Options(defaultCountry: settings["defaultCountryCode"].flatMap(Coercion.idText))
        graphApiVersion = settings["graphApiVersion"]?.stringValue ?? GraphAPIVersions.default
        fbcFromEventSourceURL = settings["fbcFromEventSourceUrl"]?.boolValue ?? true
        sendsWithoutInvalidEventID = settings["invalidEventId"]?.stringValue == "sendWithoutEventId"
        keepsEmailsInURLs = settings["keepEmailsInUrls"]?.boolValue ?? false
    }
}
