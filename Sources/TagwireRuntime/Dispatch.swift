import TagwireIR
import TagwireJSON

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

/// An effect a rule produced: something to deliver to a destination. The engine returns these as values;
/// delivery turns them into requests.
public struct Dispatch: Sendable, Hashable {
    /// `meta-capi`, `meta-pixel`, `edge` or `http`.
    public var destination: String
    /// The rule that produced it.
    public var rule: String
    /// Where the action is defined.
    public var origin: Origin
    /// The printable form: everything but credentials and secret values.
    public var json: JSONValue
    /// What sending needs and printing must not show.
    public var credentials: DispatchCredentials
    /// How long the send may take.
    public var timeoutMs: Int?

    /// A dispatch.
    public init(destination: String, rule: String, origin: Origin, json: JSONValue, credentials: DispatchCredentials = DispatchCredentials(), timeoutMs: Int? = nil) {
        self.destination = destination
        self.rule = rule
        self.origin = origin
        self.json = json
        self.credentials = credentials
        self.timeoutMs = timeoutMs
    }
}
