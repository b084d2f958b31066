import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TagwireGraphSandbox
import TagwireHashing
import TagwireJSON
import Testing

/// The Graph API sandbox, tested in-process through its router.
struct GraphSandboxTests {
    static let now = 1_764_374_400.0
    static let pixel = "1234567890123456"

    static func state(_ config: SandboxConfiguration = SandboxConfiguration(appSecret: "app-secret")) -> SandboxState {
        SandboxState(configuration: config, clock: { now })
    }

    static func app(_ state: SandboxState) -> some ApplicationProtocol {
        Application(router: GraphSandbox.router(state: state))
    }

    static func event(_ overrides: [(String, JSONValue)] = []) -> JSONValue {
        var e = JSONObject([
            ("event_name", "Purchase"), ("event_time", .number(now - 60)), ("event_id", "order-1"),
            ("event_source_url", "https://shop.example.com/thanks"), ("action_source", "website"),
            (
                "user_data",
                .object(
                    JSONObject([("em", .array([.string(SHA256.hexDigest("a@b.co"))])), ("client_user_agent", "UA")])
                )
            ),
            ("custom_data", .object(JSONObject([("value", 10), ("currency", "usd")]))),
        ])
        for (k, v) in overrides { e[k] = v }
        return .object(e)
    }

    static func body(_ events: [JSONValue], extra: [(String, JSONValue)] = []) -> ByteBuffer {
        ByteBuffer(bytes: JSONWriter().bytes(.object(JSONObject([("data", .array(events))] + extra))))
    }

    static func post(
        _ client: some TestClientProtocol,
        _ body: ByteBuffer,
        token: String? = "sandbox-token",
        path: String = "/v26.0/\(pixel)/events"
    ) async throws -> (Int, JSONValue) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: path, method: .post, headers: headers, body: body) { response in
            (Int(response.status.code), (try? JSONReader.parse(Array(buffer: response.body))) ?? .null)
        }
    }

    @Test
    func acceptsAValidEventAndAnswersLikeGraph() async throws {
        let state = Self.state()
        try await Self.app(state).test(.router) { client in
            let (status, json) = try await Self.post(
                client,
                Self.body([Self.event()], extra: [("partner_agent", "tagwire-test"), ("test_event_code", "TEST1")])
            )
            #expect(status == 200)
            #expect(json["events_received"] == 1)
            #expect(json["messages"] == .array([]))
            #expect(json["fbtrace_id"]?.stringValue?.count == 22)
        }
        let received = await state.received(pixel: Self.pixel)
        #expect(received.count == 1)
        #expect(received.first?.partnerAgent == "tagwire-test")
        #expect(received.first?.testEventCode == "TEST1")
        #expect(received.first?.source == "server")
    }

    @Test(arguments: [
        (nil as String?, 104, nil as Int?),
        ("garbage", 190, nil),
        ("expired", 190, 463),
        ("other-token", 100, 33),
    ])
    func tokenAndPermissionErrors(_ token: String?, _ code: Int, _ subcode: Int?) async throws {
        let state = Self.state(
            SandboxConfiguration(
                tokens: ["sandbox-token": [Self.pixel], "other-token": ["999"]],
                expiredTokens: ["expired"]
            )
        )
        try await Self.app(state).test(.router) { client in
            let (status, json) = try await Self.post(client, Self.body([Self.event()]), token: token)
            #expect(status == 400)
            #expect(json["error"]?["code"]?.numberValue == Double(code))
            #expect(json["error"]?["error_subcode"]?.numberValue == subcode.map(Double.init))
            #expect(json["error"]?["fbtrace_id"] != nil)
            #expect(json["error"]?["type"] != nil)
        }
        #expect(await state.received().isEmpty)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var name: String
        var overrides: [(String, JSONValue)]
        var subcode: Int
        var testDescription: String { name }
    }

    static let hashedEmail: JSONValue = .string(SHA256.hexDigest("a@b.co"))
    static let invalidEvents: [Invalid] = [
        Invalid(name: "too old", overrides: [("event_time", .number(now - 8 * 86_400))], subcode: 2_804_003),
        Invalid(name: "in the future", overrides: [("event_time", .number(now + 3600))], subcode: 2_804_004),
        Invalid(name: "no event name", overrides: [("event_name", .null)], subcode: 2_804_001),
        Invalid(name: "time not an integer", overrides: [("event_time", .string("123"))], subcode: 2_804_002),
        Invalid(name: "bad action source", overrides: [("action_source", .string("web"))], subcode: 2_804_008),
        Invalid(
            name: "purchase without value",
            overrides: [("custom_data", .object(JSONObject([("currency", .string("usd"))])))],
            subcode: 2_804_009
        ),
        Invalid(
            name: "bad currency",
            overrides: [
                ("custom_data", .object(JSONObject([("value", .number(1)), ("currency", .string("dollars"))])))
            ],
            subcode: 2_804_012
        ),
        Invalid(
            name: "unhashed email",
            overrides: [
                ("user_data", .object(JSONObject([("em", .string("a@b.co")), ("client_user_agent", .string("UA"))])))
            ],
            subcode: 2_804_011
        ),
        Invalid(
            name: "no user agent on website",
            overrides: [("user_data", .object(JSONObject([("em", hashedEmail)])))],
            subcode: 2_804_010
        ),
        Invalid(name: "no source url on website", overrides: [("event_source_url", .null)], subcode: 2_804_007),
        Invalid(
            name: "weak customer information",
            overrides: [
                (
                    "user_data",
                    .object(
                        JSONObject([("fn", .string(SHA256.hexDigest("a"))), ("ge", .string(SHA256.hexDigest("f")))])
                    )
                )
            ],
            subcode: 2_804_006
        ),
        Invalid(
            name: "bad LDU",
            overrides: [("data_processing_options", .array([.string("XYZ")]))],
            subcode: 2_804_016
        ),
        Invalid(
            name: "bad LDU state",
            overrides: [
                ("data_processing_options", .array([.string("LDU")])), ("data_processing_options_state", .number(77)),
            ],
            subcode: 2_804_016
        ),
        Invalid(name: "app without extinfo", overrides: [("action_source", .string("app"))], subcode: 2_804_014),
    ]

    @Test(arguments: invalidEvents)
    func everyValidationFailsTheWholeRequest(_ invalid: Invalid) async throws {
        let name = invalid.name
        let overrides = invalid.overrides
        let subcode = invalid.subcode
        let state = Self.state()
        try await Self.app(state).test(.router) { client in
            var event = Self.event(overrides)
            if case .object(var o) = event {
                for (k, v) in overrides where v == .null { o[k] = nil }
                event = .object(o)
            }
            let (status, json) = try await Self.post(client, Self.body([Self.event(), event]))
            #expect(status == 400, "\(name)")
            #expect(json["error"]?["code"] == 100, "\(name)")
            #expect(json["error"]?["error_subcode"]?.numberValue == Double(subcode), "\(name): \(json)")
            #expect(json["error"]?["error_user_title"] != nil)
        }
        #expect(await state.received().isEmpty, "one bad event sinks the batch: \(name)")
    }

    @Test
    func acceptsFormBodiesWithDoubleEncodedEventsAndTokenInTheBody() async throws {
        let state = Self.state()
        try await Self.app(state).test(.router) { client in
            let inner = JSONWriter().string(Self.event())
            let data = JSONWriter().string(.array([.string(inner)]))
            let form =
                "access_token=sandbox-token&data="
                + (data.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            let status = try await client.execute(
                uri: "/\(Self.pixel)/events",
                method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: form)
            ) { Int($0.status.code) }
            #expect(status == 200)
        }
        #expect(await state.received().count == 1)
    }

    @Test
    func acceptsMultipartBodiesAsCurlSendsThem() async throws {
        let state = Self.state()
        try await Self.app(state).test(.router) { client in
            let boundary = "------------------------abc123"
            let data = JSONWriter().string(.array([Self.event()]))
            let body =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n\(data)\r\n--\(boundary)\r\n"
                + "Content-Disposition: form-data; name=\"access_token\"\r\n\r\nsandbox-token\r\n--\(boundary)--\r\n"
            let status = try await client.execute(
                uri: "/v26.0/\(Self.pixel)/events",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: ByteBuffer(string: body)
            ) { (Int($0.status.code), String(buffer: $0.body)) }
            #expect(status.0 == 200, "\(status.1)")
        }
        #expect(await state.received().count == 1)
    }

    @Test
    func checksAppSecretProof() async throws {
        let state = Self.state(SandboxConfiguration(appSecret: "sec", requireProof: true))
        try await Self.app(state).test(.router) { client in
            let (bad, badJSON) = try await Self.post(
                client,
                Self.body([Self.event()]),
                path: "/v26.0/\(Self.pixel)/events?appsecret_proof=00"
            )
            #expect(bad == 400)
            #expect(badJSON["error"]?["message"]?.stringValue?.contains("appsecret_proof") == true)
            let (missing, _) = try await Self.post(client, Self.body([Self.event()]))
            #expect(missing == 400)
            let proof = SHA256.hmacHex(key: "sec", message: "sandbox-token")
            let (ok, _) = try await Self.post(
                client,
                Self.body([Self.event()]),
                path: "/v26.0/\(Self.pixel)/events?appsecret_proof=\(proof)"
            )
            #expect(ok == 200)
        }
    }

    @Test
    func faultInjection() async throws {
        let state = Self.state()
        await state.inject(.graphError(GraphError(status: 500, message: "x", code: 2, isTransient: true)))
        await state.inject(.htmlBadGateway)
        try await Self.app(state).test(.router) { client in
            let (s1, j1) = try await Self.post(client, Self.body([Self.event()]))
            #expect(s1 == 500)
            #expect(j1["error"]?["code"] == 2)
            #expect(j1["error"]?["is_transient"] == true)
            let html = try await client.execute(
                uri: "/v26.0/\(Self.pixel)/events",
                method: .post,
                headers: [.authorization: "Bearer sandbox-token"],
                body: Self.body([Self.event()])
            ) {
                (Int($0.status.code), $0.headers[.contentType])
            }
            #expect(html.0 == 502)
            #expect(html.1 == "text/html")
            let throttle = try await client.execute(
                uri: "/__sandbox/faults",
                method: .post,
                body: ByteBuffer(string: #"{"fault": "throttle", "code": 17, "count": 1}"#)
            ) { Int($0.status.code) }
            #expect(throttle == 200)
            let t = try await client.execute(
                uri: "/v26.0/\(Self.pixel)/events",
                method: .post,
                headers: [.authorization: "Bearer sandbox-token"],
                body: Self.body([Self.event()])
            ) { $0 }
            #expect(t.status.code == 400)
            #expect(t.headers[HTTPField.Name("x-business-use-case-usage")!] != nil)
            let (s4, _) = try await Self.post(client, Self.body([Self.event()]))
            #expect(s4 == 200, "faults are used up")
        }
        #expect(await state.requests == 4)
    }

    @Test
    func browserAndServerCopiesOfOneEventCountOnce() async throws {
        let state = Self.state()
        try await Self.app(state).test(.router) { client in
            _ = try await client.execute(uri: "/tr?id=\(Self.pixel)&ev=Purchase&eid=order-1", method: .get) { $0 }
            let (status, _) = try await Self.post(client, Self.body([Self.event()]))
            #expect(status == 200)
            _ = try await Self.post(client, Self.body([Self.event([("event_id", "order-2")])]))
            let dedup = try await client.execute(uri: "/__sandbox/dedup?pixel=\(Self.pixel)", method: .get) {
                try JSONReader.parse(Array(buffer: $0.body))
            }
            #expect(dedup["unique"] == 2)
            #expect(dedup["copies"] == 3)
            #expect(dedup["duplicates"] == 1)
            let events = try await client.execute(uri: "/__sandbox/events?pixel=\(Self.pixel)", method: .get) {
                try JSONReader.parse(Array(buffer: $0.body))
            }
            #expect(events["events"]?.arrayValue?.count == 3)
        }
    }

    @Test
    func otherMethodsAndPathsAreRefusedInMetasShape() async throws {
        try await Self.app(Self.state()).test(.router) { client in
            let get = try await client.execute(uri: "/v26.0/\(Self.pixel)/events", method: .get) {
                try JSONReader.parse(Array(buffer: $0.body))
            }
            #expect(get["error"]?["code"] == 100)
            #expect(get["error"]?["error_subcode"] == 33)
            let (status, json) = try await Self.post(client, ByteBuffer(string: "{not json"))
            #expect(status == 400)
            #expect(json["error"]?["code"] == 100)
            let (s2, j2) = try await Self.post(client, ByteBuffer(string: "{}"))
            #expect(s2 == 400)
            #expect(j2["error"]?["error_user_title"] == "Missing data parameter")
            let many = Self.body(Array(repeating: Self.event(), count: 1001))
            let (s3, j3) = try await Self.post(client, many)
            #expect(s3 == 400)
            #expect(j3["error"]?["error_subcode"] == 2_804_999)
        }
    }
}
