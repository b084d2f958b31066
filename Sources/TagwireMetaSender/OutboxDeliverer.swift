import Synchronization
import TagwireDelivery
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaExtensions
import TagwireRuntime

/// What a batch needs to be sent: the pixel, the credentials and the test code its key stands for.
public struct BatchCredentials: Sendable, Equatable {
    public var pixelID: String
    public var accessToken: String
    public var appSecret: String?
    public var testEventCode: String?
    public var version: String?

    /// Credentials for a batch key.
    public init(
        pixelID: String,
        accessToken: String,
        appSecret: String? = nil,
        testEventCode: String? = nil,
        version: String? = nil
    ) {
        self.pixelID = pixelID
        self.accessToken = accessToken
        self.appSecret = appSecret
        self.testEventCode = testEventCode
        self.version = version
    }
}

/// Turns Conversions API dispatches into outbox items and back into requests.
public enum ConversionsAPIItems {
    /// The batch key of a dispatch: pixel, a reference to its token (a hash prefix, never the token) and test code.
    public static func batchKey(pixelID: String, accessToken: String, testEventCode: String?) -> String {
        "\(pixelID)|\(tokenReferences.reference(accessToken))|\(testEventCode ?? "")"
    }

    /// A library sends with one token, so the last token's reference is kept: every event of every request
    /// would otherwise hash the same token again.
    static let tokenReferences = TokenReferences()

    /// The pixel a batch key names (its first part).
    public static func pixelID(inBatchKey key: String) -> String {
        String(key.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// Batch key → credentials from an edge library's `meta-capi` extension (token, app secret, Graph version):
    /// only the configured token may send a batch, so a key whose token reference differs gets none. Fails, naming
    /// the setting, when the token cannot be resolved (its secret is not set).
    public static func credentialResolver(engine: Engine) throws(EngineError) -> @Sendable (String) -> BatchCredentials?
    {
        func text(_ key: String) throws(EngineError) -> String? {
            do {
                return try engine.extensionSetting("meta-capi", key).flatMap {
                    $0.stringValue ?? ($0.numberValue.map { String(Int64($0)) })
                }
            } catch {
                throw EngineError(message: "meta-capi \(key): \(error.message)")
            }
        }
        guard let token = try text("accessToken"), !token.isEmpty else {
            throw EngineError(message: "meta-capi accessToken: no value")
        }
        let appSecret = try text("appSecret")
        let version = try text("graphApiVersion")
        return { key in
            // pixel|token reference|test code
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { return nil }
            let test = parts[2].isEmpty ? nil : parts[2]
            guard batchKey(pixelID: parts[0], accessToken: token, testEventCode: test) == key else { return nil }
            return BatchCredentials(
                pixelID: parts[0],
                accessToken: token,
                appSecret: appSecret,
                testEventCode: test,
                version: version
            )
        }
    }

    /// The Graph API request body for stored events (the events' JSON as the engine wrote it), with Tagwire's
    /// partner agent.
    public static func requestBody(payloads: [[UInt8]], testEventCode: String?) -> [UInt8] {
        ConversionEventBuilder.requestBody(
            events: payloads,
            testEventCode: testEventCode,
            partnerAgent: "tagwire-\(TagwireVersion.current)"
        )
    }

    /// One outbox item per event of a `meta-capi` dispatch.
    public static func items(for dispatch: Dispatch) -> [OutboxItem] {
        stored(dispatch).map(\.item)
    }

    /// One outbox item per event of a `meta-capi` dispatch, with the event's `event_id` (nil when it has none).
    public static func stored(_ dispatch: Dispatch) -> [(item: OutboxItem, eventID: JSONValue?)] {
        guard dispatch.destination == "meta-capi", let token = dispatch.credentials.accessToken else { return [] }
        // The engine's dispatches carry the event's bytes: stored as they are.
        if let e = dispatch.conversionsAPIEvent {
            let key = batchKey(pixelID: e.pixelID, accessToken: token, testEventCode: e.built.testEventCode)
            let item = OutboxItem(
                destination: "meta-capi",
                batchKey: key,
                payload: e.built.bytes,
                eventTime: e.built.eventTime
            )
            return [(item, e.built.eventID.map(JSONValue.string))]
        }
        guard let pixel = dispatch.json["pixelId"]?.stringValue, let payload = dispatch.json["payload"] else {
            return []
        }
        let key = batchKey(pixelID: pixel, accessToken: token, testEventCode: payload["test_event_code"]?.stringValue)
        return (payload["data"]?.arrayValue ?? []).map { event in
            let item = OutboxItem(
                destination: "meta-capi",
                batchKey: key,
                payload: JSONWriter().bytes(event),
                eventTime: event["event_time"]?.numberValue ?? 0
            )
            return (item, event["event_id"])
        }
    }
}

/// The token reference of the last token seen (a hash prefix, never the token).
final class TokenReferences: Sendable {
    private let last = Mutex<(token: String, reference: String)?>(nil)

    func reference(_ token: String) -> String {
        if let hit = last.withLock({ $0 }), hit.token == token { return hit.reference }
        let reference = String(SHA256.hexDigest(token).prefix(16))
        last.withLock { $0 = (token, reference) }
        return reference
    }
}

/// One Graph request the deliverer made: for metrics.
public struct DeliveryObservation: Sendable, Equatable {
    public var batchKey: String
    public var events: Int
    /// `delivered`, `retryable`, `rejected` (invalid events) or `setup` (token, pixel: the circuit opens).
    public var outcome: String
    public var seconds: Double
    /// Meta's error message when it was not delivered (never a token or personal data).
    public var reason: String?
}

/// What one pass over the outbox did.
public struct DrainReport: Sendable, Equatable {
    public var claimed = 0
    public var delivered = 0
    public var rescheduled = 0
    public var deadLettered = 0
    public var requests = 0
    /// Batch keys whose setup Meta refused (token, pixel): their events wait, the circuit is open.
    public var openCircuits: Set<String> = []
    /// Batch keys Meta accepted events for in this pass (their circuits are closed).
    public var deliveredKeys: Set<String> = []
}

/// Delivers claimed outbox records in batches, retrying, bisecting rejected batches and dead-lettering what Meta
/// will never accept.
///
/// - delivered: the records are completed;
/// - retryable: rescheduled with exponential full-jitter backoff while the event's 7-day window allows, else
///   dead-lettered with the reason;
/// - rejected as invalid (code 100) with more than one event: the batch is split in halves, sent again, until each
///   bad event stands alone and is dead-lettered with Meta's error — the good ones are delivered;
/// - rejected for the setup (190 token, 100/33 pixel, 104, 10, 200–299): the circuit for that key opens, its
///   records are rescheduled after `circuitPause` with nothing dead-lettered, so delivery resumes after the fix.
public struct OutboxDeliverer: Sendable {
    public let outbox: any Outbox
    public let sender: ConversionsAPISender
    public let credentials: @Sendable (String) -> BatchCredentials?
    public var retry: RetryStrategy
    public var lease: Double
    public var batchLimit: Int
    public var circuitPause: Double
    /// Told about each Graph request (outcome and duration).
    public var observe: (@Sendable (DeliveryObservation) -> Void)?

    /// A deliverer over an outbox; `credentials` maps a batch key to what sending needs.
    public init(
        outbox: any Outbox,
        sender: ConversionsAPISender,
        retry: RetryStrategy = .exponentialJitter,
        lease: Double = 60,
        batchLimit: Int = BatchPlanner.maximumBatch,
        circuitPause: Double = 30,
        credentials: @escaping @Sendable (String) -> BatchCredentials?
    ) {
        self.outbox = outbox
        self.sender = sender
        self.retry = retry
        self.lease = lease
        self.batchLimit = batchLimit
        self.circuitPause = circuitPause
        self.credentials = credentials
    }

    static func isSetupError(_ code: Int?, _ subcode: Int?) -> Bool {
        guard let code else { return false }
        return code == 190 || code == 104 || code == 102 || code == 10 || (200...299).contains(code)
            || (code == 100 && subcode == 33)
    }

    /// Claims up to `limit` records and delivers them.
    public func drainOnce(now: Double, limit: Int = 10_000) async throws -> DrainReport {
        var report = DrainReport()
        let records = try await outbox.claim(limit: limit, lease: lease, now: now)
        report.claimed = records.count
        var rng = SystemRandomNumberGenerator()
        for batch in BatchPlanner.batches(records, limit: batchLimit) {
            guard let key = batch.first?.item.batchKey else { continue }
            guard let creds = credentials(key) else {
                // No credentials loaded for this key (the library changed): wait, do not lose the events.
                try await outbox.reschedule(
                    batch.map(\.id),
                    availableAt: now + circuitPause,
                    error: "no credentials for batch key"
                )
                report.rescheduled += batch.count
                report.openCircuits.insert(key)
                continue
            }
            var pending = [batch]
            while let part = pending.popLast() {
                // The stored payloads are the events' JSON as the engine wrote it: the request is assembled from them
                // without parsing and writing each event again.
                let body = ConversionsAPIItems.requestBody(
                    payloads: part.map(\.item.payload),
                    testEventCode: creds.testEventCode
                )
                report.requests += 1
                let started = ContinuousClock.now
                let outcome = await sender.send(
                    pixelID: creds.pixelID,
                    body: body,
                    accessToken: creds.accessToken,
                    appSecret: creds.appSecret,
                    version: creds.version
                )
                if let observe {
                    let elapsed = ContinuousClock.now - started
                    let label: String
                    var reason: String?
                    switch outcome {
                    case .delivered: label = "delivered"
                    case .retryable(_, let r, _):
                        label = "retryable"
                        reason = r
                    case .rejected(let r, let code, let subcode, _):
                        label = Self.isSetupError(code, subcode) ? "setup" : "rejected"
                        reason = r
                    }
                    observe(
                        DeliveryObservation(
                            batchKey: key,
                            events: part.count,
                            outcome: label,
                            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                            reason: reason
                        )
                    )
                }
                switch outcome {
                case .delivered:
                    try await outbox.complete(part.map(\.id))
                    report.delivered += part.count
                    report.deliveredKeys.insert(key)
                case .retryable(let after, let reason, _):
                    var late: [Int64] = []
                    for r in part {
                        let hint = after.map { Double($0.components.seconds) }
                        if let at = retry.nextAttempt(
                            attempt: r.attempts + 1,
                            now: now,
                            eventTime: r.item.eventTime,
                            hint: hint,
                            using: &rng
                        ) {
                            try await outbox.reschedule([r.id], availableAt: at, error: reason)
                            report.rescheduled += 1
                        } else {
                            late.append(r.id)
                        }
                    }
                    if !late.isEmpty {
                        try await outbox.deadLetter(
                            late,
                            reason: "retries stopped at the end of the event's window; last error: \(reason)"
                        )
                        report.deadLettered += late.count
                    }
                case .rejected(let reason, let code, let subcode, _):
                    if Self.isSetupError(code, subcode) {
                        try await outbox.reschedule(
                            part.map(\.id),
                            availableAt: now + circuitPause,
                            error: "circuit open: \(reason)"
                        )
                        report.rescheduled += part.count
                        report.openCircuits.insert(key)
                    } else if let halves = BatchPlanner.bisect(part) {
                        pending += halves
                    } else {
                        try await outbox.deadLetter(part.map(\.id), reason: reason)
                        report.deadLettered += part.count
                    }
                }
            }
        }
        return report
    }
}
