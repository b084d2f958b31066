import Foundation
import TagwireDelivery
import TagwireOutboxPostgres
import TagwireTestSupport
import Testing

@testable import TagwireOutboxSQLite

/// One conformance suite, run against every outbox implementation.
struct OutboxConformanceTests {
    enum Kind: String, CaseIterable, Sendable {
        case memory, sqlite, postgres
    }

    /// PostgreSQL runs when TAGWIRE_POSTGRES_URL names a server (`.ci/run` starts one on loopback).
    static let postgresURL = ProcessInfo.processInfo.environment["TAGWIRE_POSTGRES_URL"]
    static let kinds: [Kind] = postgresURL == nil ? [.memory, .sqlite] : Kind.allCases

    /// Runs `body` with a fresh outbox of a kind, removed afterwards.
    static func withOutbox(_ kind: Kind, _ body: @Sendable (any Outbox) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(InMemoryOutbox())
        case .sqlite:
            let path = NSTemporaryDirectory() + "tagwire-outbox-\(UUID().uuidString).sqlite"
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            try await body(try SQLiteOutbox(path: path))
        case .postgres:
            let url = try #require(postgresURL)
            let table = Scratch.tableName("outbox_test")
            try await PostgresOutbox.withOutbox(url: url, table: table) { outbox in
                do {
                    try await body(outbox)
                } catch {
                    try? await outbox.drop()
                    throw error
                }
                try await outbox.drop()
            }
        }
    }

    static func item(_ n: Int, key: String = "pixel-1|token-a|", time: Double = 1_000) -> OutboxItem {
        OutboxItem(
            destination: "meta-capi",
            batchKey: key,
            payload: Array("{\"event_id\":\"\(n)\"}".utf8),
            eventTime: time
        )
    }

    @Test(arguments: kinds)
    func enqueueClaimCompleteRoundTrip(_ kind: Kind) async throws {
        try await Self.withOutbox(kind) { outbox in
            let ids = try await outbox.enqueue((0..<5).map { Self.item($0) })
            #expect(ids.count == 5)
            #expect(Set(ids).count == 5)
            let first = try await outbox.claim(limit: 3, lease: 30, now: 100)
            #expect(first.map(\.id) == Array(ids.prefix(3)))
            #expect(first.first?.item == Self.item(0))
            // Leased records are invisible to other claimers until the lease ends.
            let second = try await outbox.claim(limit: 10, lease: 30, now: 101)
            #expect(second.map(\.id) == Array(ids.suffix(2)))
            #expect(try await outbox.claim(limit: 10, lease: 30, now: 102).isEmpty)
            try await outbox.complete(first.map(\.id))
            let stats = try await outbox.stats(now: 102)
            #expect(stats["meta-capi"] == OutboxStats(queued: 0, inFlight: 2, retrying: 0, deadLettered: 0))
        }
    }

    @Test(arguments: kinds)
    func expiredLeasesAreClaimedAgain(_ kind: Kind) async throws {
        try await Self.withOutbox(kind) { outbox in
            let ids = try await outbox.enqueue([Self.item(1)])
            #expect(try await outbox.claim(limit: 1, lease: 30, now: 100).map(\.id) == ids)
            #expect(try await outbox.claim(limit: 1, lease: 30, now: 129).isEmpty)
            // The runner that held it died: after the lease another claims it.
            #expect(try await outbox.claim(limit: 1, lease: 30, now: 131).map(\.id) == ids)
        }
    }

    @Test(arguments: kinds)
    func rescheduleCountsAttemptsAndWaits(_ kind: Kind) async throws {
        try await Self.withOutbox(kind) { outbox in
            let ids = try await outbox.enqueue([Self.item(1)])
            _ = try await outbox.claim(limit: 1, lease: 30, now: 100)
            try await outbox.reschedule(ids, availableAt: 200, error: "HTTP 500")
            #expect(try await outbox.claim(limit: 1, lease: 30, now: 150).isEmpty)
            #expect(
                try await outbox.stats(now: 150)["meta-capi"]
                    == OutboxStats(queued: 1, inFlight: 0, retrying: 1, deadLettered: 0)
            )
            let again = try await outbox.claim(limit: 1, lease: 30, now: 200)
            #expect(again.first?.attempts == 1)
            #expect(again.first?.lastError == "HTTP 500")
        }
    }

    @Test(arguments: kinds)
    func deadLettersKeepTheReasonAndCanBeRequeuedOrPurged(_ kind: Kind) async throws {
        try await Self.withOutbox(kind) { outbox in
            let ids = try await outbox.enqueue([Self.item(1), Self.item(2), Self.item(3)])
            _ = try await outbox.claim(limit: 3, lease: 30, now: 100)
            try await outbox.deadLetter([ids[0], ids[1]], reason: "code 100/2804003: Event Timestamp Too Old")
            try await outbox.reschedule([ids[2]], availableAt: 100, error: "x")
            let dead = try await outbox.deadLetters(limit: 10)
            #expect(dead.map(\.id) == [ids[0], ids[1]])
            #expect(dead.first?.reason == "code 100/2804003: Event Timestamp Too Old")
            // The attempt that failed for good is counted, after those that were retried.
            #expect(dead.map(\.attempts) == [1, 1])
            _ = try await outbox.claim(limit: 3, lease: 30, now: 100)
            try await outbox.deadLetter([ids[2]], reason: "retries stopped")
            #expect(try await outbox.deadLetters(limit: 10).last?.attempts == 2)
            try await outbox.requeue([ids[2]], now: 100)
            #expect(try await outbox.claim(limit: 10, lease: 30, now: 101).map(\.id) == [ids[2]])
            try await outbox.requeue([ids[0]], now: 102)
            #expect(try await outbox.claim(limit: 10, lease: 30, now: 102).map(\.id) == [ids[0]])
            #expect(try await outbox.purgeDeadLetters() == 1)
            #expect(try await outbox.deadLetters(limit: 10).isEmpty)
        }
    }

    @Test(arguments: kinds)
    func concurrentClaimersNeverShareARecord(_ kind: Kind) async throws {
        try await Self.withOutbox(kind) { outbox in
            _ = try await outbox.enqueue((0..<200).map { Self.item($0) })
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await outbox.claim(limit: 7, lease: 60, now: 100)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                var all: [Int64] = []
                for try await ids in group { all += ids }
                return all
            }
            #expect(claimed.count == 200)
            #expect(Set(claimed).count == 200)
        }
    }
}

struct SQLiteDurabilityTests {
    @Test
    func enqueuedItemsSurviveReopening() async throws {
        let path = NSTemporaryDirectory() + "tagwire-outbox-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let outbox = try SQLiteOutbox(path: path)
            _ = try await outbox.enqueue([OutboxConformanceTests.item(1), OutboxConformanceTests.item(2)])
            _ = try await outbox.claim(limit: 1, lease: 30, now: 100)
        }
        let reopened = try SQLiteOutbox(path: path)
        let stats = try await reopened.stats(now: 200)
        #expect(stats["meta-capi"]?.queued == 2, "the lease of the first ended; both wait")
        #expect(try await reopened.claim(limit: 10, lease: 30, now: 200).count == 2)
    }

    /// Checkpoints run on their own connection, not inside commits: the log stays bounded while thousands of
    /// commits go in, every item stays readable, and all of them are there after reopening.
    @Test
    func theLogIsCheckpointedInTheBackgroundAndStaysBounded() async throws {
        let path = NSTemporaryDirectory() + "tagwire-outbox-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let payload = [UInt8](repeating: 0x61, count: 1_600)
        var largestLog = 0
        var stored: [Int64] = []
        do {
            let outbox = try SQLiteOutbox(path: path)
            for commit in 0..<1_500 {
                let items = (0..<4).map {
                    OutboxItem(
                        destination: "meta-capi",
                        batchKey: "k",
                        payload: payload,
                        eventTime: Double(commit * 4 + $0)
                    )
                }
                stored += try await outbox.enqueue(items)
                if commit % 100 == 99 {
                    outbox.checkpointer.settle()
                    let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
                    largestLog = max(largestLog, log)
                }
            }
            outbox.checkpointer.settle()
            let checkpoints = outbox.checkpointer.completed.load(ordering: .relaxed)
            #expect(checkpoints >= 3, "about 11,500 log pages were written: background checkpoints ran")
            // One per `backgroundLimit` pages added (a commit adds about 8), not one after every commit once the
            // log is past the limit (1,007 here when the hook asked that way).
            #expect(checkpoints <= 1_500 * 10 / Int(Checkpointer.backgroundLimit))
            // Without checkpoints the log would hold every page written (~11,500 frames of 2 KiB and a 24-byte
            // header); here it starts over soon after it holds `restartLimit` pages (the commit that finds it so
            // long checkpoints inline, again on the next one should a background checkpoint be running).
            #expect(largestLog > 0)
            #expect(largestLog <= 32 + Int(Checkpointer.restartLimit + Checkpointer.backgroundLimit) * 2_072)
            #expect(try await outbox.stats(now: 0)["meta-capi"]?.queued == 6_000)
        }
        #expect(Set(stored).count == 6_000)
        // A new file has 2 KiB pages (the header's big-endian page size at offset 16).
        let header = try #require(FileManager.default.contents(atPath: path)).prefix(18)
        #expect(Int(header[16]) << 8 | Int(header[17]) == 2_048)
        let reopened = try SQLiteOutbox(path: path)
        let claimed = try await reopened.claim(limit: 10_000, lease: 30, now: 0)
        #expect(claimed.count == 6_000)
        #expect(claimed.allSatisfy { $0.item.payload == payload })
    }

    @Test
    func unusablePathsFailWithAClearError() {
        #expect(throws: SQLiteOutboxError.self) { try SQLiteOutbox(path: "/nonexistent-dir/outbox.sqlite") }
    }
}

struct DeliveryPlanningTests {
    @Test
    func batchesGroupByKeyAndRespectTheLimit() {
        let records = (0..<7).map { n in
            OutboxRecord(
                id: Int64(n),
                item: OutboxConformanceTests.item(n, key: n % 2 == 0 ? "a" : "b"),
                attempts: 0,
                availableAt: 0,
                lastError: nil
            )
        }
        let batches = BatchPlanner.batches(records, limit: 3)
        #expect(batches.map { $0.map(\.id) } == [[0, 2, 4], [6], [1, 3, 5]])
        #expect(BatchPlanner.batches(records).count == 2)
    }

    @Test
    func bisectionIsolatesOneBadEvent() {
        // Meta rejects a whole batch if one event is bad; halving finds it in log2(n) rounds.
        var pending = [
            (0..<16).map {
                OutboxRecord(
                    id: Int64($0),
                    item: OutboxConformanceTests.item($0),
                    attempts: 0,
                    availableAt: 0,
                    lastError: nil
                )
            }
        ]
        let bad: Int64 = 11
        var delivered: [Int64] = []
        var isolated: [Int64] = []
        var requests = 0
        while let batch = pending.popLast() {
            requests += 1
            if !batch.contains(where: { $0.id == bad }) {
                delivered += batch.map(\.id)
            } else if let halves = BatchPlanner.bisect(batch) {
                pending += halves
            } else {
                isolated += batch.map(\.id)
            }
        }
        #expect(isolated == [bad])
        #expect(delivered.sorted() == (0..<16).map(Int64.init).filter { $0 != bad })
        #expect(requests <= 2 * 4 + 1)
    }

    @Test
    func retriesBackOffWithFullJitterAndStopAtTheEventsWindow() {
        let strategy = RetryStrategy.exponentialJitter
        #expect((1...10).map { strategy.maximumBackoff(attempt: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300])
        var rng = TestRandom()
        for attempt in 1...12 {
            let next = strategy.nextAttempt(attempt: attempt, now: 1_000, eventTime: 1_000, using: &rng)
            let wait = (next ?? 0) - 1_000
            #expect(next != nil)
            #expect(wait >= 0 && wait <= strategy.maximumBackoff(attempt: attempt), "\(rng)")
        }
        // A throttling hint is a floor.
        #expect((strategy.nextAttempt(attempt: 1, now: 0, eventTime: 0, hint: 60, using: &rng) ?? 0) >= 60)
        // Six days and 23 hours 59 minutes after the event, a 5-minute wait would miss the window.
        let late = strategy.nextAttempt(attempt: 10, now: 7 * 86_400 - 60, eventTime: 0, hint: 120, using: &rng)
        #expect(late == nil)
    }
}

/// PostgreSQL specifics: one statement per batch keeps ids in item order; LISTEN wakes idle workers of other
/// processes (here: another client) on every enqueue.
struct PostgresOutboxTests {
    static let url = OutboxConformanceTests.postgresURL

    @Test(.enabled(if: url != nil, "needs TAGWIRE_POSTGRES_URL (.ci/run starts a loopback PostgreSQL)"))
    func aBatchIsOneInsertWithIdsInItemOrder() async throws {
        let url = try #require(Self.url)
        let table = Scratch.tableName("outbox_batch")
        try await PostgresOutbox.withOutbox(url: url, table: table) { outbox in
            let items = (0..<1500).map {
                OutboxConformanceTests.item($0, key: $0 % 2 == 0 ? "a||" : "b||", time: Double(1000 + $0))
            }
            let ids = try await outbox.enqueue(items)
            #expect(ids.count == 1500)
            #expect(ids == ids.sorted())
            let claimed = try await outbox.claim(limit: 2000, lease: 30, now: 5000)
            #expect(claimed.map(\.id) == ids)
            #expect(claimed.map(\.item) == items)
            try await outbox.drop()
        }
    }

    @Test(.enabled(if: url != nil, "needs TAGWIRE_POSTGRES_URL (.ci/run starts a loopback PostgreSQL)"))
    func enqueuesWakeListenersOfOtherClients() async throws {
        let url = try #require(Self.url)
        let table = Scratch.tableName("outbox_listen")
        try await PostgresOutbox.withOutbox(url: url, table: table) { listener in
            let signal = WakeSignal()
            // LISTEN starts in the background: enqueue through a second client (another process, as far as
            // PostgreSQL knows) until a notification wakes the signal before its 1 s timeout. Enqueues made
            // before LISTEN began wake nobody; a wait that ends well before its timeout was woken.
            let woke = try await signal.listening(to: listener) {
                try await PostgresOutbox.withOutbox(url: url, table: table) { other in
                    let clock = ContinuousClock()
                    let deadline = clock.now + .seconds(20)
                    var n = 0
                    while clock.now < deadline {
                        n += 1
                        _ = try await other.enqueue([OutboxConformanceTests.item(n)])
                        let start = clock.now
                        await signal.wait(timeout: .seconds(1))
                        if clock.now - start < .milliseconds(900) { return true }
                    }
                    return false
                }
            }
            #expect(woke, "no enqueue by another client woke the listener within 20 s")
            try await listener.drop()
        }
    }
}
