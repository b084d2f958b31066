import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import TagwireCommands
import TagwireDelivery
import TagwireGraphSandbox
import TagwireJSON
import TagwireRuntime
import TagwireServer
import TagwireTestSupport
import Testing

/// Shared fixtures: the example edge property, its secret, servers over an outbox.
enum Fixture {
    static let repo = Repository.root
    static let edge = repo.appendingPathComponent("Properties/meta-quickstart-edge").path
    static let tagwire = Repository.executable("tagwire")
    static let token = "sandbox-token"
    static let adminToken = "admin-secret-token"
    static let secrets = SecretResolver { node in node.name == "meta-access-token" ? token : nil }

    static func loader() -> LibraryLoader { Serve.loader(environment: nil, library: nil, secrets: secrets) }

    /// Runs `body` with a Graph API sandbox over `state` listening on a loopback port, given its port.
    static func withSandbox<T: Sendable>(
        _ state: SandboxState = SandboxState(),
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let sandbox = Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        return try await sandbox.test(.live) { client in try await body(try #require(client.port)) }
    }

    /// A server over `outbox` serving the example edge property, logging into `sink`.
    static func server(
        outbox: any Outbox = InMemoryOutbox(),
        limits: ServeLimits = ServeLimits(),
        adminToken: String? = adminToken,
        sink: LogSink = .inMemory(),
        source: String = edge,
        libraries: WebLibraryHost = WebLibraryHost(),
        reloadRoots: [String] = [],
        loader: @escaping LibraryLoader = loader()
    ) throws -> EventServer {
        let initial = try loader(source).get()
        let redactor = Redactor()
        let logger = Logger(label: "test") { label in
            JSONLogHandler(label: label, redactor: redactor, level: .debug, sink: sink)
        }
        return EventServer(
            store: LibraryStore(loader: loader, initial: initial, roots: reloadRoots),
            outbox: outbox,
            options: ServeOptions(limits: limits, adminToken: adminToken, libraries: libraries),
            redactor: redactor,
            logger: logger
        )
    }

    /// An edge event as the web property forwards it, with personal data and an event id.
    /// Without `withRequest`, the server fills `request` from the HTTP request.
    static func event(
        name: String = "Purchase",
        id: String,
        email: String = "jane.doe@example.com",
        withRequest: Bool = true
    ) -> JSONValue {
        var e: JSONValue = [
            "xdm": [
                "eventType": .string(name), "web": ["webPageDetails": ["URL": "https://shop.example.com/checkout"]],
            ],
            "data": [
                "eventName": .string(name),
                "meta": [
                    "userData": ["email": .string(email), "phone": "(650) 555-1212"],
                    "conversionData": [
                        "customData": ["value": 12.5, "currency": "USD"], "value": 12.5, "eventId": .string(id),
                    ],
                ],
                "cookies": ["fbp": "fb.1.1596403881668.1116446470"],
            ],
        ]
        if withRequest, case .object(var o) = e {
            o["request"] = ["ip": "203.0.113.7", "headers": ["user-agent": "Mozilla/5.0 (X11; Linux x86_64) Fixture"]]
            e = .object(o)
        }
        return e
    }

    static func bytes(_ value: JSONValue) -> ByteBuffer { ByteBuffer(bytes: JSONWriter().bytes(value)) }

    static func json(_ buffer: ByteBuffer) -> JSONValue { (try? JSONReader.parse(Array(buffer: buffer))) ?? .null }
}

/// An outbox that is down: every call fails.
struct BrokenOutbox: Outbox {
    struct Down: Error {}
    func enqueue(_ items: [OutboxItem]) async throws -> [Int64] { throw Down() }
    func claim(limit: Int, lease: Double, now: Double) async throws -> [OutboxRecord] { throw Down() }
    func complete(_ ids: [Int64]) async throws { throw Down() }
    func reschedule(_ ids: [Int64], availableAt: Double, error: String) async throws { throw Down() }
    func deadLetter(_ ids: [Int64], reason: String) async throws { throw Down() }
    func stats(now: Double) async throws -> [String: OutboxStats] { throw Down() }
    func deadLetters(limit: Int) async throws -> [DeadLetter] { throw Down() }
    func requeue(_ ids: [Int64], now: Double) async throws { throw Down() }
    func purgeDeadLetters() async throws -> Int { throw Down() }
}

extension JSONValue {
    /// An array element, or nil.
    subscript(index: Int) -> JSONValue? {
        guard let a = arrayValue, a.indices.contains(index) else { return nil }
        return a[index]
    }
}
