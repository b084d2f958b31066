import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TagwireDelivery
import TagwireJSON
import TagwireRuntime
import TagwireServer
import TagwireTestSupport
import Testing

/// In-process tests of every endpoint and error of `tagwire serve`.
@Suite struct ServerRouterTests {
    struct Reply {
        var status: Int
        var json: JSONValue
        var headers: HTTPFields
        var text: String
    }

    static func send(
        _ client: some TestClientProtocol,
        _ uri: String,
        method: HTTPRequest.Method = .post,
        contentType: String? = "application/json",
        headers: [String: String] = [:],
        body: ByteBuffer? = nil
    ) async throws -> Reply {
        var fields = HTTPFields()
        if let contentType { fields[.contentType] = contentType }
        for (k, v) in headers { if let name = HTTPField.Name(k) { fields[name] = v } }
        let r = try await client.executeRequest(uri: uri, method: method, headers: fields, body: body)
        return Reply(
            status: Int(r.status.code),
            json: Fixture.json(r.body),
            headers: r.headers,
            text: String(buffer: r.body)
        )
    }

    static func withServer<T: Sendable>(
        _ server: EventServer,
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await server.application(host: "127.0.0.1", port: 0).test(.router) { client in try await body(client) }
    }

    @Test func oneEventIsEvaluatedStoredAndSummarised() async throws {
        let outbox = InMemoryOutbox()
        let server = try Fixture.server(outbox: outbox)
        let reply = try await Self.withServer(server) { client in
            try await Self.send(
                client,
                "/v1/events",
                headers: ["user-agent": "Mozilla/5.0 Test"],
                body: Fixture.bytes(Fixture.event(id: "evt-1", withRequest: false))
            )
        }
        #expect(reply.status == 202)
        #expect(reply.json["accepted"] == 1)
        #expect(reply.json["property"] == "meta-quickstart-edge")
        let summary = reply.json["events"]?[0]
        #expect(summary?["fired"] == ["MetaCAPI_Purchase"])
        #expect(summary?["rules"]?["conditionNotMet"] == 9)
        #expect(summary?["enqueued"] == 1)
        #expect(summary?["eventIds"] == ["evt-1"])
        #expect(summary?["id"]?.stringValue?.count == 36)
        // Stored before the answer: the outbox holds the event, hashed, with the request's user agent.
        let stored = try await outbox.claim(limit: 10, lease: 60, now: Date().timeIntervalSince1970)
        #expect(stored.count == 1)
        let payload = try JSONReader.parse(stored[0].item.payload)
        #expect(payload["event_id"] == "evt-1")
        #expect(payload["user_data"]?["client_user_agent"] == "Mozilla/5.0 Test")
        #expect(payload["user_data"]?["em"]?[0]?.stringValue?.count == 64)
        #expect(!String(decoding: stored[0].item.payload, as: UTF8.self).contains("jane.doe"))
    }

    /// The `202` body is written as bytes while events are evaluated: rule names that need escaping, failed rules
    /// with their reasons, several events and their event ids all come out as the JSON the document describes.
    @Test func summariesOfFiredAndFailedRulesAreWellFormedJSON() async throws {
        let dir = try Scratch.directory("summaries")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let property = dir + "/edge"
        try FileManager.default.copyItem(atPath: Fixture.edge, toPath: property)
        let rule = property + "/rules/metacapi-purchase.json"
        let name = "Purchase \"quoted\" \\ é\u{1}"
        let text = try String(contentsOfFile: rule, encoding: .utf8)
        try text.replacingOccurrences(
            of: #""name": "MetaCAPI_Purchase""#,
            with: #""name": "Purchase \"quoted\" \\ é\u0001""#
        )
        .write(toFile: rule, atomically: true, encoding: .utf8)
        let outbox = InMemoryOutbox()
        let server = try Fixture.server(outbox: outbox, source: property)
        // The second event has no page URL, so the Conversions API action refuses it (website events need one).
        var noURL = Fixture.event(id: "e-no-url")
        if case .object(var o) = noURL, case .object(var xdm)? = o["xdm"] {
            xdm["web"] = nil
            o["xdm"] = .object(xdm)
            noURL = .object(o)
        }
        let events: [JSONValue] = [Fixture.event(id: "e-1"), noURL, Fixture.event(name: "Lead", id: "e-3")]
        let reply = try await Self.withServer(server) { client in
            try await Self.send(client, "/v1/events", body: Fixture.bytes(.array(events)))
        }
        #expect(reply.status == 202)
        #expect(reply.json["accepted"] == 3)
        #expect(reply.json["contentHash"]?.stringValue?.hasPrefix("sha256:") == true)
        let summaries = reply.json["events"]?.arrayValue ?? []
        #expect(summaries.count == 3)
        #expect(summaries.map { $0["index"] } == [0, 1, 2])
        #expect(Set(summaries.compactMap { $0["id"]?.stringValue }).count == 3)
        #expect(summaries[0]["fired"] == [.string(name)])
        #expect(summaries[0]["eventIds"] == ["e-1"])
        #expect(summaries[0]["rules"] == ["fired": 1, "conditionNotMet": 9, "failed": 0, "skipped": 0])
        let failed = summaries[1]["failed"]?[0]
        #expect(failed?["rule"] == .string(name))
        #expect(failed?["reason"]?.stringValue?.contains("event_source_url") == true)
        #expect(summaries[1]["fired"] == [])
        #expect(summaries[1]["enqueued"] == 0)
        #expect(summaries[1]["eventIds"] == [])
        #expect(summaries[1]["rules"]?["failed"] == 1)
        #expect(summaries[2]["fired"] == ["MetaCAPI_Lead"])
        #expect(summaries[2]["dispatches"] == 1)
        let stored = try await outbox.claim(limit: 10, lease: 60, now: Date().timeIntervalSince1970)
        #expect(stored.count == 2)
        // The metrics count the escaped name's outcomes under the name itself.
        let metrics = try await Self.withServer(server) { client in
            try await Self.send(client, "/metrics", method: .get, contentType: nil)
        }
        #expect(metrics.text.contains("status=\"failed\"} 1"))
    }

    @Test func arraysNDJSONAndBeaconsCarrySeveralEvents() async throws {
        let outbox = InMemoryOutbox()
        let server = try Fixture.server(outbox: outbox)
        let events = (0..<3).map { Fixture.event(name: $0 == 1 ? "Lead" : "Purchase", id: "e\($0)") }
        let ndjson = events.map { JSONWriter().string($0) }.joined(separator: "\n") + "\n"
        let (array, lines, beacon, named) = try await Self.withServer(server) { client in
            (
                try await Self.send(client, "/v1/events", body: Fixture.bytes(.array(events))),
                try await Self.send(
                    client,
                    "/v1/events",
                    contentType: "application/x-ndjson",
                    body: ByteBuffer(string: ndjson)
                ),
                try await Self.send(
                    client,
                    "/v1/events",
                    contentType: "text/plain;charset=UTF-8",
                    body: ByteBuffer(string: ndjson)
                ),
                try await Self.send(
                    client,
                    "/v1/properties/meta-quickstart-edge/events",
                    body: Fixture.bytes(events[0])
                )
            )
        }
        for reply in [array, lines, beacon] {
            #expect(reply.status == 202)
            #expect(reply.json["accepted"] == 3)
            #expect(reply.json["events"]?[1]?["fired"] == ["MetaCAPI_Lead"])
        }
        #expect(named.status == 202)
        let stats = try await outbox.stats(now: Date().timeIntervalSince1970)
        #expect(stats["meta-capi"]?.queued == 10)
    }

    @Test func brokenRequestsGetClearJSONErrors() async throws {
        let outbox = InMemoryOutbox()
        let limits = ServeLimits(maxBodyBytes: 4096, maxEvents: 3, maxDepth: 8)
        let server = try Fixture.server(outbox: outbox, limits: limits)
        var deep = JSONValue.object(JSONObject())
        for _ in 0..<12 { deep = ["x": deep] }
        let cases: [(String, String?, ByteBuffer, Int, String, String)] = [
            (
                "/v1/events", "application/json", ByteBuffer(string: #"{"data": {"a": 1,}}"#), 400, "invalid_json",
                "line 1, column"
            ),
            (
                "/v1/events", "application/json", ByteBuffer(string: "[1]"), 400, "invalid_event",
                "must be a JSON object"
            ),
            (
                "/v1/events", "application/json", ByteBuffer(string: #"{"page": "p1"}"#), 400, "invalid_event",
                "needs 'xdm' or 'data'"
            ),
            (
                "/v1/events", "application/json", ByteBuffer(string: #"{"data": 3}"#), 400, "invalid_event",
                "'data' must be an object"
            ),
            ("/v1/events", "application/json", ByteBuffer(string: "[]"), 400, "no_events", "empty array"),
            (
                "/v1/events", "application/x-ndjson", ByteBuffer(string: "{\"data\":{}}\n{oops\n"), 400, "invalid_json",
                "line 2"
            ),
            (
                "/v1/events", "application/json", Fixture.bytes(["data": deep]), 400, "too_deep",
                "deeper than the limit of 8"
            ),
            (
                "/v1/events", "application/json", Fixture.bytes(.array(Array(repeating: ["data": [:]], count: 4))), 400,
                "too_many_events", "at most 3"
            ),
            (
                "/v1/events", "application/json",
                ByteBuffer(string: "{\"data\":{\"pad\":\"" + String(repeating: "a", count: 5000) + "\"}}"), 413,
                "payload_too_large", "4096"
            ),
            (
                "/v1/events", "application/xml", ByteBuffer(string: "<event/>"), 415, "unsupported_media_type",
                "application/xml"
            ),
            ("/v1/events", nil, ByteBuffer(string: "{}"), 415, "unsupported_media_type", "(none)"),
            (
                "/v1/properties/other-shop/events", "application/json", Fixture.bytes(["data": [:]]), 404,
                "unknown_property", "'other-shop'"
            ),
        ]
        let replies = try await Self.withServer(server) { client in
            var out: [Reply] = []
            for c in cases { out.append(try await Self.send(client, c.0, contentType: c.1, body: c.2)) }
            out.append(try await Self.send(client, "/v2/nothing", method: .get, contentType: nil))
            return out
        }
        for (c, reply) in zip(cases, replies) {
            #expect(reply.status == c.3, "\(c.4)")
            #expect(reply.json["error"]?["code"]?.stringValue == c.4)
            #expect(reply.json["error"]?["status"]?.numberValue == Double(c.3))
            #expect(reply.json["error"]?["message"]?.stringValue?.contains(c.5) == true, "\(reply.text)")
            #expect(reply.headers[.contentType] == "application/json")
        }
        #expect(replies.last?.status == 404)
        #expect(replies.last?.json["error"]?["code"] == "not_found")
        // Nothing of a refused request was stored.
        #expect(try await outbox.stats(now: 0).isEmpty)
    }

    @Test func corsAllowsThePropertysDomainsOnly() async throws {
        let server = try Fixture.server()
        let (allowed, denied, preflight, badPreflight) = try await Self.withServer(server) { client in
            (
                try await Self.send(
                    client,
                    "/v1/events",
                    headers: ["origin": "https://www.shop.example.com"],
                    body: Fixture.bytes(Fixture.event(id: "c1"))
                ),
                try await Self.send(
                    client,
                    "/v1/events",
                    headers: ["origin": "https://evil.example.net"],
                    body: Fixture.bytes(Fixture.event(id: "c2"))
                ),
                try await Self.send(
                    client,
                    "/v1/events",
                    method: .options,
                    contentType: nil,
                    headers: [
                        "origin": "https://shop.example.com", "access-control-request-method": "POST",
                    ]
                ),
                try await Self.send(
                    client,
                    "/v1/events",
                    method: .options,
                    contentType: nil,
                    headers: ["origin": "http://shop.example.com.evil.net"]
                )
            )
        }
        #expect(allowed.status == 202)
        #expect(allowed.headers[.accessControlAllowOrigin] == "https://www.shop.example.com")
        #expect(denied.status == 403)
        #expect(denied.json["error"]?["code"] == "origin_not_allowed")
        #expect(denied.headers[.accessControlAllowOrigin] == nil)
        #expect(preflight.status == 204)
        #expect(preflight.headers[.accessControlAllowMethods] == "POST, OPTIONS")
        #expect(preflight.headers[.accessControlAllowHeaders] == "Content-Type")
        #expect(badPreflight.status == 403)
    }

    @Test func anOutboxThatIsDownRefusesWithRetryAfterAndIsNotReady() async throws {
        let server = try Fixture.server(outbox: BrokenOutbox())
        let (post, ready, health) = try await Self.withServer(server) { client in
            (
                try await Self.send(client, "/v1/events", body: Fixture.bytes(Fixture.event(id: "d1"))),
                try await Self.send(client, "/readyz", method: .get, contentType: nil),
                try await Self.send(client, "/healthz", method: .get, contentType: nil)
            )
        }
        #expect(post.status == 503)
        #expect(post.json["error"]?["code"] == "outbox_unavailable")
        #expect(post.headers[.retryAfter] == "5")
        #expect(ready.status == 503)
        #expect(ready.json["outbox"] == false)
        #expect(ready.json["library"] == true)
        #expect(health.status == 200)
        #expect(health.json["status"] == "ok")
    }

    @Test func readyWhenALibraryIsLoadedAndTheOutboxAnswers() async throws {
        let server = try Fixture.server()
        let ready = try await Self.withServer(server) { client in
            try await Self.send(client, "/readyz", method: .get, contentType: nil)
        }
        #expect(ready.status == 200)
        #expect(ready.json["ready"] == true)
        let empty = EventServer(
            store: LibraryStore(loader: Fixture.loader()),
            outbox: InMemoryOutbox(),
            options: ServeOptions(),
            logger: .init(label: "t")
        )
        let (notReady, post) = try await Self.withServer(empty) { client in
            (
                try await Self.send(client, "/readyz", method: .get, contentType: nil),
                try await Self.send(client, "/v1/events", body: Fixture.bytes(Fixture.event(id: "n1")))
            )
        }
        #expect(notReady.status == 503)
        #expect(notReady.json["library"] == false)
        #expect(post.status == 503)
        #expect(post.json["error"]?["code"] == "no_library")
    }

    @Test func metricsCountEventsRulesDispatchesAndRejections() async throws {
        let server = try Fixture.server()
        let metrics = try await Self.withServer(server) { client in
            _ = try await Self.send(
                client,
                "/v1/events",
                body: Fixture.bytes(.array([Fixture.event(id: "m1"), Fixture.event(name: "Lead", id: "m2")]))
            )
            _ = try await Self.send(client, "/v1/events", body: ByteBuffer(string: "{nope"))
            return try await Self.send(client, "/metrics", method: .get, contentType: nil)
        }
        #expect(metrics.status == 200)
        #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
        let lines = Set(metrics.text.split(separator: "\n").map(String.init))
        #expect(lines.contains("tagwire_events_received_total 3"))
        #expect(lines.contains("tagwire_events_accepted_total 2"))
        #expect(lines.contains(#"tagwire_events_rejected_total{reason="invalid_json"} 1"#))
        #expect(lines.contains(#"tagwire_rule_outcomes_total{rule="MetaCAPI_Purchase",status="fired"} 1"#))
        #expect(lines.contains(#"tagwire_rule_outcomes_total{rule="MetaCAPI_Purchase",status="conditionNotMet"} 1"#))
        #expect(lines.contains(#"tagwire_dispatches_total{destination="meta-capi"} 2"#))
        #expect(lines.contains(#"tagwire_outbox_queue_depth{destination="meta-capi",state="queued"} 2"#))
        #expect(lines.contains(#"tagwire_http_responses_total{code="400"} 1"#))
        #expect(lines.contains("tagwire_outbox_up 1"))
        #expect(lines.contains("# TYPE tagwire_delivery_latency_seconds histogram"))
        #expect(lines.contains("# TYPE tagwire_circuit_open gauge"))
        #expect(metrics.text.contains(#"tagwire_library_info{property="meta-quickstart-edge""#))
    }

    @Test func theOpenAPIDocumentIsServedAndMatchesTheRepositoryCopy() async throws {
        let server = try Fixture.server()
        let reply = try await Self.withServer(server) { client in
            try await Self.send(client, "/openapi.json", method: .get, contentType: nil)
        }
        let file = try String(contentsOf: Fixture.repo.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(reply.status == 200)
        #expect(
            reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
                == file.trimmingCharacters(in: .whitespacesAndNewlines)
        )
        #expect(reply.json["openapi"] == "3.1.0")
        // Every route the router serves is in the document.
        for path in [
            "/v1/events", "/v1/properties/{property}/events", "/healthz", "/readyz", "/metrics", "/openapi.json",
            "/admin/reload", "/admin/manifest", "/admin/outbox",
        ] {
            #expect(reply.json["paths"]?[path] != nil, "\(path)")
        }
    }

    @Test func logsNeverCarryTokensOrPersonalData() async throws {
        let sink = LogSink.inMemory()
        let server = try Fixture.server(sink: sink)
        _ = try await Self.withServer(server) { client in
            _ = try await Self.send(
                client,
                "/v1/events",
                body: Fixture.bytes(Fixture.event(id: "l1", email: "secret.person@example.org"))
            )
            _ = try await Self.send(
                client,
                "/v1/events",
                body: ByteBuffer(string: #"{"data": {"email": "secret.person@example.org""#)
            )
            _ = try await Self.send(
                client,
                "/admin/manifest",
                method: .get,
                contentType: nil,
                headers: ["authorization": "Bearer wrong-\(Fixture.adminToken)"]
            )
            return 0
        }
        server.logger.error(
            "an upstream said: Invalid OAuth access_token=\(Fixture.token) for secret.person@example.org, Bearer \(Fixture.adminToken)"
        )
        let text = sink.text
        #expect(text.contains("request refused"))
        #expect(text.contains("admin request refused"))
        #expect(text.contains("[redacted]"))
        for secret in [Fixture.token, Fixture.adminToken, "secret.person", "example.org", "650"] {
            #expect(!text.contains(secret), "\(secret) leaked")
        }
        // Every line is one JSON object with a level and a message.
        for line in text.split(separator: "\n") {
            let value = try JSONReader.parse(String(line))
            #expect(value["level"]?.stringValue != nil && value["msg"]?.stringValue != nil)
        }
    }

    @Test func redactorRemovesSecretsCredentialsAndEmails() {
        let r = Redactor()
        r.add(["tok-123456", "ab"])
        #expect(r.redact("token tok-123456 here") == "token [redacted] here")
        #expect(r.redact("Authorization: Bearer abc.def") == "Authorization: Bearer [redacted]")
        #expect(r.redact("GET /x?access_token=EAAB&y=1") == "GET /x?access_token=[redacted]&y=1")
        #expect(r.redact("mail Jane.Doe+x@Example.co.uk now") == "mail [redacted] now")
        #expect(r.redact("a@b and @handle and x@localhost") == "a@b and @handle and x@localhost")
        #expect(r.redact("ab is short") == "ab is short")
    }

    /// Random and mutated bodies under every accepted and some refused content types: each answer is a 202 or a
    /// 4xx with a JSON error, never a 5xx, and the server still serves a good event afterwards.
    @Test func fuzzedBodiesNeverCauseAServerError() async throws {
        let server = try Fixture.server(limits: ServeLimits(maxBodyBytes: 16 * 1024, maxEvents: 20, maxDepth: 16))
        let good = JSONWriter().bytes(Fixture.event(id: "fz"))
        var rng = SplitMix64(seed: 0x7A67)
        let types = [
            "application/json", "application/x-ndjson", "text/plain", "application/json; charset=utf-8", "text/html",
            "multipart/form-data",
        ]
        var bodies: [([UInt8], String)] = []
        for i in 0..<600 {
            var b = good
            switch i % 4 {
            case 0:  // flip bytes
                for _ in 0..<(1 + Int(rng.next() % 8)) {
                    b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
            case 1:  // truncate
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
            case 2:  // random bytes
                b = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            default:  // structure: repeated, nested or wrapped
                let n = Int(rng.next() % 30)
                b =
                    Array(repeating: UInt8(ascii: "["), count: n) + good
                    + Array(repeating: UInt8(ascii: "]"), count: Int(rng.next() % 30))
            }
            bodies.append((b, types[Int(rng.next() % UInt64(types.count))]))
        }
        let inputs = bodies
        let statuses = try await Self.withServer(server) { client in
            var out: [(Int, Bool)] = []
            for (body, type) in inputs {
                let r = try await Self.send(client, "/v1/events", contentType: type, body: ByteBuffer(bytes: body))
                out.append((r.status, r.status == 202 || r.json["error"]?["code"]?.stringValue != nil))
            }
            out.append((try await Self.send(client, "/v1/events", body: ByteBuffer(bytes: good)).status, true))
            return out
        }
        let serverErrors = statuses.filter { $0.0 >= 500 }.count
        #expect(statuses.allSatisfy { $0.0 == 202 || (400..<500).contains($0.0) }, "\(serverErrors) server errors")
        #expect(statuses.allSatisfy { $0.1 }, "every refusal is a JSON error")
        #expect(statuses.contains { $0.0 == 400 } && statuses.contains { $0.0 == 415 })
        #expect(statuses.last?.0 == 202)
    }
}
