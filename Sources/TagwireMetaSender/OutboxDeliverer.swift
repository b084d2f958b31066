import TagwireDelivery
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireRuntime

/// What a batch needs to be sent: the pixel, the credentials and the test code its key stands for.
public struct BatchCredentials: Sendable, Equatable {
    public var pixelID: String
    public var accessToken: String
    public var appSecret: String?
    public var testEventCode: String?
    public var version: String?

    /// Credentials for a batch key.
    public init(pixelID: String, accessToken: String, appSecret: String? = nil, testEventCode: String? = nil, version: String? = nil) {
        self.pixelID = pixelID
        self.accessToken = accessToken
        self.appSecret = appSecret
        self.testEventCode = testEventCode
        self.version = version
    }
}

/// Turns Conversions API dispatches into outbox items and back into requests.
public enum ConversionsAPIOutbox {
    /// The batch key of a dispatch: pixel, a reference to its token (a hash prefix, never the token) and test code.
    public static func batchKey(pixelID: String, accessToken: String, testEventCode: String?) -> String {
        "\(pixelID)|\(SHA256.hexDigest(accessToken).prefix(16))|\(testEventCode ?? "")"
    }

    /// One outbox item per event of a `meta-capi` dispatch.
    public static func items(for dispatch: Dispatch) -> [OutboxItem] {
        guard dispatch.destination == "meta-capi", let pixel = dispatch.json["pixelId"]?.stringValue,
            let token = dispatch.credentials.accessToken, let payload = dispatch.json["payload"]
        else { return [] }
        let key = batchKey(pixelID: pixel, accessToken: token, testEventCode: payload["test_event_code"]?.stringValue)
        return (payload["data"]?.arrayValue ?? []).map { event in
            OutboxItem(destination: "meta-capi", batchKey: key, payload: JSONWriter().bytes(event), eventTime: event["event_time"]?.numberValue ?? 0)
        }
    }
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
        return code == 190 || code == 104 || code == 102 || code == 10 || (200...299).contains(code) || (code == 100 && subcode == 33)
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
                try await outbox.reschedule(batch.map(\.id), availableAt: now + circuitPause, error: "no credentials for batch key")
                report.rescheduled += batch.count
                report.openCircuits.insert(key)
                continue
            }
            var pending = [batch]
            while let part = pending.popLast() {
                let events = part.compactMap { try? JSONReader.parse($0.item.payload) }
                let body = ConversionEventBuilder.requestBodyWithAgent(events: events, testEventCode: creds.testEventCode)
                report.requests += 1
                let outcome = await sender.send(pixelID: creds.pixelID, payload: body, accessToken: creds.accessToken, appSecret: creds.appSecret, version: creds.version)
                switch outcome {
                case .delivered:
                    try await outbox.complete(part.map(\.id))
                    report.delivered += part.count
                case .retryable(let after, let reason, _):
                    var late: [Int64] = []
                    for r in part {
                        let hint = after.map { Double($0.components.seconds) }
                        if let at = retry.nextAttempt(attempt: r.attempts + 1, now: now, eventTime: r.item.eventTime, hint: hint, using: &rng) {
                            try await outbox.reschedule([r.id], availableAt: at, error: reason)
                            report.rescheduled += 1
                        } else {
                            late.append(r.id)
                        }
                    }
                    if !late.isEmpty {
                        try await outbox.deadLetter(late, reason: "retries stopped at the end of the event's window; last error: \(reason)")
                        report.deadLettered += late.count
                    }
                case .rejected(let reason, let code, let subcode, _):
                    if Self.isSetupError(code, subcode) {
                        try await outbox.reschedule(part.map(\.id), availableAt: now + circuitPause, error: "circuit open: \(reason)")
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

extension ConversionEventBuilder {
    /// The request body for delivery, with Tagwire's `partner_agent`.
    static func requestBodyWithAgent(events: [JSONValue], testEventCode: String?) -> JSONValue {
        requestBody(events: events, testEventCode: testEventCode, partnerAgent: "tagwire-\(TagwireVersion.current)")
    }
}
