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
    /// The batch key of a dispatch: pixel, where its token comes from (a ``CredentialsReference``, never the token)
    /// and test code. Events with one key travel together and are sent with the token the reference names then.
    public static func batchKey(pixelID: String, credentials reference: String, testEventCode: String?) -> String {
        "\(pixelID)|\(reference)|\(testEventCode ?? "")"
    }

    /// The pixel a batch key names (its first part).
    public static func pixelID(inBatchKey key: String) -> String {
        String(key.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// Batch key → credentials from an edge library: the token its reference names (the `meta-capi` extension's
    /// `accessToken`, or an action's own), read when the batch is sent, so a replaced token (a new secret value, a
    /// reloaded library) sends what was queued under the old one. The app secret and Graph version are the
    /// extension's. A key of another property, or whose token cannot be read now, gets none: its events wait.
    /// Fails, naming the setting, when the extension's token cannot be read at all (its secret is not set).
    public static func credentialResolver(engine: Engine) throws(EngineError) -> @Sendable (String) -> BatchCredentials?
    {
        @Sendable func text(_ template: Template?) throws(EngineError) -> String? {
            guard let template else { return nil }
            return try engine.renderConstant(template).flatMap { $0.stringValue ?? Coercion.idText($0) }
        }
        func setting(_ key: String) throws(EngineError) -> String? {
            do {
                return try text(engine.graph.extensionSettings("meta-capi")?.member(key))
            } catch {
                throw EngineError(message: "meta-capi \(key): \(error.message)")
            }
        }
        guard let loaded = try setting("accessToken"), !loaded.isEmpty else {
            throw EngineError(message: "meta-capi accessToken: no value")
        }
        let appSecret = try setting("appSecret")
        let version = try setting("graphApiVersion")
        let graph = engine.graph
        return { key in
            // pixel|credentials reference|test code
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let reference = CredentialsReference.parse(parts[1]) else { return nil }
            if let property = reference.property, property != graph.propertyName { return nil }
            let template: Template?
            if reference.file.isEmpty {
                template = graph.extensionSettings("meta-capi")?.member("accessToken")
            } else {
                let action = graph.rules.lazy.flatMap(\.actions).first {
                    $0.origin.file == reference.file && $0.origin.pointer == reference.pointer
                }
                template = action?.settings.member("accessToken")
            }
            guard let current = try? text(template), !current.isEmpty else { return nil }
            return BatchCredentials(
                pixelID: parts[0],
                accessToken: current,
                appSecret: appSecret,
                testEventCode: parts[2].isEmpty ? nil : parts[2],
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
        guard dispatch.destination == "meta-capi", dispatch.credentials.accessToken != nil else { return [] }
        // A dispatch that does not say where its token comes from is sent with the extension's.
        let reference = dispatch.credentials.reference ?? "meta-capi"
        // The engine's dispatches carry the event's bytes: stored as they are.
        if let e = dispatch.conversionsAPIEvent {
            let key = batchKey(pixelID: e.pixelID, credentials: reference, testEventCode: e.built.testEventCode)
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
        let key = batchKey(
            pixelID: pixel,
            credentials: reference,
            testEventCode: payload["test_event_code"]?.stringValue
        )
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

/// One Graph request the deliverer made: for metrics.
public struct DeliveryObservation: Sendable, Equatable {
    public var batchKey: String
    public var events: Int
    /// `delivered`, `retryable`, `rejected` (invalid events) or `setup` (token, pixel: the circuit opens).
    public var outcome: String
    public var seconds: Double
    /// Meta's error message when it was not delivered (never a token or personal data).
    public var reason: String?
    /// The outbox records the request carried.
    public var recordIDs: [Int64] = []
    /// Meta's answer as the sender classified it (with `fbtrace_id`).
    public var result: DeliveryOutcome?
}

/// What one pass over the outbox did.
public struct DrainReport: Sendable, Equatable {
    public var claimed = 0
    public var delivered = 0
    public var rescheduled = 0
    public var deadLettered = 0
    public var requests = 0
    /// Batch keys whose setup Meta refused (token, pixel), or that no credentials could be read for: their events
    /// wait, the circuit is open.
    public var openCircuits: Set<String> = []
    /// Why each circuit of ``openCircuits`` opened (Meta's message, or the missing credentials).
    public var circuitReasons: [String: String] = [:]
    /// Batch keys Meta accepted events for in this pass.
    public var deliveredKeys: Set<String> = []
    /// Batch keys whose setup (token, pixel) Meta accepted in this pass: events delivered, or refused for what
    /// they hold. Their circuits are closed.
    public var workingKeys: Set<String> = []
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
                let reason =
                    "no credentials for this batch key: its token cannot be read now, or it names another property"
                try await outbox.reschedule(batch.map(\.id), availableAt: now + circuitPause, error: reason)
                report.rescheduled += batch.count
                report.openCircuits.insert(key)
                report.circuitReasons[key] = reason
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
                            reason: reason,
                            recordIDs: part.map(\.id),
                            result: outcome
                        )
                    )
                }
                switch outcome {
                case .delivered:
                    try await outbox.complete(part.map(\.id))
                    report.delivered += part.count
                    report.deliveredKeys.insert(key)
                    report.workingKeys.insert(key)
                case .retryable(let after, let reason, _):
                    // One wait for the whole batch, so that it is retried as one request (a wait drawn per record
                    // would scatter it into many small ones). A record whose window that wait passes is given up.
                    let attempt = (part.map(\.attempts).max() ?? 0) + 1
                    let hint = after.map { Double($0.components.seconds) }
                    let at = retry.nextAttempt(
                        attempt: attempt,
                        now: now,
                        eventTime: .infinity,
                        hint: hint,
                        using: &rng
                    )
                    var again: [Int64] = []
                    var late: [Int64] = []
                    for r in part {
                        if let at, at < r.item.eventTime + retry.window {
                            again.append(r.id)
                        } else {
                            late.append(r.id)
                        }
                    }
                    if let at, !again.isEmpty {
                        try await outbox.reschedule(again, availableAt: at, error: reason)
                        report.rescheduled += again.count
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
                        report.circuitReasons[key] = reason
                        continue
                    }
                    report.workingKeys.insert(key)
                    if let halves = BatchPlanner.bisect(part) {
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
