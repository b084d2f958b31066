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
///
/// The fields live in one immutable shared box: a dispatch passes through several hands (the action's result, the
/// rule's list, the evaluation) and copying it is one reference, not a dozen. What it is made of is fixed when it
/// is made; the two fields set afterwards (the engine's timeout, an edited `json`) make a new box.
public struct Dispatch: Sendable, Hashable {
    private struct Fields: Sendable {
        var destination: String
        var rule: String
        var origin: Origin
        var credentials: DispatchCredentials
        var timeoutMs: Int?
        var form: Form
    }

    private enum Form: Sendable {
        case value(JSONValue)
        case conversionsAPI(ConversionsAPIEvent)
    }

    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    private mutating func update(_ change: (inout Fields) -> Void) {
        var f = box.fields
        change(&f)
        box = Box(f)
    }

    /// `meta-capi`, `meta-pixel`, `edge` or `http`.
    public var destination: String { box.fields.destination }
    /// The rule that produced it.
    public var rule: String { box.fields.rule }
    /// Where the action is defined.
    public var origin: Origin { box.fields.origin }
    /// What sending needs and printing must not show.
    public var credentials: DispatchCredentials { box.fields.credentials }
    /// How long the send may take (the engine sets the action's own).
    public var timeoutMs: Int? {
        get { box.fields.timeoutMs }
        set { update { $0.timeoutMs = newValue } }
    }

    /// The printable form: everything but credentials and secret values.
    public var json: JSONValue {
        get {
            switch box.fields.form {
            case .value(let v): return v
            case .conversionsAPI(let e): return e.json(rule: rule)
            }
        }
        set { update { $0.form = .value(newValue) } }
    }

    /// For a Conversions API dispatch made by the engine: the event as delivery sends it (nil once `json` is set).
    public var conversionsAPIEvent: ConversionsAPIEvent? {
        if case .conversionsAPI(let e) = box.fields.form { return e }
        return nil
    }

    /// A dispatch.
    public init(destination: String, rule: String, origin: Origin, json: JSONValue, credentials: DispatchCredentials = DispatchCredentials(), timeoutMs: Int? = nil) {
        box = Box(Fields(destination: destination, rule: rule, origin: origin, credentials: credentials, timeoutMs: timeoutMs, form: .value(json)))
    }

    /// A `meta-capi` dispatch of one built event.
    public init(conversionsAPI event: ConversionsAPIEvent, rule: String, origin: Origin, credentials: DispatchCredentials, timeoutMs: Int? = nil) {
        box = Box(Fields(destination: "meta-capi", rule: rule, origin: origin, credentials: credentials, timeoutMs: timeoutMs, form: .conversionsAPI(event)))
    }

    public static func == (lhs: Dispatch, rhs: Dispatch) -> Bool {
        lhs.box === rhs.box
            || (lhs.destination == rhs.destination && lhs.rule == rhs.rule && lhs.origin == rhs.origin && lhs.credentials == rhs.credentials
                && lhs.timeoutMs == rhs.timeoutMs && lhs.json == rhs.json)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(destination)
        hasher.combine(rule)
        hasher.combine(json)
    }
}
