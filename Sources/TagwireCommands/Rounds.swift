import Foundation
import TagwireExtensions
import TagwireRuntime

/// Running independent events on every core without changing what a run in one thread gives.
///
/// Edge events are independent of each other unless a rule draws a random value (an id, a uuid): the lines go in
/// rounds split across the cores, each worker with its own state, all starting alike. A round in which a worker's
/// random source moved is run again in order, as is everything after it, so that `--seed` gives the ids one thread
/// gives. Web events carry page state from one to the next: callers run them in one thread.
enum Rounds {
    /// Lines per worker and round.
    static let linesPerWorker = 4096

    /// Calls `work` over `0..<count`, emitting the parts in order of their ranges. `states` holds one state per
    /// worker, alike; the first is the one that runs in order.
    static func run<State: Sendable, Part: Sendable>(
        count: Int,
        states: [State],
        moved: @escaping @Sendable (State, State) -> Bool,
        work: @escaping @Sendable (inout State, Range<Int>) -> Part,
        emit: (Part) -> Void
    ) async {
        guard var first = states.first else { return }
        let workers = states.count
        var parallel = workers > 1 && count > linesPerWorker
        var start = 0
        while start < count {
            guard parallel else {
                // In order, in pieces so that output is written as it goes.
                var from = start
                while from < count {
                    let to = min(count, from + linesPerWorker)
                    emit(work(&first, from..<to))
                    from = to
                }
                return
            }
            let end = min(count, start + linesPerWorker * workers)
            let per = (end - start + workers - 1) / workers
            let round = await withTaskGroup(of: (Int, Part, Bool).self) { group in
                for (w, base) in states.enumerated() {
                    let from = start + w * per
                    let to = min(end, from + per)
                    guard from < to else { continue }
                    group.addTask {
                        var s = base
                        let part = work(&s, from..<to)
                        return (w, part, moved(base, s))
                    }
                }
                var parts: [(Int, Part, Bool)] = []
                for await part in group { parts.append(part) }
                return parts.sorted { $0.0 < $1.0 }
            }
            if round.contains(where: \.2) {
                parallel = false
                continue
            }
            for part in round { emit(part.1) }
            start = end
        }
    }

    /// Workers for a run of `count` lines: one per core for edge events (when there are enough), one for web events.
    static func workers(isWeb: Bool, count: Int) -> Int {
        guard !isWeb, count > linesPerWorker else { return 1 }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, 16))
    }

    /// `runner` and, for each further worker, a replica of it with engines of its own.
    static func runners(_ runner: EventRunner, workers: Int) -> [EventRunner] {
        [runner] + (1..<max(1, workers)).map { _ in runner.replica(extensions: BuiltInExtensions.all) }
    }
}
