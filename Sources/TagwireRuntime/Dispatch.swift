import TagwireIR
import TagwireJSON

/// Credentials a dispatch needs to be sent; never part of its printable form.
public struct DispatchCredentials: Sendable, Hashable {
    public var accessToken: String?
    public var appSecret: String?
    /// Header values that came from secrets, by header name (http dispatches).
    public var secretHeaders: [String: String]
    /// Where the access token comes from (the property and the setting that names it, never the value), so that
    /// delivery reads the token current when it sends.
    public var reference: String?

    /// Credentials.
    public init(
        accessToken: String? = nil,
        appSecret: String? = nil,
        secretHeaders: [String: String] = [:],
        reference: String? = nil
    ) {
        self.accessToken = accessToken
        self.appSecret = appSecret
        self.secretHeaders = secretHeaders
        self.reference = reference
    }
}

/// A dispatch body an extension keeps in its own form (for example the exact bytes delivery sends), printed as
/// JSON.
public protocol DispatchBody: Sendable {
    /// The dispatch's printable form.
    func json(rule: String) -> JSONValue
    /// Appends the printable form as `JSONWriter` writes ``json(rule:)``, without building it (`tagwire run` writes
    /// every dispatch).
    func write(rule: String, into out: inout [UInt8])
    /// How many warnings the printable form lists.
    var warningCount: Int { get }
    /// Whether `other` prints the same (`tagwire diff` asks for every dispatch of every event).
    func hasSameContent(as other: any DispatchBody) -> Bool
}

extension DispatchBody {
    public func write(rule: String, into out: inout [UInt8]) {
        JSONWriter().write(json(rule: rule), into: &out)
    }

    public var warningCount: Int { json(rule: "")["warnings"]?.arrayValue?.count ?? 0 }

    public func hasSameContent(as other: any DispatchBody) -> Bool { json(rule: "") == other.json(rule: "") }
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
        case body(any DispatchBody)
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

    /// The extension that delivers it (`meta-capi`, `meta-pixel`, `edge`, `http`).
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
            case .body(let b): return b.json(rule: rule)
            }
        }
        set { update { $0.form = .value(newValue) } }
    }

    /// Appends ``json`` as `JSONWriter` writes it.
    public func write(into out: inout [UInt8]) {
        switch box.fields.form {
        case .value(let v): JSONWriter().write(v, into: &out)
        case .body(let b): b.write(rule: rule, into: &out)
        }
    }

    /// Whether `other` prints the same (credentials and timeouts aside).
    public func hasSameContent(as other: Dispatch) -> Bool {
        if box === other.box { return true }
        guard destination == other.destination, rule == other.rule else { return false }
        switch (box.fields.form, other.box.fields.form) {
        case (.value(let a), .value(let b)): return a == b
        case (.body(let a), .body(let b)): return a.hasSameContent(as: b)
        default: return json == other.json
        }
    }

    /// How many warnings ``json`` lists.
    public var warningCount: Int {
        switch box.fields.form {
        case .value(let v): return v["warnings"]?.arrayValue?.count ?? 0
        case .body(let b): return b.warningCount
        }
    }

    /// The body in its extension's own form, when it was made with one (nil once `json` is set).
    public var body: (any DispatchBody)? {
        if case .body(let b) = box.fields.form { return b }
        return nil
    }

    public init(
        destination: String,
        rule: String,
        origin: Origin,
        json: JSONValue,
        credentials: DispatchCredentials = DispatchCredentials(),
        timeoutMs: Int? = nil
    ) {
        box = Box(
            Fields(
                destination: destination,
                rule: rule,
                origin: origin,
                credentials: credentials,
                timeoutMs: timeoutMs,
                form: .value(json)
            )
        )
    }

    /// A dispatch whose body an extension keeps in its own form.
    public init(
        destination: String,
        rule: String,
        origin: Origin,
        body: any DispatchBody,
        credentials: DispatchCredentials = DispatchCredentials(),
        timeoutMs: Int? = nil
    ) {
        box = Box(
            Fields(
                destination: destination,
                rule: rule,
                origin: origin,
                credentials: credentials,
                timeoutMs: timeoutMs,
                form: .body(body)
            )
        )
    }

    public static func == (lhs: Dispatch, rhs: Dispatch) -> Bool {
        lhs.box === rhs.box
            || (lhs.destination == rhs.destination && lhs.rule == rhs.rule && lhs.origin == rhs.origin
                && lhs.credentials == rhs.credentials
                && lhs.timeoutMs == rhs.timeoutMs && lhs.json == rhs.json)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(destination)
        hasher.combine(rule)
        hasher.combine(json)
    }
}
