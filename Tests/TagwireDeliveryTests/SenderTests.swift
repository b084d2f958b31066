import Foundation
import Hummingbird
import HummingbirdTesting
import TagwireCompiler
import TagwireGraphSandbox
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaSender
import TagwireModel
import TagwireRuntime
import TagwireTestSupport
import Testing

struct ResponseClassificationTests {
    static func classify(_ status: Int, _ body: String, type: String = "application/json") -> DeliveryOutcome {
        ConversionsAPISender.classify(status: status, contentType: type, body: Array(body.utf8))
    }

    static func error(_ code: Int, subcode: Int? = nil, transient: Bool? = nil) -> String {
        var e = "\"message\": \"m\", \"type\": \"OAuthException\", \"code\": \(code), \"fbtrace_id\": \"T\""
        if let subcode { e += ", \"error_subcode\": \(subcode)" }
        if let transient { e += ", \"is_transient\": \(transient)" }
        return "{\"error\": {\(e)}}"
    }

    @Test
    func successKeepsTheTraceID() {
        #expect(
            Self.classify(200, #"{"events_received": 3, "messages": ["w"], "fbtrace_id": "Abc"}"#)
                == .delivered(eventsReceived: 3, traceID: "Abc", messages: ["w"])
        )
    }

    @Test(arguments: [1, 2, 4, 17, 32, 341, 613, 21009, 80004])
    func temporaryCodesAreRetryable(_ code: Int) {
        guard case .retryable(_, _, let trace) = Self.classify(400, Self.error(code)) else {
            Issue.record("code \(code) should be retryable")
            return
        }
        #expect(trace == "T")
    }

    @Test
    func throttlingAsksForALongerWait() {
        guard case .retryable(let after, _, _) = Self.classify(400, Self.error(17, subcode: 2_446_079)) else {
            Issue.record("throttling should be retryable")
            return
        }
        #expect(after == .seconds(60))
    }

    @Test(
        arguments: [(100, 2_804_003), (190, 463), (190, nil), (104, nil), (100, 33), (10, nil), (200, nil)]
            as [(Int, Int?)]
    )
    func setupAndValidationErrorsAreRejected(_ code: Int, _ subcode: Int?) {
        guard case .rejected(_, let c, let s, let trace) = Self.classify(400, Self.error(code, subcode: subcode)) else {
            Issue.record("code \(code) should be rejected")
            return
        }
        #expect(c == code)
        #expect(s == subcode)
        #expect(trace == "T")
    }

    @Test
    func transientFlagAndServerErrorsAndHTMLAreRetryable() {
        if case .retryable = Self.classify(400, Self.error(100, transient: true)) {
        } else {
            Issue.record("is_transient")
        }
        if case .retryable = Self.classify(500, Self.error(100)) {} else { Issue.record("5xx") }
        if case .retryable = Self.classify(502, "<html>Bad Gateway</html>", type: "text/html") {
        } else {
            Issue.record("html")
        }
        if case .retryable = Self.classify(200, "<html></html>", type: "text/html") {
        } else {
            Issue.record("2xx without JSON")
        }
    }

    @Test
    func urlCarriesVersionPixelAndProofButNeverTheToken() {
        let sender = ConversionsAPISender(configuration: ConversionsAPIConfiguration(baseURL: "http://127.0.0.1:9/"))
        let url = sender.url(pixelID: "123", version: "v25.0", accessToken: "tok", appSecret: "sec")
        #expect(
            url == "http://127.0.0.1:9/v25.0/123/events?appsecret_proof=" + SHA256.hmacHex(key: "sec", message: "tok")
        )
        #expect(!url.contains("tok&") && !url.contains("access_token"))
        #expect(ConversionsAPIConfiguration(baseURL: nil).defaultVersion == "v26.0")
    }
}

/// The sender against the sandbox on a live loopback port.
struct LiveDeliveryTests {
    static let repo = Repository.root
    static let pixel = "1234567890123456"

    static func sandbox(_ state: SandboxState) -> some ApplicationProtocol {
        Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
    }

    static func payload() -> JSONValue {
        let now = Date().timeIntervalSince1970.rounded(.down)
        return ConversionEventBuilder.requestBody(
            events: [
                [
                    "event_name": "Lead", "event_time": .number(now), "event_id": "e-1",
                    "event_source_url": "https://shop.example.com/",
                    "action_source": "website",
                    "user_data": ["em": [.string(SHA256.hexDigest("a@b.co"))], "client_user_agent": "UA"],
                ]
            ],
            testEventCode: nil,
            partnerAgent: "tagwire-test"
        )
    }

    @Test
    func senderClassifiesLiveAnswers() async throws {
        let state = SandboxState(configuration: SandboxConfiguration(appSecret: "sec"))
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            // Other suites may load the machine: outcomes are checked with a patient client, the timeout with
            // Meta's 1.5 s against a 4 s answer.
            let sender = ConversionsAPISender(
                configuration: ConversionsAPIConfiguration(baseURL: "http://127.0.0.1:\(port)", timeout: .seconds(15))
            )
            let quick = ConversionsAPISender(
                configuration: ConversionsAPIConfiguration(
                    baseURL: "http://127.0.0.1:\(port)",
                    timeout: .milliseconds(1500)
                )
            )
            let ok = await sender.send(
                pixelID: Self.pixel,
                payload: Self.payload(),
                accessToken: "sandbox-token",
                appSecret: "sec"
            )
            guard case .delivered(1, let trace?, _) = ok else {
                Issue.record("expected delivered, got \(ok)")
                return
            }
            #expect(trace.count == 22)
            let badToken = await sender.send(pixelID: Self.pixel, payload: Self.payload(), accessToken: "nope")
            #expect(
                {
                    if case .rejected(_, 190, _, _) = badToken { return true }
                    return false
                }()
            )
            let badProof = await sender.send(
                pixelID: Self.pixel,
                payload: Self.payload(),
                accessToken: "sandbox-token",
                appSecret: "wrong"
            )
            #expect(
                {
                    if case .rejected(_, 100, _, _) = badProof { return true }
                    return false
                }()
            )
            await state.inject(.graphError(GraphError(status: 500, message: "down", code: 2, isTransient: true)))
            await state.inject(.htmlBadGateway)
            await state.inject(.dropConnection)
            await state.inject(.delay(4_000))
            for fault in ["500", "html", "drop", "slow"] {
                let client = fault == "slow" ? quick : sender
                let outcome = await client.send(
                    pixelID: Self.pixel,
                    payload: Self.payload(),
                    accessToken: "sandbox-token"
                )
                #expect(
                    {
                        if case .retryable = outcome { return true }
                        return false
                    }(),
                    "\(fault): \(outcome)"
                )
            }
        }
        // The slow request was still accepted after the client gave up: why every event carries a stable event_id.
        #expect(await state.received(pixel: Self.pixel).count == 2)
        #expect(await state.dedupSummary(pixel: Self.pixel).unique == 1)
    }

    /// `tagwire run --send` of the example edge property delivers every event, with Meta's hashes; the web-then-edge
    /// pipeline's Pixel and Conversions API copies count once per event id in the sandbox's dedup model.
    @Test
    func runSendDeliversTheExamplePropertyAndDedupCountsOnce() async throws {
        let tagwire = Repository.executable("tagwire")
        try #require(FileManager.default.isExecutableFile(atPath: tagwire))
        let state = SandboxState()
        try await Self.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            var env: [String: String] = [:]
            env["TAGWIRE_META_GRAPH_URL"] = "http://127.0.0.1:\(port)"
            env["META_ACCESS_TOKEN"] = "sandbox-token"
            // Other suites may load the machine; this test is about outcomes, not latency.
            env["TAGWIRE_META_TIMEOUT_MS"] = "15000"
            let (status, data) = try await ChildProcess.run(
                tagwire,
                [
                    "run", "Properties/meta-quickstart-web", "--then", "Properties/meta-quickstart-edge",
                    "--events", "Properties/meta-quickstart-web/fixtures/page-events.ndjson", "--send",
                ],
                directory: Self.repo,
                environment: env
            )
            #expect(status == 0)
            let lines = try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
                try JSONReader.parse(String($0))
            }
            #expect(lines.count == 6)
            var eventIDs: [String] = []
            for line in lines {
                let deliveries = try #require(line["deliveries"]?.arrayValue)
                #expect(deliveries.count == 1)
                #expect(deliveries.first?["outcome"] == "delivered", "\(deliveries)")
                #expect(!JSONWriter().string(line).contains("sandbox-token"))
                // The browser copy: the Pixel call's event id, sent as a beacon.
                let pixelCall = try #require(
                    line["dispatches"]?.arrayValue?.first { $0["destination"] == "meta-pixel" }?["call"]?.arrayValue
                )
                let name = try #require(pixelCall[1].stringValue)
                let id = try #require(pixelCall.last?["eventID"]?.stringValue)
                eventIDs.append(id)
                _ = try await client.execute(uri: "/tr?id=\(Self.pixel)&ev=\(name)&eid=\(id)", method: .get) { $0 }
            }
            let dedup = try await client.execute(uri: "/__sandbox/dedup?pixel=\(Self.pixel)", method: .get) {
                try JSONReader.parse(Array(buffer: $0.body))
            }
            #expect(dedup["unique"]?.numberValue == Double(Set(eventIDs).count))
            #expect(dedup["copies"] == 12)
            #expect(dedup["duplicates"] == 6)

            // `tagwire emq --live` reads the Dataset Quality API, here the sandbox's.
            let (emqStatus, emqData) = try await ChildProcess.run(
                tagwire,
                [
                    "emq", "Properties/meta-quickstart-web", "--then", "Properties/meta-quickstart-edge",
                    "--events", "Properties/meta-quickstart-web/fixtures/page-events.ndjson", "--live", "--format",
                    "json",
                ],
                directory: Self.repo,
                environment: env
            )
            #expect(emqStatus == 0)
            let report = try JSONReader.parse(Array(emqData))
            let offline = try #require(report["events"]?.arrayValue)
            #expect(
                offline.map { $0["eventName"]?.stringValue ?? "" } == [
                    "AddToCart", "Lead", "PageView", "Purchase", "ViewContent",
                ]
            )
            #expect(offline.allSatisfy { $0["dedupReadiness"] == 1 })
            let live = try #require(report["live"]?["web"]?.arrayValue)
            #expect(live.count == 5)
            let purchase = try #require(live.first { $0["event_name"] == "Purchase" })
            #expect(purchase["dedupe_key_feedback"]?.arrayValue?.first?["browser_events_with_dedupe_key"] == 1)
            #expect(
                purchase["event_match_quality"]?["composite_score"]
                    == offline.first { $0["eventName"] == "Purchase" }?["score"]
            )
        }
        let received = await state.received(pixel: Self.pixel).filter { $0.source == "server" }
        #expect(received.count == 6)
        // Hashes as Meta documents them: the sample's email, normalised and hashed.
        let ud = received.first?.event["user_data"]
        #expect(ud?["em"]?.arrayValue?.first?.stringValue == SHA256.hexDigest("jane.doe@example.com"))
        #expect(ud?["ph"]?.arrayValue?.first?.stringValue == SHA256.hexDigest("16505551212"))
        #expect(ud?["db"]?.arrayValue?.first?.stringValue == SHA256.hexDigest("19900216"))
        #expect(ud?["st"]?.arrayValue?.first?.stringValue == SHA256.hexDigest("ca"))
        #expect(ud?["country"]?.arrayValue?.first?.stringValue == SHA256.hexDigest("us"))
        #expect(ud?["zp"]?.arrayValue?.first?.stringValue == SHA256.hexDigest("94025"))
        #expect(ud?["client_ip_address"] == "203.0.113.7")
        #expect(received.allSatisfy { $0.partnerAgent == "tagwire-\(TagwireVersion.current)" })
    }
}

/// `tagwire run --send` delivers through the outbox's deliverer: batches, retries and a bound on the time they take.
struct RunSendTests {
    static func runSend(_ events: String, port: Int, token: String, extra: [String] = []) async throws -> (
        Int32, [JSONValue]
    ) {
        let env = [
            "TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)", "META_ACCESS_TOKEN": token,
            "TAGWIRE_META_TIMEOUT_MS": "15000",
        ]
        let (status, data) = try await ChildProcess.run(
            Repository.executable("tagwire"),
            ["run", "Properties/meta-quickstart-edge", "--events", events, "--send"] + extra,
            directory: Repository.root,
            environment: env
        )
        let lines = try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONReader.parse(String($0))
        }
        return (status, lines)
    }

    @Test
    func transientErrorsAreRetriedAndNothingIsLost() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Repository.executable("tagwire")))
        let dir = try Scratch.directory("run-send")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let count = 2_500
        try CrashTests.writeLeadEvents(count, idPrefix: "send-", to: dir + "/events.ndjson")
        let state = SandboxState()
        await state.inject(.graphError(GraphError(status: 500, message: "down", code: 2, isTransient: true)), count: 3)
        try await LiveDeliveryTests.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let (status, lines) = try await Self.runSend(dir + "/events.ndjson", port: port, token: "sandbox-token")
            #expect(status == 0)
            #expect(lines.count == count)
            let outcomes = lines.compactMap { $0["deliveries"]?.arrayValue?.first?["outcome"]?.stringValue }
            #expect(outcomes.count == count)
            #expect(outcomes.allSatisfy { $0 == "delivered" })
            #expect(
                lines.contains { $0["deliveries"]?.arrayValue?.first?["attempts"] == 2 },
                "the failed batches were retried"
            )
        }
        let received = await state.received(pixel: LiveDeliveryTests.pixel)
        #expect(Set(received.compactMap(\.eventID)) == Set((0..<count).map { "send-\($0)" }))
        let requests = await state.requests
        let attempts = received.count
        #expect(
            requests <= 9,
            "2,500 events in batches of 1,000 and three retries: \(requests) requests, \(attempts) copies"
        )
    }

    @Test
    func whatMetaRejectsIsReportedAndTheRunFails() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Repository.executable("tagwire")))
        let dir = try Scratch.directory("run-send")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CrashTests.writeLeadEvents(2, idPrefix: "bad-", to: dir + "/events.ndjson")
        let state = SandboxState()
        // The batch and each half of it are refused for their content: bisection dead-letters both events.
        await state.inject(
            .graphError(GraphError(message: "Invalid parameter", code: 100, subcode: 2_804_050)),
            count: 3
        )
        try await LiveDeliveryTests.sandbox(state).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let (status, lines) = try await Self.runSend(dir + "/events.ndjson", port: port, token: "sandbox-token")
            #expect(status == 1)
            #expect(lines.count == 2)
            for line in lines {
                let delivery = try #require(line["deliveries"]?.arrayValue?.first)
                #expect(delivery["outcome"] == "rejected")
            }
        }
    }

    @Test
    func whatIsNotDeliveredInTimeIsReportedAndTheRunFails() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Repository.executable("tagwire")))
        let dir = try Scratch.directory("run-send")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CrashTests.writeLeadEvents(3, idPrefix: "late-", to: dir + "/events.ndjson")
        try await LiveDeliveryTests.sandbox(SandboxState()).test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let (status, lines) = try await Self.runSend(
                dir + "/events.ndjson",
                port: port,
                token: "revoked-token",
                extra: ["--send-timeout", "1"]
            )
            #expect(status == 1)
            #expect(lines.count == 3)
            for line in lines {
                let delivery = try #require(line["deliveries"]?.arrayValue?.first)
                #expect(delivery["outcome"] == "not delivered")
                #expect(delivery["reason"]?.stringValue?.hasPrefix("still waiting after 1 s: circuit open") == true)
                #expect(delivery["attempts"] == 1)
                #expect(!JSONWriter().string(line).contains("revoked-token"))
            }
        }
    }
}
