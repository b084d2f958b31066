import Foundation
import Hummingbird
import NIOCore
import TagwireDelivery
import TagwireOutboxSQLite
import TagwireServer

/// The baseline of the `tagwire serve` load test: a Hummingbird 2 route that reads the request body (as serve
/// does, up to 1 MiB) and answers 202 with a small JSON body, doing nothing else. Same HTTP/1.1 server, same
/// loopback, same client, so the ratio measures what the engine and durable storage add.
///
/// `onEventLoops` runs each connection's task on its event loop, as `tagwire serve` does (Hummingbird's default runs
/// them on Swift's global executor): the load test reports the ratio against both.
///
/// `storeIn` (a directory) makes the route store each body durably before it answers, as one outbox item through
/// the same group committer and SQLite outbox as `tagwire serve` (`outbox.sqlite` there): HTTP and durable storage
/// without the engine, so that serve's ratio against it is what evaluating events costs.
func runBareServer(port: Int, onEventLoops: Bool, storeIn directory: String?) async throws {
    var committer: GroupCommitter?
    if let directory {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        committer = GroupCommitter(outbox: try SQLiteOutbox(path: directory + "/outbox.sqlite"))
    }
    let router = Router()
    router.post("/v1/events") { [committer] request, _ in
        let body = try await request.body.collect(upTo: 1 << 20)
        if let committer {
            let item = OutboxItem(
                destination: "bare",
                batchKey: "bare",
                payload: Array(buffer: body),
                eventTime: Date().timeIntervalSince1970
            )
            _ = try await committer.store([item])
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(
            status: .accepted,
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: "{\"accepted\":1,\"bytes\":\(body.readableBytes)}"))
        )
    }
    let app = Application(
        router: router,
        server: onEventLoops ? .http1OnEventLoops(configuration: .init()) : .http1(configuration: .init()),
        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"),
        onServerRunning: { channel in
            print("bare server listening on http://127.0.0.1:\(channel.localAddress?.port ?? port)")
        }
    )
    try await app.runService()
}
