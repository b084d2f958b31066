import Synchronization

/// A wake-up call between tasks: `notify` wakes one `wait`, or the next one when nobody waits yet.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

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

extension WakeSignal {
    /// Runs `body` while `outbox`'s enqueue notifications (when it has them: PostgreSQL's LISTEN) wake this signal.
    /// A lost listening connection is retried every second; `body`'s end stops the listener.
    public func listening<T: Sendable>(to outbox: any Outbox, _ body: @Sendable () async throws -> T) async throws -> T
    {
        guard let listening = outbox as? any ListeningOutbox else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await listening.listen { [self] in self.notify() }
                    } catch {
                        if Task.isCancelled { break }
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
                return nil
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
