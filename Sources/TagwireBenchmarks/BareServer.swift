import Hummingbird
import NIOCore
import TagwireServer

/// The baseline of the `tagwire serve` load test: a Hummingbird 2 route that reads the request body (as serve
/// does, up to 1 MiB) and answers 202 with a small JSON body, doing nothing else. Same HTTP/1.1 server, same
/// loopback, same client, so the ratio measures what the engine and durable storage add.
///
/// `onEventLoops` runs each connection's task on its event loop, as `tagwire serve` does (Hummingbird's default runs
/// them on Swift's global executor): the load test reports the ratio against both.
func runBareServer(port: Int, onEventLoops: Bool) async throws {
    let router = Router()
    router.post("/v1/events") { request, _ in
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .accepted, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{\"accepted\":1,\"bytes\":\(body.readableBytes)}")))
    }
    let app = Application(
        router: router, server: onEventLoops ? .http1OnEventLoops(configuration: .init()) : .http1(configuration: .init()),
        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bare"),
        onServerRunning: { channel in print("bare server listening on http://127.0.0.1:\(channel.localAddress?.port ?? port)") })
    try await app.runService()
}
