import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import TagwireCompiler
import TagwireDelivery
import TagwireExtensions
import TagwireGraphSandbox
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaExtensions
import TagwireMetaSender
import TagwireModel
import TagwireRuntime
import Testing

/// A token the test can change while the deliverer runs (a fixed setup).
final class TokenBox: Sendable {
    let value: Mutex<String>
    init(_ token: String) { value = Mutex(token) }
    var current: String { value.withLock { $0 } }
    func set(_ token: String) { value.withLock { $0 = token } }
}

/// Durable delivery from the outbox to the Graph API sandbox on loopback.
struct OutboxDelivererTests {
    static let pixel = "1234567890123456"

    static func event(_ n: Int, now: Double, hashed: Bool = true) -> JSONValue {
        [
            "event_name": "Lead", "event_time": .number(now - 10), "event_id": .string("e-\(n)"),
            "event_source_url": "https://shop.example.com/", "action_source": "website",
            "user_data": [
                "em": [.string(hashed ? SHA256.hexDigest("u\(n)@example.com") : "u\(n)@example.com")],
                "client_user_agent": "UA",
            ],
        ]
    }

    static func items(_ range: Range<Int>, now: Double, badAt: Int? = nil, key: String = "k") -> [OutboxItem] {
        range.map { n in
            let e = event(n, now: now, hashed: n != badAt)
            return OutboxItem(
                destination: "meta-capi",
                batchKey: key,
                payload: JSONWriter().bytes(e),
                eventTime: e["event_time"]?.numberValue ?? now
            )
        }
    }

    static func sandbox(_ state: SandboxState) -> some ApplicationProtocol {
        Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
    }

    static func deliverer(_ outbox: any Outbox, port: Int, token: TokenBox) -> OutboxDeliverer {
        let sender = ConversionsAPISender(
            configuration: ConversionsAPIConfiguration(baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(15))
        )
        return OutboxDeliverer(outbox: outbox, sender: sender) { _ in
            BatchCredentials(pixelID: pixel, accessToken: token.current)
        }
    }

    @Test(arguments: [nil, "TEST\"123"] as [String?])
    func requestBodiesAreAssembledFromStoredPayloadsByteForByte(_ testCode: String?) throws {
        let events = (0..<3).map { Self.event($0, now: 1_764_374_400) }
        let assembled = ConversionsAPIItems.requestBody(
            payloads: events.map { JSONWriter().bytes($0) },
            testEventCode: testCode
        )
        let written = JSONWriter().bytes(
            ConversionEventBuilder.requestBody(
                events: events,
                testEventCode: testCode,
                partnerAgent: "tagwire-\(TagwireVersion.current)"
            )
        )
        #expect(assembled == written)
        let parsed = try JSONReader.parse(assembled)
        #expect(parsed["data"]?.arrayValue?.count == 3)
        #expect(parsed["test_event_code"]?.stringValue == testCode)
    }

    @Test
    func deliversInBatchesAndIsolatesABadEventByBisection() async throws {
        let state = SandboxState()
        let outbox = InMemoryOutbox()
        let now = Date().timeIntervalSince1970.rounded(.down)
        _ = try await outbox.enqueue(Self.items(0..<16, now: now, badAt: 11))
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let report = try await Self.deliverer(outbox, port: port, token: TokenBox("sandbox-token")).drainOnce(
                now: now
            )
            #expect(report.claimed == 16)
            let reasons = try await outbox.deadLetters(limit: 2).map(\.reason)
            #expect(report.delivered == 15, "\(reasons)")
            #expect(report.deadLettered == 1)
            #expect(report.requests <= 9, "bisection takes about 2·log2(16)+1 requests, not 16")
        }
        let dead = try await outbox.deadLetters(limit: 10)
        #expect(dead.count == 1)
        let payload = String(decoding: try #require(dead.first?.item.payload), as: UTF8.self)
        #expect(payload.contains("e-11"))
        let reason = try #require(dead.first?.reason)
        #expect(reason.contains("2804011"), "Meta's error is kept: \(reason)")
        let received = await state.received(pixel: Self.pixel)
        #expect(Set(received.compactMap(\.eventID)).count == 15)
        #expect(!received.contains { $0.eventID == "e-11" })
    }

    @Test
    func retryableFailuresAreRescheduledThenDelivered() async throws {
        let state = SandboxState()
        let outbox = InMemoryOutbox()
        let now = Date().timeIntervalSince1970.rounded(.down)
        _ = try await outbox.enqueue(Self.items(0..<5, now: now))
        await state.inject(.graphError(GraphError(status: 500, message: "down", code: 2, isTransient: true)))
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let deliverer = Self.deliverer(outbox, port: port, token: TokenBox("sandbox-token"))
            let first = try await deliverer.drainOnce(now: now)
            #expect(first.rescheduled == 5)
            #expect(first.delivered == 0)
            #expect(try await outbox.stats(now: now)["meta-capi"]?.retrying == 5)
            let second = try await deliverer.drainOnce(now: now + 2)
            #expect(second.delivered == 5, "attempt 1 waits at most 1 s")
        }
        #expect(await state.received(pixel: Self.pixel).count == 5)
        #expect(try await outbox.stats(now: now + 3).isEmpty)
    }

    @Test
    func setupErrorsOpenTheCircuitAndNothingIsLost() async throws {
        let state = SandboxState()
        let outbox = InMemoryOutbox()
        let now = Date().timeIntervalSince1970.rounded(.down)
        _ = try await outbox.enqueue(Self.items(0..<3, now: now))
        let token = TokenBox("revoked-token")
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let deliverer = Self.deliverer(outbox, port: port, token: token)
            let broken = try await deliverer.drainOnce(now: now)
            #expect(broken.openCircuits == ["k"])
            #expect(broken.deadLettered == 0)
            #expect(broken.rescheduled == 3)
            #expect(try await deliverer.drainOnce(now: now + 1).claimed == 0, "the circuit pauses deliveries")
            token.set("sandbox-token")
            let fixed = try await deliverer.drainOnce(now: now + 31)
            #expect(fixed.delivered == 3)
        }
        #expect(try await outbox.deadLetters(limit: 10).isEmpty)
    }

    @Test
    func retriesStopAtTheEndOfTheEventsWindow() async throws {
        let state = SandboxState()
        let outbox = InMemoryOutbox()
        let now = Date().timeIntervalSince1970.rounded(.down)
        // An event accepted 6 days 23:59 ago: the next wait would carry it past Meta's 7 days.
        let old = OutboxItem(
            destination: "meta-capi",
            batchKey: "k",
            payload: JSONWriter().bytes(Self.event(1, now: now)),
            eventTime: now - 7 * 86_400 + 30
        )
        _ = try await outbox.enqueue([old])
        await state.inject(
            .graphError(
                GraphError(message: "(#17) User request limit reached", code: 17, subcode: 2_446_079, isTransient: true)
            )
        )
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let report = try await Self.deliverer(outbox, port: port, token: TokenBox("sandbox-token")).drainOnce(
                now: now
            )
            #expect(report.deadLettered == 1)
        }
        let dead = try await outbox.deadLetters(limit: 1)
        let reason = try #require(dead.first?.reason)
        #expect(reason.hasPrefix("retries stopped at the end of the event's window"))
    }

    /// The engine writes a Conversions API event once; the outbox stores those bytes, and they are exactly what
    /// writing the dispatch's printable event gives (one form, whichever path reads it).
    @Test
    func engineEventsAreStoredAsTheBytesOfTheirPrintableForm() throws {
        let graph = try #require(
            Compiler.compile(
                PropertyLoader.load(try PropertySource.directory("Properties/meta-quickstart-edge")),
                registry: BuiltInExtensions.all.contracts
            ).graph
        )
        let engine = Engine(
            graph: graph,
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in "token-\u{1}\"x" },
            options: EngineOptions(resolveCredentials: true)
        )
        var session = Session(seed: 3)
        let event: JSONValue = [
            "xdm": ["web": ["webPageDetails": ["URL": "https://shop.example.com/p?q=\"1\""]]],
            "data": [
                "eventName": "Purchase",
                "meta": [
                    "userData": [
                        "email": " Jane.Doe@Example.com ", "phone": "+1 (650) 555-1212", "zip": "94025-1234",
                        "city": "Menlo Park",
                    ],
                    "conversionData": [
                        "eventId": "order-1",
                        "customData": [
                            "value": "12.50", "currency": "EUR", "note": "tab\there",
                            "contents": [["id": "é", "quantity": 2]],
                        ],
                    ],
                ],
            ],
            "request": ["ip": "203.0.113.7", "headers": ["user-agent": "UA/1.0"]],
        ]
        let evaluation = engine.evaluate(event, receivedAt: 1_764_374_400, session: &session)
        let dispatch = try #require(evaluation.dispatches.first { $0.destination == "meta-capi" })
        let encoded = try #require(dispatch.conversionsAPIEvent)
        let printable = try #require(dispatch.json["payload"]?["data"]?.arrayValue?.first)
        #expect(JSONWriter().bytes(printable) == encoded.built.bytes)
        #expect(printable["custom_data"]?["value"] == .number(12.5))
        #expect(printable["custom_data"]?["currency"] == "eur")
        #expect(printable["user_data"]?["em"] == [.string(SHA256.hexDigest("jane.doe@example.com"))])
        #expect(printable["user_data"]?["zp"] == [.string(SHA256.hexDigest("94025"))])
        let stored = ConversionsAPIItems.stored(dispatch)
        #expect(stored.count == 1)
        #expect(stored.first?.item.payload == encoded.built.bytes)
        #expect(stored.first?.eventID == "order-1")
        #expect(stored.first?.item.eventTime == 1_764_374_400)
        // A dispatch whose printable form was replaced is stored from that form.
        var edited = dispatch
        edited.json = dispatch.json
        #expect(edited.conversionsAPIEvent == nil)
        #expect(ConversionsAPIItems.stored(edited).first?.item.payload == encoded.built.bytes)
        #expect(edited == dispatch)
        #expect(!String(decoding: encoded.requestBody, as: UTF8.self).contains("token"))
    }

    /// The example edge property's engine, reading its token from `token` whenever a secret is read.
    static func exampleEngine(token: TokenBox) throws -> Engine {
        let graph = try #require(
            Compiler.compile(
                PropertyLoader.load(try PropertySource.directory("Properties/meta-quickstart-edge")),
                registry: BuiltInExtensions.all.contracts
            ).graph
        )
        return Engine(
            graph: graph,
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in token.current },
            options: EngineOptions(resolveCredentials: true)
        )
    }

    static func leads(_ engine: Engine, count: Int, now: Double) throws -> [OutboxItem] {
        var session = Session(seed: 1)
        return try (0..<count).flatMap { n in
            let event: JSONValue = [
                "xdm": ["web": ["webPageDetails": ["URL": "https://shop.example.com/"]]],
                "data": [
                    "eventName": "Lead",
                    "meta": [
                        "userData": ["email": .string("u\(n)@example.com")],
                        "conversionData": ["eventId": .string("lead-\(n)")],
                    ],
                ],
                "request": ["ip": "203.0.113.7", "headers": ["user-agent": "UA/1.0"]],
            ]
            let dispatches = engine.evaluate(event, receivedAt: now, session: &session).dispatches
            return ConversionsAPIItems.items(for: try #require(dispatches.first { $0.destination == "meta-capi" }))
        }
    }

    /// Items name where their token comes from, never the token: events queued under a token Meta refuses leave
    /// with its replacement, whether the secret's value changed under the same library or a new library was loaded.
    @Test(arguments: [false, true])
    func eventsQueuedUnderARefusedTokenLeaveWithItsReplacement(_ reload: Bool) async throws {
        let state = SandboxState()
        let outbox = InMemoryOutbox()
        let now = Date().timeIntervalSince1970.rounded(.down)
        let token = TokenBox("revoked-token")
        let engine = try Self.exampleEngine(token: token)
        let items = try Self.leads(engine, count: 4, now: now)
        #expect(items.count == 4)
        let key = try #require(items.first?.batchKey)
        #expect(key == "1234567890123456|meta-quickstart-edge:meta-capi|")
        #expect(!key.contains("revoked") && !key.contains(String(SHA256.hexDigest("revoked-token").prefix(8))))
        _ = try await outbox.enqueue(items)
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let sender = ConversionsAPISender(
                configuration: ConversionsAPIConfiguration(baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(15))
            )
            let before = OutboxDeliverer(
                outbox: outbox,
                sender: sender,
                credentials: try ConversionsAPIItems.credentialResolver(engine: engine)
            )
            let refused = try await before.drainOnce(now: now)
            #expect(refused.openCircuits == [key])
            #expect(refused.rescheduled == 4)
            token.set("sandbox-token")
            let resolver = try ConversionsAPIItems.credentialResolver(
                engine: reload ? try Self.exampleEngine(token: TokenBox("sandbox-token")) : engine
            )
            let after = OutboxDeliverer(outbox: outbox, sender: sender, credentials: resolver)
            let fixed = try await after.drainOnce(now: now + 31)
            #expect(fixed.delivered == 4)
            #expect(fixed.openCircuits.isEmpty)
        }
        #expect(
            Set(await state.received(pixel: Self.pixel).compactMap(\.eventID)) == [
                "lead-0", "lead-1", "lead-2", "lead-3",
            ]
        )
        #expect(try await outbox.stats(now: now + 40).isEmpty)
    }

    @Test
    func keysOfAnotherPropertyOrAnUnknownActionGetNoCredentials() throws {
        let engine = try Self.exampleEngine(token: TokenBox("sandbox-token"))
        let resolve = try ConversionsAPIItems.credentialResolver(engine: engine)
        #expect(resolve("1|meta-quickstart-edge:meta-capi|T")?.accessToken == "sandbox-token")
        #expect(resolve("1|meta-quickstart-edge:meta-capi|T")?.testEventCode == "T")
        // An item queued before references (a digest of its token) is sent with the extension's token.
        #expect(resolve("1|0123456789abcdef|")?.accessToken == "sandbox-token")
        #expect(resolve("1|other-property:meta-capi|") == nil)
        #expect(resolve("1|meta-quickstart-edge:rules/none.json#/actions/0|") == nil)
        #expect(resolve("not a key") == nil)
    }

    @Test
    func batchesNeverMixPixelsTokensOrTestCodes() {
        let extensionToken = CredentialsReference(property: "p", action: nil).text
        let actionToken = CredentialsReference(
            property: "p",
            action: Origin(file: "rules/a|b.json", pointer: "/actions/0", line: 1, column: 1)
        ).text
        let keys = Set([
            ConversionsAPIItems.batchKey(pixelID: "1", credentials: extensionToken, testEventCode: nil),
            ConversionsAPIItems.batchKey(pixelID: "2", credentials: extensionToken, testEventCode: nil),
            ConversionsAPIItems.batchKey(pixelID: "1", credentials: actionToken, testEventCode: nil),
            ConversionsAPIItems.batchKey(pixelID: "1", credentials: extensionToken, testEventCode: "TEST1"),
        ])
        #expect(keys.count == 4)
        let parsed = CredentialsReference.parse(actionToken)
        #expect(parsed?.file == "rules/a|b.json")
        #expect(parsed?.pointer == "/actions/0")
        #expect(keys.allSatisfy { $0.split(separator: "|", omittingEmptySubsequences: false).count == 3 })
    }

    /// A Meta outage of more than an hour, then throttling (codes 4, 17 and 613), on a simulated clock: every event is
    /// delivered once Meta answers again, each wait is within the backoff's cap (throttling asks for at least 60 s),
    /// and an event whose 7-day window ends during the outage is dead-lettered, never retried past it.
    @Test
    func anHourLongOutageAndThrottlingLoseNothingAndRespectTheWindow() async throws {
        let state = SandboxState()
        let outbox = InMemoryOutbox()
        let start = Date().timeIntervalSince1970.rounded(.down)
        _ = try await outbox.enqueue(Self.items(0..<50, now: start))
        // One event Meta would still accept for 20 minutes only.
        let old = OutboxItem(
            destination: "meta-capi",
            batchKey: "k",
            payload: JSONWriter().bytes(Self.event(99, now: start)),
            eventTime: start - 7 * 86_400 + 1_200
        )
        _ = try await outbox.enqueue([old])
        // Sixty failures: full-jitter waits average half their bound (at most 150 s once capped), so thirty would
        // outlast an hour only about half the time; sixty make the outage some two hours, far from the hour.
        await state.inject(.graphError(GraphError(status: 503, message: "down", code: 2, isTransient: true)), count: 60)
        for code in [4, 17, 613] {
            await state.inject(
                .graphError(GraphError(message: "(#\(code)) limit reached", code: code, isTransient: true))
            )
        }
        let (clock, waits) = try await Self.sandbox(state).test(.ahc(.http)) { client -> (Double, [Double]) in
            let port = try #require(client.port)
            let deliverer = Self.deliverer(outbox, port: port, token: TokenBox("sandbox-token"))
            var clock = start
            var passes = 0
            var waits: [Double] = []
            // Each pass runs at the time the next record may be claimed.
            while let next = outbox.nextAvailable(), passes < 200 {
                if next > clock {
                    waits.append(next - clock)
                    clock = next
                }
                _ = try await deliverer.drainOnce(now: clock)
                passes += 1
            }
            return (clock, waits)
        }
        #expect(outbox.waiting().isEmpty)
        let received = await state.received(pixel: Self.pixel)
        #expect(Set(received.compactMap(\.eventID)) == Set((0..<50).map { "e-\($0)" }))
        #expect(clock - start > 3_600, "the outage lasted \(Int(clock - start)) s of simulated time")
        #expect(waits.allSatisfy { $0 <= RetryStrategy.exponentialJitter.cap })
        #expect(waits.suffix(3).allSatisfy { $0 >= 60 }, "throttling waits at least 60 s: \(waits.suffix(3))")
        let dead = try await outbox.deadLetters(limit: 10)
        #expect(dead.count == 1)
        #expect(dead.first?.reason.hasPrefix("retries stopped at the end of the event's window") == true)
        #expect(!received.contains { $0.eventID == "e-99" })
    }
}
