import TagwireJSON

/// A request the server refuses: HTTP status, a stable code, a message naming what was wrong and what was
/// expected, and details (the offending event or line) when there are some.
public struct RequestError: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var message: String
    public var details: [JSONValue]
    /// Events the request carried, when known (for the rejected-events metric).
    public var events: Int

    public init(_ status: Int, _ code: String, _ message: String, details: [JSONValue] = [], events: Int = 1) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.events = events
    }

    /// `{"error": {"status", "code", "message", "details"?}}`.
    public var json: JSONValue {
        var m: [(String, JSONValue)] = [
            ("status", .number(Double(status))), ("code", .string(code)), ("message", .string(message)),
        ]
        if !details.isEmpty { m.append(("details", .array(details))) }
        return .object(JSONObject([("error", .object(JSONObject(m)))]))
    }
}
