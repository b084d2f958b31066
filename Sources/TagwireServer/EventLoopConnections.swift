import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// HTTP/1.1 connections whose tasks run on the event loop that reads and writes them.
///
/// Hummingbird runs each connection's task on Swift's global executor, so every request crosses threads twice
/// (the event loop hands the parsed request to a pool thread; the pool thread hands the response back) and wakes
/// a sleeping thread each time. On the event loop, the request is handled where it was read and its answer written
/// where it is sent. Work that may block (SQLite figures, reloads) is moved off the loop by the routes that do it
/// (``EventServer/offLoop(_:)``); evaluating a request's events is short CPU work that belongs on it.
struct EventLoopHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger)
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await http1.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection's task on its channel's event loop (`tagwire serve`'s server; the load test
    /// also runs its bare route this way, as a second baseline).
    public static func http1OnEventLoops(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in
            EventLoopHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}

/// A task executor that runs jobs on one NIO event loop (through the loop's own job queue, which takes a job
/// without allocating and without waking the loop when it is already running on it).
public final class EventLoopTaskExecutor: TaskExecutor {
    private let loop: any SerialExecutor

    init(_ eventLoop: any EventLoop) { loop = eventLoop.executor }

    /// Runs `body` with its tasks on `eventLoop`, as serve runs a connection (the benchmarks measure parts this way).
    public static func run<T: Sendable>(on eventLoop: any EventLoop, _ body: () async throws -> T) async rethrows -> T {
        try await withTaskExecutorPreference(EventLoopTaskExecutor(eventLoop)) { try await body() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueue(job)
    }
}
