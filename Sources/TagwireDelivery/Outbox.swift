/// One event waiting for delivery: what to send and where, never a secret.
public struct OutboxItem: Sendable, Equatable {
    /// `meta-capi`.
    public var destination: String
    /// Events with the same key travel in one request: pixel, credential reference and test code.
    public var batchKey: String
    /// The event's JSON (one element of the Graph request's `data`).
    public var payload: [UInt8]
    /// Unix seconds of the event: retries stop while Meta still accepts it.
    public var eventTime: Double

    public init(destination: String, batchKey: String, payload: [UInt8], eventTime: Double) {
        self.destination = destination
        self.batchKey = batchKey
        self.payload = payload
        self.eventTime = eventTime
    }
}

/// A stored item with its delivery state.
public struct OutboxRecord: Sendable, Equatable {
    public var id: Int64
    public var item: OutboxItem
    /// Delivery attempts so far.
    public var attempts: Int
    /// When it may next be claimed (Unix seconds).
    public var availableAt: Double
    /// The last failure, for retries and dead letters.
    public var lastError: String?

    public init(id: Int64, item: OutboxItem, attempts: Int, availableAt: Double, lastError: String?) {
        self.id = id
        self.item = item
        self.attempts = attempts
        self.availableAt = availableAt
        self.lastError = lastError
    }
}

/// Queue figures per destination.
public struct OutboxStats: Sendable, Equatable {
    /// Waiting and available now or later.
    public var queued: Int
    /// Claimed under a lease that has not expired.
    public var inFlight: Int
    /// Waiting after at least one failed attempt.
    public var retrying: Int
    /// Given up on, with a reason.
    public var deadLettered: Int

    /// Figures.
    public init(queued: Int = 0, inFlight: Int = 0, retrying: Int = 0, deadLettered: Int = 0) {
        self.queued = queued
        self.inFlight = inFlight
        self.retrying = retrying
        self.deadLettered = deadLettered
    }
}

/// A dead-lettered item and why.
public struct DeadLetter: Sendable, Equatable {
    public var id: Int64
    public var item: OutboxItem
    public var attempts: Int
    public var reason: String

    public init(id: Int64, item: OutboxItem, attempts: Int, reason: String) {
        self.id = id
        self.item = item
        self.attempts = attempts
        self.reason = reason
    }
}

/// The durable queue between the engine and delivery: every accepted event stays until Meta has it or it is
/// dead-lettered with a reason.
///
/// Claims are leases: a claimed record is invisible to other claimers until it is completed, rescheduled or
/// dead-lettered, or until its lease expires (the runner died), after which it can be claimed again. Delivery is
/// therefore at least once; events carry stable `event_id`s so Meta drops repeats.
public protocol Outbox: Sendable {
    /// Stores items durably; returns their ids in order.
    func enqueue(_ items: [OutboxItem]) async throws -> [Int64]
    /// Claims up to `limit` available records (oldest first), leasing them until `now + lease`.
    func claim(limit: Int, lease: Double, now: Double) async throws -> [OutboxRecord]
    /// Removes delivered records.
    func complete(_ ids: [Int64]) async throws
    /// Releases records for another attempt at `availableAt`, counting the attempt and keeping the error.
    func reschedule(_ ids: [Int64], availableAt: Double, error: String) async throws
    /// Moves records to the dead letters with a reason, counting the attempt that failed.
    func deadLetter(_ ids: [Int64], reason: String) async throws
    /// Figures per destination at `now`.
    func stats(now: Double) async throws -> [String: OutboxStats]
    /// Dead letters, oldest first.
    func deadLetters(limit: Int) async throws -> [DeadLetter]
    /// Puts dead letters back in the queue (attempts reset), available at `now`.
    func requeue(_ ids: [Int64], now: Double) async throws
    /// Deletes dead letters; returns how many.
    func purgeDeadLetters() async throws -> Int
}

/// An outbox that can tell a worker when another process enqueued (PostgreSQL's LISTEN/NOTIFY), so idle workers
/// wake at once instead of polling.
public protocol ListeningOutbox: Outbox {
    /// Calls `wake` on every enqueue into this outbox by any process, until the task is cancelled.
    func listen(_ wake: @escaping @Sendable () -> Void) async throws
}
