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
    /// Whether an event without `fbc` whose `event_source_url` carries a `fbclid` gets
    /// `fb.1.<event time in ms>.<fbclid>`, as Meta documents for servers (and its Parameter Builder does).
    public var fbcFromEventSourceURL = true
    /// Whether an event whose `eventId` is empty, an object, an array or a boolean is sent without `event_id` (with a
    /// warning) rather than failing its action.
    public var sendsWithoutInvalidEventID = false
    /// Whether query parameters holding an email address stay in `event_source_url` and `referrer_url` (Meta flags
    /// URLs that carry personal data; by default they are removed, with a warning).
    public var keepsEmailsInURLs = false

    public init(options: Normalization.Options = Normalization.Options()) {
        self.options = options
    }

    /// An event that must not be sent: the field at fault and why.
    public struct Rejection: Error, Sendable, Equatable {
        /// The Graph API field, such as `custom_data.currency`.
        public var field: String
        public var reason: String

        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }

        /// "field: reason".
        public var message: String { "\(field): \(reason)" }
    }

    /// A built event: its JSON as delivery sends it, the fields the engine reads back, and the notes about values
    /// that were dropped.
    public struct Built: Sendable, Hashable {
        /// The event object's compact JSON, written once: what goes into the Graph API request's `data` array and
        /// into the outbox.
        public var bytes: [UInt8]
        public var eventName: String
        public var eventID: String?
        /// `event_time` (Unix seconds).
        public var eventTime: Double
        /// `test_event_code` when `isTestEvent` is set.
        public var testEventCode: String?
        /// Values left out (malformed customer information), each naming its field.
        public var warnings: [String]

        /// The event as a value (read back from ``bytes``).
        public var event: JSONValue {
            (try? JSONReader.parse(bytes, options: JSONReaderOptions(maxDepth: 256, maxBytes: Int.max))) ?? .null
        }
    }

    /// The action settings the builder reads, by position: an engine maps a template's members to these once,
    /// so building an event looks nothing up by name.
    public struct Fields: Sendable {
        /// A setting the builder (or the engine, for `pixelId`) reads.
        public enum Key: Int, CaseIterable, Sendable {
            case eventName, eventTime, actionSource, eventId, eventSourceUrl, referrerUrl, optOut, lduEnabled
            case email, phone, firstName, lastName, dob, gender, city, state, zip, country, externalId
            case clientIpAddress, clientUserAgent, fbc, fbp, subscriptionId, fbLoginId, leadId, partnerName, partnerId
            case customData, appData, isTestEvent, testEventCode, pixelId

            /// The key a setting's name stands for.
            public static func named(_ name: String) -> Key? { byName[name] }

            static let byName: [String: Key] = Dictionary(uniqueKeysWithValues: allCases.map { ("\($0)", $0) })
            static let count = allCases.count
        }

        private var values: [JSONValue?]

        /// No settings.
        public init() {
            values = Array(repeating: nil, count: Key.count)
        }

        /// The settings of an object (members the builder does not read are ignored).
        public init(_ settings: JSONObject) {
            self.init()
            for m in settings.members {
                if let k = Key.named(m.key) { values[k.rawValue] = m.value }
            }
        }

        public subscript(key: Key) -> JSONValue? {
            get { values[key.rawValue] }
            set { values[key.rawValue] = newValue }
        }
    }

    /// Settings of the action mapped to `user_data` keys, in the order they are written.
    /// (`hashed` is the key when Meta wants the value hashed, nil when it is sent as it is.)
    public static let userDataKeys: [(setting: Fields.Key, key: String, hashed: Normalization.HashedKey?)] = [
        (.email, "em", .em), (.phone, "ph", .ph), (.firstName, "fn", .fn), (.lastName, "ln", .ln), (.dob, "db", .db),
        (.gender, "ge", .ge), (.city, "ct", .ct), (.state, "st", .st), (.zip, "zp", .zp),
        (.country, "country", .country),
        (.externalId, "external_id", .externalID), (.clientIpAddress, "client_ip_address", nil),
        (.clientUserAgent, "client_user_agent", nil), (.fbc, "fbc", nil), (.fbp, "fbp", nil),
        (.subscriptionId, "subscription_id", nil), (.fbLoginId, "fb_login_id", nil), (.leadId, "lead_id", nil),
        (.partnerName, "partner_name", nil), (.partnerId, "partner_id", nil),
    ]
}

/// `action_source` values Meta accepts.
public let metaActionSourceValues = [
    "website", "email", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging",
    "other",
]
