import Foundation
import Hummingbird
import TagwireDelivery
import TagwireGraphSandbox
import TagwireHashing
import TagwireJSON
import TagwireMetaSender
import TagwireOutboxPostgres
import TagwireOutboxSQLite

/// Delivered events per second through the SQLite outbox to the loopback sandbox in 1,000-event batches, against
/// sending the same batches straight from memory (no outbox) in the same run.
func benchDelivery(events count: Int) async throws {
    print("== delivery: \(count) events through the SQLite outbox to the loopback Graph sandbox, 1,000 per request")
    let now = Date().timeIntervalSince1970.rounded(.down)
    let events: [JSONValue] = (0..<count).map { i in
        [
            "event_name": "Purchase", "event_time": .number(now - 5), "event_id": .string("bench-\(i)"),
            "event_source_url": "https://shop.example.com/checkout/thanks", "action_source": "website",
            "user_data": [
                "em": [.string(SHA256.hexDigest("u\(i)@example.com"))],
                "ph": [.string(SHA256.hexDigest("16505551212"))],
                "client_ip_address": "203.0.113.7", "client_user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
                "fbp": "fb.1.1596403881668.1116446470",
            ],
            "custom_data": ["value": 129.5, "currency": "usd", "content_ids": ["SKU-1"], "content_type": "product"],
        ]
    }
    let state = SandboxState()
    let port = try await startSandbox(state)
    let sender = ConversionsAPISender(configuration: ConversionsAPIConfiguration(baseURL: "http://127.0.0.1:\(port)"))
    let key = ConversionsAPIItems.batchKey(
        pixelID: "1234567890123456",
        credentials: "benchmark:meta-capi",
        testEventCode: nil
    )

    // Baseline: the same batches straight from memory.
    let direct = try await measure {
        var start = 0
        while start < events.count {
            let batch = Array(events[start..<min(start + 1000, events.count)])
            let body = JSONValue.object(JSONObject([("data", .array(batch)), ("partner_agent", "bench")]))
            guard
                case .delivered = await sender.send(
                    pixelID: "1234567890123456",
                    payload: body,
                    accessToken: "sandbox-token"
                )
            else {
                throw BenchmarkError("direct send failed")
            }
            start += 1000
        }
    }
    await state.reset()

    // Through the outbox: enqueue (1,000 per transaction, as a server's group commit would) then drain.
    let path = NSTemporaryDirectory() + "tagwire-bench-\(UUID().uuidString).sqlite"
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    let outbox = try SQLiteOutbox(path: path)
    let items = events.map {
        OutboxItem(destination: "meta-capi", batchKey: key, payload: JSONWriter().bytes($0), eventTime: now - 5)
    }
    let enqueueTime = try await measure { try await enqueueInThousands(items, into: outbox) }
    let deliverer = OutboxDeliverer(outbox: outbox, sender: sender) { _ in
        BatchCredentials(pixelID: "1234567890123456", accessToken: "sandbox-token")
    }
    var delivered = 0
    let drainTime = try await measure {
        while true {
            let report = try await deliverer.drainOnce(now: Date().timeIntervalSince1970, limit: 4000)
            delivered += report.delivered
            if report.claimed == 0 { break }
        }
    }
    let received = await state.received().count
    print("direct (no outbox):        \(format(Double(count) / direct, 0)) events/s")
    print(
        "outbox enqueue:            \(format(Double(count) / enqueueTime, 0)) events/s (1,000 per transaction, WAL, synchronous=FULL)"
    )
    print(
        "outbox claim + deliver:    \(format(Double(delivered) / drainTime, 0)) events/s (\(delivered) delivered, sandbox received \(received))"
    )
    print("ratio outbox drain / direct: \(format(direct / drainTime))")

    // PostgreSQL with two runners draining one table concurrently.
    guard let url = ProcessInfo.processInfo.environment["TAGWIRE_POSTGRES_URL"] else {
        print("postgres: set TAGWIRE_POSTGRES_URL to measure two runners on a PostgreSQL outbox")
        return
    }
    await state.reset()
    let table = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await PostgresOutbox.withOutbox(url: url, table: table) { pg in
        let pgEnqueue = try await measure { try await enqueueInThousands(items, into: pg) }
        let runner = OutboxDeliverer(outbox: pg, sender: sender) { _ in
            BatchCredentials(pixelID: "1234567890123456", accessToken: "sandbox-token")
        }
        let pgDrain = try await measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        while try await runner.drainOnce(now: Date().timeIntervalSince1970, limit: 2000).claimed > 0 {}
                    }
                }
                try await group.waitForAll()
            }
        }
        let received = await state.received().count
        print("postgres enqueue:          \(format(Double(count) / pgEnqueue, 0)) events/s (1,000 per transaction)")
        print(
            "postgres, two runners:     \(format(Double(received) / pgDrain, 0)) events/s (sandbox received \(received) of \(count))"
        )
        print("ratio postgres drain / direct: \(format(direct / pgDrain))")
        try await pg.drop()
    }
}

/// Enqueues 1,000 items per call (per transaction), as a server gathering requests would.
func enqueueInThousands(_ items: [OutboxItem], into outbox: any Outbox) async throws {
    var start = 0
    while start < items.count {
        _ = try await outbox.enqueue(Array(items[start..<min(start + 1000, items.count)]))
        start += 1000
    }
}

func measure(_ body: () async throws -> Void) async throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try await body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Starts the sandbox on a free loopback port in the background and returns the port.
func startSandbox(_ state: SandboxState) async throws -> Int {
    let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: GraphSandbox.router(state: state),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }
    )
    Task { try await app.run() }
    for await port in stream { return port }
    throw BenchmarkError("the sandbox did not start")
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
