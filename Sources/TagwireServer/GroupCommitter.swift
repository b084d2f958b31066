import Dispatch
import Synchronization
import TagwireDelivery

/// Stores the items of concurrent requests in shared transactions: while one commit is being written, the items
/// of every request that arrives meanwhile gather, and the next commit takes them all. Each caller returns only
/// once its own items are durable, so a `202` always follows the commit that holds its events.
///
/// Commits run on their own thread: the embedded outbox's `fsync` blocks, and the cooperative pool (two threads
/// on a small machine) must stay free for requests.
///
/// Callers announce themselves with ``expect()`` before they evaluate; with a `linger`, a commit about to start
/// waits up to that long while announced callers are still on their way. The server uses none: the requests that
/// arrive while one commit is being written already make the next one larger, and on a busy server every commit
/// would otherwise wait the full linger (measured: 1 ms of linger cost about a fifth of the throughput).
public actor GroupCommitter {
    private struct Waiting {
        var items: [OutboxItem]
        var continuation: CheckedContinuation<[Int64], any Error>
    }

    private let outbox: any Outbox
    private var waiting: [Waiting] = []
    private var writing = false
    private let executor = ThreadExecutor(label: "tagwire.outbox.commit")
    private let committed: @Sendable (Int) -> Void
    /// Callers that announced themselves and have not reached ``store(_:)`` yet.
    private let arriving = Atomic<Int>(0)
    private let linger: Duration

    /// A committer over an outbox; `committed` is told how many items each commit stored (it wakes delivery).
    public init(outbox: any Outbox, linger: Duration = .zero, committed: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.outbox = outbox
        self.linger = linger
        self.committed = committed
    }

    /// Announces a caller that will call ``store(_:)`` shortly (after evaluating its events).
    public nonisolated func expect() {
        arriving.add(1, ordering: .relaxed)
    }

    /// Stores `items` durably (possibly in one transaction with other callers' items); returns their ids. Every
    /// ``expect()`` must be followed by one `store`, with no items when there is nothing to store.
    public nonisolated func store(_ items: [OutboxItem]) async throws -> [Int64] {
        arriving.subtract(1, ordering: .relaxed)
        if items.isEmpty { return [] }
        return try await gather(items)
    }

    private func gather(_ items: [OutboxItem]) async throws -> [Int64] {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiting(items: items, continuation: continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            // Let announced callers join this transaction, briefly.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: linger)
            while arriving.load(ordering: .relaxed) > 0, clock.now < deadline {
                try? await Task.sleep(for: .microseconds(150))
            }
            let group = waiting
            waiting = []
            let all = group.flatMap(\.items)
            let outbox = self.outbox
            do {
                let ids = try await withTaskExecutorPreference(executor) { try await outbox.enqueue(all) }
                var offset = 0
                for w in group {
                    w.continuation.resume(returning: Array(ids[offset..<min(ids.count, offset + w.items.count)]))
                    offset += w.items.count
                }
                committed(all.count)
            } catch {
                for w in group { w.continuation.resume(throwing: error) }
            }
        }
        writing = false
    }
}

/// A task executor with one dedicated thread, for work that blocks (SQLite commits).
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) { queue = DispatchQueue(label: label) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
