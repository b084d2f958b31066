import Foundation
import TagwireHashing
import TagwireJSON

/// What the sandbox accepts: access tokens and the pixels each may send to, the app secret, validation mode.
public struct SandboxConfiguration: Sendable {
    /// Valid tokens and the pixels (datasets) they may send to.
    public var tokens: [String: Set<String>]
    /// Tokens that are known but expired (code 190, subcode 463).
    public var expiredTokens: Set<String>
    /// The app secret that `appsecret_proof` is checked against when a request carries one.
    public var appSecret: String?
    /// Reject requests without `appsecret_proof`.
    public var requireProof: Bool
    /// Reject hashed keys that are not digests (false: accept with a warning in `messages`).
    public var strictHashes: Bool

    /// A configuration; by default token `sandbox-token` may send to pixel `1234567890123456`.
    public init(
        tokens: [String: Set<String>] = ["sandbox-token": ["1234567890123456"]],
        expiredTokens: Set<String> = [],
        appSecret: String? = nil,
        requireProof: Bool = false,
        strictHashes: Bool = true
    ) {
        self.tokens = tokens
        self.expiredTokens = expiredTokens
        self.appSecret = appSecret
        self.requireProof = requireProof
        self.strictHashes = strictHashes
    }
}

/// A fault to inject into the next requests.
public enum SandboxFault: Sendable, Equatable {
    /// A Graph error, such as code 2 (HTTP 500), 4/17/613 (throttling, HTTP 400) or a transient 100.
    case graphError(GraphError)
    /// An HTML 502 page from a proxy.
    case htmlBadGateway
    /// The connection closes before a response.
    case dropConnection
    /// The answer comes after a delay (milliseconds), then the request is handled normally.
    case delay(Int)
}

/// One event the sandbox accepted (or a Pixel beacon it saw).
public struct ReceivedEvent: Sendable {
    public var pixel: String
    public var eventName: String
    public var eventID: String?
    public var eventTime: Double?
    /// `server` (Conversions API) or `browser` (Pixel beacon).
    public var source: String
    public var testEventCode: String?
    public var partnerAgent: String?
    public var receivedAt: Double
    public var event: JSONValue
}

/// Meta's deduplication model (reference §6): key (pixel, event name, event id); a later copy within 48 hours is a
/// duplicate; the first wins unless a browser copy arrives within 5 minutes of a server one.
public struct DedupEntry: Sendable {
    public var firstSeen: Double
    public var winner: String
    public var copies: Int
    public var sources: [String]
}

/// The sandbox's state: what it received, the dedup model and pending faults.
public actor SandboxState {
    public let configuration: SandboxConfiguration
    public private(set) var events: [ReceivedEvent] = []
    public private(set) var requests = 0
    public private(set) var dedup: [String: DedupEntry] = [:]
    private var faults: [SandboxFault] = []
    private var random = SystemRandomNumberGenerator()
    private let clock: @Sendable () -> Double

    /// A state with a configuration and a clock (Unix seconds).
    public init(
        configuration: SandboxConfiguration = SandboxConfiguration(),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.configuration = configuration
        self.clock = clock
    }

    /// The sandbox's current time.
    public func now() -> Double { clock() }

    /// Queues faults for the next requests, in order.
    public func inject(_ fault: SandboxFault, count: Int = 1) {
        for _ in 0..<max(1, count) { faults.append(fault) }
    }

    /// Takes the fault for this request, if any, and counts the request.
    func nextFault() -> SandboxFault? {
        requests += 1
        return faults.isEmpty ? nil : faults.removeFirst()
    }

    /// A 22-character base64url trace id.
    func traceID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<22).map { _ in alphabet[Int(random.next() % 64)] })
    }

    /// Records accepted events and runs the dedup model.
    func accept(_ list: [ReceivedEvent]) {
        for e in list {
            events.append(e)
            guard let id = e.eventID else { continue }
            let key = "\(e.pixel)\u{0}\(e.eventName)\u{0}\(id)"
            if var entry = dedup[key], e.receivedAt - entry.firstSeen <= 48 * 3600 {
                entry.copies += 1
                entry.sources.append(e.source)
                if e.source == "browser", entry.winner == "server", e.receivedAt - entry.firstSeen <= 300 {
                    entry.winner = "browser"
                }
                dedup[key] = entry
            } else {
                dedup[key] = DedupEntry(firstSeen: e.receivedAt, winner: e.source, copies: 1, sources: [e.source])
            }
        }
    }

    /// Forgets everything received and every pending fault.
    public func reset() {
        events = []
        requests = 0
        dedup = [:]
        faults = []
    }

    /// Events received for a pixel (all when nil).
    public func received(pixel: String? = nil) -> [ReceivedEvent] {
        events.filter { pixel == nil || $0.pixel == pixel }
    }

    /// Dedup counts: unique keys, copies received, duplicates discarded, keys won by the browser copy.
    public func dedupSummary(pixel: String? = nil) -> (unique: Int, copies: Int, duplicates: Int, browserWins: Int) {
        let prefix = pixel.map { $0 + "\u{0}" }
        let entries = dedup.filter { prefix == nil || $0.key.hasPrefix(prefix ?? "") }.map(\.value)
        let copies = entries.reduce(0) { $0 + $1.copies }
        return (
            entries.count, copies, copies - entries.count,
            entries.filter { $0.winner == "browser" && $0.copies > 1 }.count
        )
    }
}
