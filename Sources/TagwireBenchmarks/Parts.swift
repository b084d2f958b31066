import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization
import TagwireCompiler
import TagwireDelivery
import TagwireExtensions
import TagwireJSON
import TagwireMetaSender
import TagwireModel
import TagwireRuntime
import TagwireServer

/// Profiling aid (`tagwire-benchmarks parts`): the cost per event of each step `tagwire serve` takes, measured on
/// the same pre-split corpus in one process, so the proportions hold even when the machine is noisy.
func benchParts(events count: Int, propertyDir: String) throws {
    let corpus = generatedEvents(count)
    let lines = lineRanges(corpus)
    guard
        let graph = Compiler.compile(
            PropertyLoader.load(try PropertySource.directory(propertyDir)),
            registry: BuiltInExtensions.all.contracts
        ).graph
    else { return }
    let engine = Engine(
        graph: graph,
        extensions: BuiltInExtensions.all,
        secrets: SecretResolver { _ in "token" },
        options: EngineOptions(resolveCredentials: true)
    )
    var parsed: [JSONValue] = []
    corpus.withUnsafeBufferPointer { buf in
        for r in lines {
            if let e = try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event) {
                parsed.append(e)
            }
        }
    }
    // The same events with an event name no rule matches: every condition is evaluated, no action runs.
    let unmatched: [JSONValue] = parsed.map { e in
        guard case .object(var o) = e, case .object(var data)? = o["data"] else { return e }
        data["eventName"] = "NoSuchEvent"
        o["data"] = .object(data)
        return .object(o)
    }
    var session = Session(seed: 1)
    var sink = 0
    func perEvent(_ t: Double) -> String { format(t * 1e6 / Double(parsed.count), 1) + " µs" }
    let parse = best(5) {
        corpus.withUnsafeBufferPointer { buf in
            for r in lines where (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event)) != nil
            { sink += 1 }
        }
    }
    let conditions = best(5) {
        for e in unmatched { sink += engine.evaluate(e, receivedAt: 1_764_374_400, session: &session).rules.count }
    }
    var dispatches: [Dispatch] = []
    let evaluate = best(5) {
        dispatches.removeAll(keepingCapacity: true)
        for e in parsed { dispatches += engine.evaluate(e, receivedAt: 1_764_374_400, session: &session).dispatches }
    }
    let items = best(5) {
        for d in dispatches { sink += ConversionsAPIItems.items(for: d).count }
    }
    print("parse:                     \(perEvent(parse))")
    print("evaluate, no rule fires:   \(perEvent(conditions))  (\(graph.rules.count) rules' conditions)")
    print("evaluate, one CAPI rule:   \(perEvent(evaluate))")
    print("outbox items from dispatch: \(perEvent(items))")
    print("(\(sink) checks)")
}

/// Reading a request body that has arrived whole, on an event loop as serve's connections run: serve's read with its
/// deadline, and Hummingbird's plain `collect`, which the bare route uses.
func benchBodyRead(count: Int = 100_000) async throws {
    try await EventLoopTaskExecutor.run(on: MultiThreadedEventLoopGroup.singleton.any()) {
        try await bodyReads(count: count)
    }
}

func bodyReads(count: Int) async throws {
    let body = ByteBuffer(bytes: Array(repeating: 0x41, count: 1844))
    var sink = 0
    var best = (deadline: Double.infinity, plain: Double.infinity)
    for _ in 0..<5 {
        var start = ContinuousClock.now
        for _ in 0..<count {
            sink += try await EventServer.collect(RequestBody(buffer: body), limit: 1 << 20, timeout: .seconds(10))
                .count
        }
        best.deadline = min(best.deadline, elapsed(since: start))
        start = ContinuousClock.now
        for _ in 0..<count { sink += try await RequestBody(buffer: body).collect(upTo: 1 << 20).readableBytes }
        best.plain = min(best.plain, elapsed(since: start))
    }
    let perRead = { (t: Double) in format(t * 1e6 / Double(count), 2) + " µs" }
    print(
        "body, on an event loop: serve's read with its deadline \(perRead(best.deadline)); Hummingbird's collect \(perRead(best.plain))"
    )
    print("(\(sink) bytes)")
}

/// The group committer alone: `tasks` concurrent callers storing one item at a time into an in-memory outbox.
func benchCommitter(tasks: Int = 32, perTask: Int = 2000) async throws {
    let commits = Atomic<Int>(0)
    let committer = GroupCommitter(outbox: InMemoryOutbox()) { commits.add(1, ordering: .relaxed) }
    let item = OutboxItem(
        destination: "meta-capi",
        batchKey: "k",
        payload: Array(repeating: 0x41, count: 800),
        eventTime: 1
    )
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<tasks {
            group.addTask {
                for _ in 0..<perTask { _ = try await committer.store([item]) }
            }
        }
        try await group.waitForAll()
    }
    let total = Double(tasks * perTask)
    let seconds = elapsed(since: started)
    print(
        "group committer: \(format(total / seconds, 0)) stores/s, \(format(seconds * 1e6 / total, 1)) µs wall per store, \(format(total / Double(commits.load(ordering: .relaxed)), 1)) items per commit"
    )
}
