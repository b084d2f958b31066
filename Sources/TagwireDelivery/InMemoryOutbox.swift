import Synchronization

/// An outbox in memory, for tests and offline runs. Nothing survives the process.
public final class InMemoryOutbox: Outbox {
    private struct Entry {
        var record: OutboxRecord
        var leaseUntil: Double?
        var deadReason: String?
    }

    private struct State {
        var entries: [Int64: Entry] = [:]
        var nextID: Int64 = 1
    }

    private let state = Mutex(State())

    /// An empty outbox.
    public init() {}

    /// The records still waiting (not dead-lettered), oldest first: what was not delivered.
    public func waiting() -> [OutboxRecord] {
        state.withLock { s in
            s.entries.values.filter { $0.deadReason == nil }.map(\.record).sorted { $0.id < $1.id }
        }
    }

    /// The earliest time a waiting record may be claimed, or nil when none waits.
    public func nextAvailable() -> Double? {
        state.withLock { s in
            s.entries.values.filter { $0.deadReason == nil }.map { max($0.record.availableAt, $0.leaseUntil ?? 0) }
                .min()
        }
    }

    public func enqueue(_ items: [OutboxItem]) async throws -> [Int64] {
        state.withLock { s in
            items.map { item in
                let id = s.nextID
                s.nextID += 1
                s.entries[id] = Entry(
                    record: OutboxRecord(id: id, item: item, attempts: 0, availableAt: 0, lastError: nil)
                )
                return id
            }
        }
    }

    public func claim(limit: Int, lease: Double, now: Double) async throws -> [OutboxRecord] {
        state.withLock { s in
            let ready = s.entries.values
                .filter { $0.deadReason == nil && $0.record.availableAt <= now && ($0.leaseUntil ?? -.infinity) <= now }
                .sorted { $0.record.id < $1.record.id }
                .prefix(limit)
            for e in ready { s.entries[e.record.id]?.leaseUntil = now + lease }
            return ready.map(\.record)
        }
    }

    public func complete(_ ids: [Int64]) async throws {
        state.withLock { s in for id in ids { s.entries[id] = nil } }
    }

    public func reschedule(_ ids: [Int64], availableAt: Double, error: String) async throws {
        state.withLock { s in
            for id in ids where s.entries[id] != nil {
                s.entries[id]?.record.attempts += 1
                s.entries[id]?.record.availableAt = availableAt
                s.entries[id]?.record.lastError = error
                s.entries[id]?.leaseUntil = nil
            }
        }
    }

    public func deadLetter(_ ids: [Int64], reason: String) async throws {
        state.withLock { s in
            for id in ids where s.entries[id] != nil {
                s.entries[id]?.deadReason = reason
                s.entries[id]?.leaseUntil = nil
                s.entries[id]?.record.attempts += 1
            }
        }
    }

    public func stats(now: Double) async throws -> [String: OutboxStats] {
        state.withLock { s in
            var out: [String: OutboxStats] = [:]
            for e in s.entries.values {
                var st = out[e.record.item.destination] ?? OutboxStats()
                if e.deadReason != nil {
                    st.deadLettered += 1
                } else if let lease = e.leaseUntil, lease > now {
                    st.inFlight += 1
                } else {
                    st.queued += 1
                    if e.record.attempts > 0 { st.retrying += 1 }
                }
                out[e.record.item.destination] = st
            }
            return out
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        state.withLock { s in
            s.entries.values.compactMap { e in
                e.deadReason.map {
                    DeadLetter(id: e.record.id, item: e.record.item, attempts: e.record.attempts, reason: $0)
                }
            }.sorted { $0.id < $1.id }.prefix(limit).map { $0 }
        }
    }

    public func requeue(_ ids: [Int64], now: Double) async throws {
        state.withLock { s in
            for id in ids where s.entries[id]?.deadReason != nil {
                s.entries[id]?.deadReason = nil
                s.entries[id]?.record.attempts = 0
                s.entries[id]?.record.availableAt = now
            }
        }
    }

    public func purgeDeadLetters() async throws -> Int {
        state.withLock { s in
            let dead = s.entries.filter { $0.value.deadReason != nil }.map(\.key)
            for id in dead { s.entries[id] = nil }
            return dead.count
        }
    }
}
