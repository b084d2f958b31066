import Foundation
import Logging
import Synchronization
import TagwireCommands
import TagwireDelivery
import TagwireGraphSandbox
import TagwireJSON
import TagwireMetaSender
import TagwireRuntime
import Testing

@testable import TagwireServer

/// A value a test changes while the server runs: a secret's value, or the clock.
final class Changing<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    var current: Value { value.withLock { $0 } }
    func set(_ new: Value) { value.withLock { $0 = new } }
}

/// serve's delivery loop on an injected clock: a circuit that a refused token opened closes within its pause once
/// the token is replaced, and says so in its log and metrics.
struct CircuitTests {
    @Test
    func aCircuitClosesWithinItsPauseOnceTheTokenIsReplaced() async throws {
        let token = Changing("revoked-token")
        let secrets = SecretResolver { node in node.name == "meta-access-token" ? token.current : nil }
        let loader = Serve.loader(environment: nil, library: nil, secrets: secrets)
        let store = LibraryStore(loader: loader, initial: try loader(Fixture.edge).get())
        let library = try #require(store.library)
        let clock = Changing(Date().timeIntervalSince1970.rounded(.down))
        let outbox = InMemoryOutbox()
        var session = Session(seed: 1)
        for n in 0..<3 {
            let evaluation = library.engine.evaluate(
                Fixture.event(id: "order-\(n)"),
                receivedAt: clock.current,
                session: &session
            )
            _ = try await outbox.enqueue(evaluation.dispatches.flatMap(ConversionsAPIItems.items))
        }
        let sink = LogSink.inMemory()
        let redactor = Redactor()
        let logger = Logger(label: "test") { JSONLogHandler(label: $0, redactor: redactor, level: .debug, sink: sink) }
        let metrics = ServerMetrics()
        let state = SandboxState()
        try await Fixture.withSandbox(state) { port in
            let service = DeliveryService(
                outbox: outbox,
                store: store,
                metrics: metrics,
                signal: WakeSignal(),
                logger: logger,
                sender: ConversionsAPISender(
                    configuration: ConversionsAPIConfiguration(
                        baseURL: "http://127.0.0.1:\(port)",
                        timeout: .seconds(15)
                    )
                ),
                clock: { clock.current }
            )
            let deliverer = service.deliverer()
            #expect(await service.pass(deliverer) == 3)
            #expect(metrics.openCircuits.count == 1)
            #expect(sink.text.contains("circuit open"))
            token.set("sandbox-token")
            clock.set(clock.current + 29)
            #expect(await service.pass(deliverer) == 0, "the circuit's pause is 30 s")
            #expect(metrics.openCircuits.count == 1)
            clock.set(clock.current + 2)
            #expect(await service.pass(deliverer) == 3)
            #expect(metrics.openCircuits.isEmpty)
        }
        #expect(Set(await state.received(pixel: "1234567890123456").compactMap(\.eventID)).count == 3)
        #expect(sink.text.contains("circuit closed: deliveries resumed"))
        let scraped = metrics.render(queue: nil, library: nil)
        #expect(scraped.contains("tagwire_circuits_opened_total 1\n"))
        #expect(scraped.contains("tagwire_circuits_closed_total 1\n"))
        #expect(scraped.contains("tagwire_open_circuits 0\n"))
        #expect(!sink.text.contains("revoked-token") && !sink.text.contains("sandbox-token"))
    }
}
