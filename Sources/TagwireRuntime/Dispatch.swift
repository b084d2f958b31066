import TagwireIR
import TagwireJSON
import TagwireMeta

/// Credentials a dispatch needs to be sent; never part of its printable form.
public struct DispatchCredentials: Sendable, Hashable {
    public var accessToken: String?
    public var appSecret: String?
    /// Header values that came from secrets, by header name (http dispatches).
    public var secretHeaders: [String: String]

    /// Credentials.
    public init(accessToken: String? = nil, appSecret: String? = nil, secretHeaders: [String: String] = [:]) {
        self.accessToken = accessToken
        self.appSecret = appSecret
        self.secretHeaders = secretHeaders
    }
}

/// A Conversions API event a rule produced, kept as the bytes delivery sends.
public struct ConversionsAPIEvent: Sendable, Hashable {
    public var pixelID: String
    public var graphApiVersion: String
    /// The event, built and written once (its `bytes` are what is sent).
    public var built: ConversionEventBuilder.Built
    /// `partner_agent` of the request.
    public var partnerAgent: String

    /// An event for a pixel.
    public init(pixelID: String, graphApiVersion: String, built: ConversionEventBuilder.Built, partnerAgent: String) {
        self.pixelID = pixelID
        self.graphApiVersion = graphApiVersion
        self.built = built
        self.partnerAgent = partnerAgent
    }

    /// The Graph API request body that sends this event alone.
    public var requestBody: [UInt8] {
        ConversionEventBuilder.requestBody(events: [built.bytes], testEventCode: built.testEventCode, partnerAgent: partnerAgent)
    }

    /// Appends ``requestBody`` to `out`.
    public func writeRequestBody(into out: inout [UInt8]) {
        ConversionEventBuilder.writeRequestBody(events: [built.bytes], testEventCode: built.testEventCode, partnerAgent: partnerAgent, into: &out)
    }

    /// The dispatch's printable form (the event read back from its bytes).
    func json(rule: String) -> JSONValue {
        let payload = ConversionEventBuilder.requestBody(events: [built.event], testEventCode: built.testEventCode, partnerAgent: partnerAgent)
        var m: [(String, JSONValue)] = [
            ("destination", "meta-capi"), ("rule", .string(rule)), ("pixelId", .string(pixelID)),
            ("graphApiVersion", .string(graphApiVersion)), ("payload", payload),
        ]
        if !built.warnings.isEmpty { m.append(("warnings", .array(built.warnings.map(JSONValue.string)))) }
        return .object(JSONObject(uniqueKeys: m))
    }
}

/// An effect a rule produced: something to deliver to a destination. The engine returns these as values;
/// delivery turns them into requests.
public struct Dispatch: Sendable, Hashable {
    /// `meta-capi`, `meta-pixel`, `edge` or `http`.
    public var destination: String
    /// The rule that produced it.
    public var rule: String
    /// Where the action is defined.
    public var origin: Origin
    /// What sending needs and printing must not show.
    public var credentials: DispatchCredentials
    /// How long the send may take.
    public var timeoutMs: Int?

    private enum Form: Sendable {
        case value(JSONValue)
        case conversionsAPI(ConversionsAPIEvent)
    }

    private var form: Form

    /// The printable form: everything but credentials and secret values.
    public var json: JSONValue {
        get {
            switch form {
            case .value(let v): return v
            case .conversionsAPI(let e): return e.json(rule: rule)
            }
        }
        set { form = .value(newValue) }
    }

    /// For a Conversions API dispatch made by the engine: the event as delivery sends it (nil once `json` is set).
    public var conversionsAPIEvent: ConversionsAPIEvent? {
        if case .conversionsAPI(let e) = form { return e }
        return nil
    }

    /// A dispatch.
    public init(destination: String, rule: String, origin: Origin, json: JSONValue, credentials: DispatchCredentials = DispatchCredentials(), timeoutMs: Int? = nil) {
        self.destination = destination
        self.rule = rule
        self.origin = origin
        form = .value(json)
        self.credentials = credentials
        self.timeoutMs = timeoutMs
    }

    /// A `meta-capi` dispatch of one built event.
    public init(conversionsAPI event: ConversionsAPIEvent, rule: String, origin: Origin, credentials: DispatchCredentials) {
        destination = "meta-capi"
        self.rule = rule
        self.origin = origin
        form = .conversionsAPI(event)
        self.credentials = credentials
        timeoutMs = nil
    }

    public static func == (lhs: Dispatch, rhs: Dispatch) -> Bool {
        lhs.destination == rhs.destination && lhs.rule == rhs.rule && lhs.origin == rhs.origin && lhs.credentials == rhs.credentials
            && lhs.timeoutMs == rhs.timeoutMs && lhs.json == rhs.json
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(destination)
        hasher.combine(rule)
        hasher.combine(json)
    }
}
