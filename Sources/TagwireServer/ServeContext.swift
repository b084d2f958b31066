import Hummingbird
import NIOCore
import TagwireJSON

/// The request context of `tagwire serve`: Hummingbird's core storage and the peer's address (the client IP
/// an edge event gets when it does not carry its own `request`).
public struct ServeContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The server enforces its own, configurable body limit (`ServeLimits.maxBodyBytes`) with a JSON error.
    public var maxUploadSize: Int { 64 * 1024 * 1024 }
}

/// Limits on what one request may carry and how long it may take.
public struct ServeLimits: Sendable {
    /// Largest request body, in bytes (default 1 MiB).
    public var maxBodyBytes: Int
    /// Most events in one request (default 500).
    public var maxEvents: Int
    /// Deepest nesting of arrays and objects in an event (default 32).
    public var maxDepth: Int
    /// Time a client has to send the whole body once its headers arrived (default 10 s).
    public var bodyTimeout: Duration
    /// A connection that sends nothing for this long is closed, also mid-headers (default 30 s).
    public var idleTimeout: Duration

    /// Limits, with the documented defaults.
    public init(
        maxBodyBytes: Int = 1 << 20,
        maxEvents: Int = 500,
        maxDepth: Int = 32,
        bodyTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(30)
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxEvents = maxEvents
        self.maxDepth = maxDepth
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
    }
}

/// How the server runs: limits, the admin token and whether to trust `X-Forwarded-For`.
public struct ServeOptions: Sendable {
    public var limits: ServeLimits
    /// The bearer token of the admin endpoints; without one they answer 403.
    public var adminToken: String?
    /// Take the client IP from the first `X-Forwarded-For` entry (behind a proxy you run).
    public var trustForwardedFor: Bool
    /// The web libraries hosted at `/libraries/...` (none unless `--libraries`).
    public var libraries: WebLibraryHost
    /// The pages hosted at `/demo/...` (none unless `--demo`).
    public var pages: DemoPages
    /// The origins demo pages are served from (`http://127.0.0.1:8080`, the page `quickstart validate --url`
    /// opens): their events are accepted like those of the property's domains.
    public var demoOrigins: Set<String>
    /// Told of each request's events once they are stored, with the `202` answer's body (`tagwire quickstart
    /// validate` follows the events a browser forwards this way).
    public var onAccepted: (@Sendable (_ events: [JSONValue], _ answer: [UInt8]) -> Void)?

    /// Options.
    public init(
        limits: ServeLimits = ServeLimits(),
        adminToken: String? = nil,
        trustForwardedFor: Bool = false,
        libraries: WebLibraryHost = WebLibraryHost(),
        pages: DemoPages = DemoPages(),
        demoOrigins: Set<String> = [],
        onAccepted: (@Sendable (_ events: [JSONValue], _ answer: [UInt8]) -> Void)? = nil
    ) {
        self.limits = limits
        self.adminToken = adminToken
        self.trustForwardedFor = trustForwardedFor
        self.libraries = libraries
        self.pages = pages
        self.demoOrigins = demoOrigins
        self.onAccepted = onAccepted
    }
}
