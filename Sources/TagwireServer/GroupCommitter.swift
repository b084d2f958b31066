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
/// A commit starts as soon as the previous one is done: the requests that arrive while one is being written already
/// make the next one larger. (Waiting up to 1 ms for requests still being evaluated was measured to cost about a
/// fifth of the throughput under load, since every commit then waited the full time.)
public final class GroupCommitter: Sendable {
    private struct Waiting {
        var items: [OutboxItem]
        var continuation: CheckedContinuation<[Int64], any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        /// Whether a writer task is running (it takes whatever is waiting until nothing is).
        var writing = false
    }

    private let outbox: any Outbox
    private let state = Mutex(State())
    private let executor = ThreadExecutor(label: "tagwire.outbox.commit")
    private let committed: @Sendable () -> Void

    /// A committer over an outbox; `committed` is called after each commit (it wakes delivery, counts commits).
    public init(outbox: any Outbox, committed: @escaping @Sendable () -> Void = {}) {
        self.outbox = outbox
        self.committed = committed
    }

    /// Stores `items` durably (possibly in one transaction with other callers' items); returns their ids.
    ///
    /// The caller waits on a continuation that the commit thread resumes: no actor between them, so a request's
    /// task is woken once, by the commit that holds its items.
    public func store(_ items: [OutboxItem]) async throws -> [Int64] {
        if items.isEmpty { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            let start = state.withLock { s in
                s.waiting.append(Waiting(items: items, continuation: continuation))
                if s.writing { return false }
                s.writing = true
                return true
            }
            if start { Task(executorPreference: executor) { await self.write() } }
        }
    }

    /// Commits what is waiting, again and again, until nothing is; runs on the commit thread.
    private func write() async {
        while true {
            let group: [Waiting] = state.withLock { s in
                let taken = s.waiting
                s.waiting = []
                if taken.isEmpty { s.writing = false }
                return taken
            }
            if group.isEmpty { return }
            let all = group.count == 1 ? group[0].items : group.flatMap(\.items)
            do {
                let ids = try await outbox.enqueue(all)
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
