import Dispatch
import TagwireDelivery

/// Stores the items of concurrent requests in shared transactions: while one commit is being written, the items
/// of every request that arrives meanwhile gather, and the next commit takes them all. Each caller returns only
/// once its own items are durable, so a `202` always follows the commit that holds its events.
///
/// Commits run on their own thread: the embedded outbox's `fsync` blocks, and the cooperative pool (two threads
/// on a small machine) must stay free for requests.
///
/// A commit starts as soon as the previous one is done: the requests that arrive while one is being written already
/// make the next one larger. (Waiting up to 1 ms for requests still being evaluated was measured to cost about a
/// fifth of the throughput under load, since every commit then waited the full time.)
public actor GroupCommitter {
    private struct Waiting {
        var items: [OutboxItem]
        var continuation: CheckedContinuation<[Int64], any Error>
    }

    private let outbox: any Outbox
    private var waiting: [Waiting] = []
    private var writing = false
    private let executor = ThreadExecutor(label: "tagwire.outbox.commit")
    private let committed: @Sendable () -> Void

    /// A committer over an outbox; `committed` is called after each commit (it wakes delivery, counts commits).
    public init(outbox: any Outbox, committed: @escaping @Sendable () -> Void = {}) {
        self.outbox = outbox
        self.committed = committed
    }

    /// Stores `items` durably (possibly in one transaction with other callers' items); returns their ids.
    public func store(_ items: [OutboxItem]) async throws -> [Int64] {
        if items.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiting(items: items, continuation: continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
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
                committed()
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
