import Foundation
import TagwireJSON

/// Builds one Conversions API server event from the resolved settings of a `meta-capi.send-event` action
/// (settings named as in Adobe's Meta Conversions API extension), normalising and hashing customer information
/// and checking the event locally as Meta would (reference §9.4).
public struct ConversionEventBuilder: Sendable {
    /// Normalisation options (default country calling code).
    public var options: Normalization.Options
    /// How far in the past `event_time` may be (seconds): 7 days.
    public var maxAge: Double = 7 * 24 * 3600
    /// How far in the past for `physical_store` events: 62 days.
    public var maxAgePhysicalStore: Double = 62 * 24 * 3600
    /// How far in the future `event_time` may be (seconds).
    public var maxFuture: Double = 60

    /// A builder.
    public init(options: Normalization.Options = Normalization.Options()) {
        self.options = options
    }

    /// An event that must not be sent: the field at fault and why.
    public struct Rejection: Error, Sendable, Equatable {
        /// The Graph API field, such as `custom_data.currency`.
        public var field: String
        public var reason: String

        /// A rejection.
        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }

        /// "field: reason".
        public var message: String { "\(field): \(reason)" }
    }

    /// A built event with the notes about values that were dropped.
    public struct Built: Sendable {
        public var event: JSONValue
        /// `test_event_code` when `isTestEvent` is set.
        public var testEventCode: String?
        /// Values left out (malformed customer information), each naming its field.
        public var warnings: [String]
    }

    /// Settings keys of the action mapped to `user_data` keys, in the order they are written.
    public static let userDataKeys: [(setting: String, key: String, hashed: Bool)] = [
        ("email", "em", true), ("phone", "ph", true), ("firstName", "fn", true), ("lastName", "ln", true), ("dob", "db", true),
        ("gender", "ge", true), ("city", "ct", true), ("state", "st", true), ("zip", "zp", true), ("country", "country", true),
        ("externalId", "external_id", true), ("clientIpAddress", "client_ip_address", false),
        ("clientUserAgent", "client_user_agent", false), ("fbc", "fbc", false), ("fbp", "fbp", false),
        ("subscriptionId", "subscription_id", false), ("fbLoginId", "fb_login_id", false), ("leadId", "lead_id", false),
        ("partnerName", "partner_name", false), ("partnerId", "partner_id", false),
    ]

    static func present(_ v: JSONValue?) -> JSONValue? {
        switch v {
        case nil, .null?: return nil
        case .string(let s)? where TextTools.trimmed(s).isEmpty: return nil
        default: return v
        }
    }

    static func text(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    static func bool(_ v: JSONValue?) -> Bool? {
        switch v {
        case .bool(let b)?: return b
        case .string(let s)?: return s == "true" ? true : (s == "false" ? false : nil)
        case .number(let n)?: return n != 0
        default: return nil
        }
    }

    /// Builds the event; `receivedAt` (Unix seconds) is the default `event_time` and `now` the validation clock.
    public func build(_ settings: JSONObject, receivedAt: Double, now: Double) -> Result<Built, Rejection> {
        var warnings: [String] = []
        guard let eventName = Self.present(settings["eventName"]).flatMap(Self.text), !eventName.isEmpty else {
            return .failure(Rejection(field: "event_name", reason: "is missing"))
        }
        guard eventName.count <= 50 else {
            return .failure(Rejection(field: "event_name", reason: "'\(eventName)' is longer than 50 characters"))
        }
        // event_time: integer seconds; numeric strings and millisecond values are accepted and converted.
        var eventTime = receivedAt.rounded(.down)
        if let raw = Self.present(settings["eventTime"]) {
            var n: Double?
            switch raw {
            case .number(let x): n = x
            case .string(let s): n = Double(TextTools.trimmed(s))
            default: n = nil
            }
            guard var t = n, t.isFinite, t > 0 else {
                return .failure(Rejection(field: "event_time", reason: "'\(raw)' is not a Unix time in seconds"))
            }
            if t > 100_000_000_000 { t /= 1000 }
            eventTime = t.rounded(.down)
        }
        let actionSource = Self.present(settings["actionSource"]).flatMap(Self.text) ?? "website"
        guard metaActionSourceValues.contains(actionSource) else {
            return .failure(Rejection(field: "action_source", reason: "'\(actionSource)' is not one of \(metaActionSourceValues.joined(separator: ", "))"))
        }
        let oldest = now - (actionSource == "physical_store" ? maxAgePhysicalStore : maxAge)
        if eventTime < oldest {
            return .failure(Rejection(field: "event_time", reason: "\(Int64(eventTime)) is older than Meta accepts (\(actionSource == "physical_store" ? 62 : 7) days)"))
        }
        if eventTime > now + maxFuture {
            return .failure(Rejection(field: "event_time", reason: "\(Int64(eventTime)) is in the future"))
        }

        var event: [(String, JSONValue)] = [("event_name", .string(eventName)), ("event_time", .number(eventTime))]
        if let id = Self.present(settings["eventId"]).flatMap(Self.text) { event.append(("event_id", .string(id))) }
        let sourceURL = Self.present(settings["eventSourceUrl"]).flatMap(Self.text)
        if let sourceURL {
            guard sourceURL.hasPrefix("http://") || sourceURL.hasPrefix("https://") else {
                return .failure(Rejection(field: "event_source_url", reason: "'\(sourceURL)' must start with http:// or https://"))
            }
            event.append(("event_source_url", .string(sourceURL)))
        }
        if let referrer = Self.present(settings["referrerUrl"]).flatMap(Self.text) { event.append(("referrer_url", .string(referrer))) }
        event.append(("action_source", .string(actionSource)))
        if let optOut = Self.bool(Self.present(settings["optOut"])) { event.append(("opt_out", .bool(optOut))) }
        if Self.bool(settings["lduEnabled"]) == true {
            event.append(("data_processing_options", ["LDU"]))
            event.append(("data_processing_options_country", 0))
            event.append(("data_processing_options_state", 0))
        } else {
            event.append(("data_processing_options", .array([])))
        }

        // user_data
        var userData: [(String, JSONValue)] = []
        let countryHint = Self.present(settings["country"]).flatMap(Self.text).flatMap(Normalization.country)
        for (setting, key, hashed) in Self.userDataKeys {
            guard let raw = Self.present(settings[setting]) else { continue }
            if hashed {
                let inputs: [JSONValue] = raw.arrayValue ?? [raw]
                var hashes: [JSONValue] = []
                for input in inputs {
                    guard let s = Self.present(input).flatMap(Self.text) else { continue }
                    if key == "ph", options.defaultCountryCallingCode == nil, !Normalization.phoneHasCountryCode(s), !Normalization.isSHA256(s) {
                        warnings.append("user_data.ph: a national number without a country code")
                    }
                    if let h = Normalization.hashed(key: key, s, options: options, country: countryHint) {
                        if !hashes.contains(.string(h)) { hashes.append(.string(h)) }
                    } else {
                        warnings.append("user_data.\(key): a value could not be normalised and was left out")
                    }
                }
                if !hashes.isEmpty { userData.append((key, .array(hashes))) }
            } else {
                guard let s = Self.text(raw).map(TextTools.trimmed), !s.isEmpty else {
                    warnings.append("user_data.\(key): expected text, got \(raw.typeName)")
                    continue
                }
                if key == "fb_login_id" || key == "lead_id", let n = Int64(s) {
                    userData.append((key, .number(Double(n))))
                } else {
                    userData.append((key, .string(s)))
                }
            }
        }
        if actionSource == "website" {
            guard sourceURL != nil else {
                return .failure(Rejection(field: "event_source_url", reason: "is required when action_source is website"))
            }
            guard userData.contains(where: { $0.0 == "client_user_agent" }) else {
                return .failure(Rejection(field: "user_data.client_user_agent", reason: "is required when action_source is website"))
            }
        }
        if userData.isEmpty {
            return .failure(Rejection(field: "user_data", reason: "has no customer information parameters"))
        }
        event.append(("user_data", .object(JSONObject(uniqueKeys: userData))))

        // custom_data: an object, or JSON text of one.
        if let raw = Self.present(settings["customData"]) {
            var custom: JSONObject?
            switch raw {
            case .object(let o): custom = o
            case .string(let s):
                guard case .object(let o)? = try? JSONReader.parse(s) else {
                    return .failure(Rejection(field: "custom_data", reason: "is text that is not a JSON object"))
                }
                custom = o
            default:
                return .failure(Rejection(field: "custom_data", reason: "must be an object, not \(raw.typeName)"))
            }
            if var c = custom {
                if case .string(let s)? = c["value"], let n = Double(s) { c["value"] = .number(n) }
                if let currency = c["currency"] {
                    guard let code = currency.stringValue, Regions.currencies.contains(code.uppercased()) else {
                        return .failure(Rejection(field: "custom_data.currency", reason: "'\(Self.text(currency) ?? currency.typeName)' is not an ISO 4217 currency code"))
                    }
                    c["currency"] = .string(code.lowercased())
                }
                if let v = c["value"], v.numberValue == nil {
                    return .failure(Rejection(field: "custom_data.value", reason: "must be a number"))
                }
                custom = c
            }
            if let custom, !custom.isEmpty { event.append(("custom_data", .object(custom))) }
        }
        if eventName == "Purchase" {
            let custom = event.first { $0.0 == "custom_data" }?.1
            if custom?["currency"] == nil {
                return .failure(Rejection(field: "custom_data.currency", reason: "is required for Purchase events"))
            }
            if custom?["value"] == nil {
                return .failure(Rejection(field: "custom_data.value", reason: "is required for Purchase events"))
            }
        }
        if actionSource == "app" {
            guard case .object(let app)? = Self.present(settings["appData"]) else {
                return .failure(Rejection(field: "app_data", reason: "is required when action_source is app"))
            }
            guard case .array(let extinfo)? = app["extinfo"], extinfo.count == 16 else {
                return .failure(Rejection(field: "app_data.extinfo", reason: "must be an array of 16 strings"))
            }
            guard app["advertiser_tracking_enabled"] != nil else {
                return .failure(Rejection(field: "app_data.advertiser_tracking_enabled", reason: "is required when action_source is app"))
            }
            event.append(("app_data", .object(app)))
        }
        var testCode: String?
        if Self.bool(settings["isTestEvent"]) == true {
            testCode = Self.present(settings["testEventCode"]).flatMap(Self.text)
            if testCode == nil {
                return .failure(Rejection(field: "test_event_code", reason: "is required when isTestEvent is true"))
            }
        }
        return .success(Built(event: .object(JSONObject(uniqueKeys: event)), testEventCode: testCode, warnings: warnings))
    }

    /// The Graph API request body for events sent together.
    public static func requestBody(events: [JSONValue], testEventCode: String?, partnerAgent: String) -> JSONValue {
        var body: [(String, JSONValue)] = [("data", .array(events)), ("partner_agent", .string(partnerAgent))]
        if let testEventCode { body.append(("test_event_code", .string(testEventCode))) }
        return .object(JSONObject(uniqueKeys: body))
    }
}

/// `action_source` values Meta accepts.
public let metaActionSourceValues = [
    "website", "email", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging", "other",
]

