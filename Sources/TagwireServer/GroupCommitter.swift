import Dispatch
import Synchronization
import TagwireDelivery

/// Stores the items of concurrent requests in shared transactions: while one commit is being written, the items
/// of every request that arrives meanwhile gather, and the next commit takes them all. Each caller returns only
/// once its own items are durable, so a `202` always follows the commit that holds its events.
///
/// Commits run on their own thread: the embedded outbox's `fsync` blocks, and the cooperative pool (two threads
/// on a small machine) must stay free for requests.
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
    /// Commits written and items stored (for metrics and tests).
    public private(set) var commits = 0

    /// A committer over an outbox; `committed` is told how many items each commit stored (it wakes delivery).
    public init(outbox: any Outbox, committed: @escaping @Sendable (Int) -> Void = { _ in }) {
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
                commits += 1
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

/// A wake-up call between tasks: `notify` wakes one `wait`, or the next one when nobody waits yet.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    /// A signal.
    public init() {}

    /// Wakes the waiter (or the next one).
    public func notify() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns on `notify` or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        let (ready, generation) = state.withLock { s -> (Bool, Int) in
            if s.pending {
                s.pending = false
                return (true, 0)
            }
            s.generation += 1
            return (false, s.generation)
        }
        if ready { return }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.fire(generation)
        }
        await withCheckedContinuation { continuation in
            let fireNow = state.withLock { s -> Bool in
                if s.pending || s.generation != generation {
                    s.pending = false
                    return true
                }
                s.waiter = continuation
                return false
            }
            if fireNow { continuation.resume() }
        }
        timer.cancel()
    }

    private func fire(_ generation: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.generation == generation else { return nil }
            s.generation += 1
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }
}
