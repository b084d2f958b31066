import TagwireJSON
import TagwireMeta

/// A Graph API error, rendered in Meta's envelope:
/// `{"error": {"message", "type", "code", "error_subcode"?, "is_transient"?, "error_user_title"?, "error_user_msg"?, "fbtrace_id"}}`.
public struct GraphError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    public var type: String
    public var code: Int
    public var subcode: Int?
    public var isTransient: Bool?
    public var userTitle: String?
    public var userMessage: String?

    public init(
        status: Int = 400,
        message: String,
        type: String = "OAuthException",
        code: Int,
        subcode: Int? = nil,
        isTransient: Bool? = nil,
        userTitle: String? = nil,
        userMessage: String? = nil
    ) {
        self.status = status
        self.message = message
        self.type = type
        self.code = code
        self.subcode = subcode
        self.isTransient = isTransient
        self.userTitle = userTitle
        self.userMessage = userMessage
    }

    /// The JSON envelope with a trace id.
    public func envelope(traceID: String) -> JSONValue {
        var e: [(String, JSONValue)] = [
            ("message", .string(message)), ("type", .string(type)), ("code", .number(Double(code))),
        ]
        if let subcode { e.append(("error_subcode", .number(Double(subcode)))) }
        if let isTransient { e.append(("is_transient", .bool(isTransient))) }
        if let userTitle { e.append(("error_user_title", .string(userTitle))) }
        if let userMessage { e.append(("error_user_msg", .string(userMessage))) }
        e.append(("fbtrace_id", .string(traceID)))
        return .object(JSONObject([("error", .object(JSONObject(e)))]))
    }

    static func invalid(_ title: String, _ userMessage: String, subcode: Int? = 2_804_050) -> GraphError {
        GraphError(
            message: "Invalid parameter",
            code: 100,
            subcode: subcode,
            isTransient: false,
            userTitle: title,
            userMessage: userMessage
        )
    }
}

/// Checks server events as Meta's Graph API does (reference §9.4): the first failure fails the whole request.
public struct GraphValidator: Sendable {
    /// Reject hashed keys whose values are not SHA-256 digests (lenient: accept with a `messages` warning).
    public var strictHashes: Bool
    /// How far in the future `event_time` may be, in seconds.
    public var futureTolerance: Double

    public init(strictHashes: Bool = true, futureTolerance: Double = 60) {
        self.strictHashes = strictHashes
        self.futureTolerance = futureTolerance
    }

    static let hashedKeys = ["em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country"]
    static let customerKeys: Set<String> = [
        "em", "ph", "fn", "ln", "db", "ge", "ct", "st", "zp", "country", "external_id", "client_ip_address",
        "client_user_agent", "fbc", "fbp", "subscription_id", "fb_login_id", "lead_id", "anon_id", "madid", "page_id",
        "page_scoped_user_id", "ctwa_clid", "ig_account_id", "ig_sid", "partner_id", "partner_name",
    ]
    static let stateCodes: Set<Int> = Set([0] + Array(1000...1013))

    static func isHashShaped(_ s: String) -> Bool {
        let u = s.utf8
        if u.count == 64 { return u.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) } }
        return Normalization.isPBLHashed(s)
    }

    /// Validates one event; returns the warnings for `messages`, or throws the Graph error.
    public func validate(_ event: JSONValue, index: Int, now: Double) throws(GraphError) -> [String] {
        var warnings: [String] = []
        guard case .object(let e) = event else {
            throw .invalid("Invalid Event", "data[\(index)] must be an object")
        }
        guard case .string(let name)? = e["event_name"], !name.isEmpty else {
            throw .invalid("Missing Event Name", "data[\(index)].event_name is required", subcode: 2_804_001)
        }
        guard case .number(let time)? = e["event_time"], time.rounded() == time else {
            throw .invalid(
                "Invalid Event Time",
                "data[\(index)].event_time must be an integer Unix time in seconds",
                subcode: 2_804_002
            )
        }
        guard case .string(let source)? = e["action_source"], metaActionSourceValues.contains(source) else {
            throw .invalid(
                "Invalid Action Source",
                "data[\(index)].action_source must be one of \(metaActionSourceValues.joined(separator: ", "))",
                subcode: 2_804_008
            )
        }
        let window: Double = source == "physical_store" ? 62 * 86_400 : 7 * 86_400
        if time < now - window {
            throw .invalid(
                "Event Timestamp Too Old",
                "The timestamp for this event is too far in the past.",
                subcode: 2_804_003
            )
        }
        if time > now + futureTolerance {
            throw .invalid(
                "Event Timestamp In Future",
                "The timestamp for this event is in the future.",
                subcode: 2_804_004
            )
        }
        guard case .object(let ud)? = e["user_data"], !ud.isEmpty else {
            throw .invalid(
                "Missing User Data",
                "data[\(index)].user_data with customer information parameters is required",
                subcode: 2_804_005
            )
        }
        let present = Set(ud.keys).intersection(Self.customerKeys)
        let weak: [Set<String>] = [
            ["ct", "country", "st", "zp", "ge", "client_user_agent"], ["db", "client_user_agent"], ["fn", "ge"],
            ["ln", "ge"],
        ]
        if present.isEmpty || weak.contains(where: { present.isSubset(of: $0) }) {
            throw .invalid(
                "Insufficient Customer Information",
                "data[\(index)].user_data does not have enough customer information to match",
                subcode: 2_804_006
            )
        }
        if source == "website" {
            guard case .string(let url)? = e["event_source_url"], url.hasPrefix("http://") || url.hasPrefix("https://")
            else {
                throw .invalid("Missing Event Source URL", "website events need event_source_url", subcode: 2_804_007)
            }
            guard case .string? = ud["client_user_agent"] else {
                throw .invalid(
                    "Missing User Agent",
                    "website events need user_data.client_user_agent",
                    subcode: 2_804_010
                )
            }
        }
        for key in Self.hashedKeys {
            guard let v = ud[key] else { continue }
            let values: [JSONValue] = v.arrayValue ?? [v]
            for item in values {
                guard case .string(let s) = item, Self.isHashShaped(s) else {
                    if strictHashes {
                        throw .invalid(
                            "Invalid Hash",
                            "user_data.\(key) must be a SHA-256 hash of the normalised value",
                            subcode: 2_804_011
                        )
                    }
                    warnings.append("user_data.\(key) is not hashed")
                    continue
                }
            }
        }
        let custom = e["custom_data"]?.objectValue
        if let currency = custom?["currency"] {
            guard case .string(let c) = currency, c.utf8.count == 3,
                c.unicodeScalars.allSatisfy({ ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") })
            else {
                throw .invalid("Invalid Currency", "custom_data.currency must be an ISO 4217 code", subcode: 2_804_012)
            }
        }
        if name == "Purchase" {
            guard custom?["value"]?.numberValue != nil else {
                throw .invalid(
                    "Missing Value for Purchase Event",
                    "Purchase events need custom_data.value",
                    subcode: 2_804_009
                )
            }
            guard custom?["currency"] != nil else {
                throw .invalid(
                    "Missing Currency for Purchase Event",
                    "Purchase events need custom_data.currency",
                    subcode: 2_804_013
                )
            }
        }
        if source == "app" {
            guard case .object(let app)? = e["app_data"], case .array(let extinfo)? = app["extinfo"],
                extinfo.count == 16,
                app["advertiser_tracking_enabled"] != nil
            else {
                throw .invalid(
                    "Invalid App Data",
                    "app events need app_data.advertiser_tracking_enabled and a 16-element extinfo",
                    subcode: 2_804_014
                )
            }
        }
        if source == "business_messaging", e["messaging_channel"] == nil {
            throw .invalid(
                "Missing Messaging Channel",
                "business_messaging events need messaging_channel",
                subcode: 2_804_015
            )
        }
        if let dpo = e["data_processing_options"] {
            guard case .array(let list) = dpo, list.allSatisfy({ $0 == "LDU" }) else {
                throw .invalid(
                    "Invalid Data Processing Options",
                    "data_processing_options must be [] or [\"LDU\"]",
                    subcode: 2_804_016
                )
            }
            if let c = e["data_processing_options_country"], ![0, 1].contains(c.numberValue ?? -1) {
                throw .invalid(
                    "Invalid Data Processing Options",
                    "data_processing_options_country must be 0 or 1",
                    subcode: 2_804_016
                )
            }
            if let st = e["data_processing_options_state"], !Self.stateCodes.contains(Int(st.numberValue ?? -1)) {
                throw .invalid(
                    "Invalid Data Processing Options",
                    "data_processing_options_state is not a known state code",
                    subcode: 2_804_016
                )
            }
        }
        return warnings
    }
}
