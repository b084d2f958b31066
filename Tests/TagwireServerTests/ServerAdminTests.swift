import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TagwireCommands
import TagwireCompiler
import TagwireDelivery
import TagwireExtensions
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireServer
import Testing

/// Admin endpoints: bearer token, atomic reload from a directory or an artifact, manifest, outbox figures.
@Suite struct ServerAdminTests {
    typealias Reply = ServerRouterTests.Reply

    /// A copy of the example edge property in a temporary directory, so a test can edit it.
    static func copyOfEdgeProperty() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tagwire-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent("meta-quickstart-edge")
        try FileManager.default.copyItem(atPath: Fixture.edge, toPath: target.path)
        return target
    }

    static func admin(
        _ client: some TestClientProtocol,
        _ uri: String,
        method: HTTPRequest.Method = .get,
        token: String? = Fixture.adminToken,
        body: String? = nil
    ) async throws -> Reply {
        var headers: [String: String] = [:]
        if let token { headers["authorization"] = "Bearer \(token)" }
        return try await ServerRouterTests.send(
            client,
            uri,
            method: method,
            contentType: body == nil ? nil : "application/json",
            headers: headers,
            body: body.map { ByteBuffer(string: $0) }
        )
    }

    @Test func adminEndpointsNeedTheBearerToken() async throws {
        let disabled = try Fixture.server(adminToken: nil)
        let off = try await ServerRouterTests.withServer(disabled) { client in
            try await Self.admin(client, "/admin/manifest")
        }
        #expect(off.status == 403)
        #expect(off.json["error"]?["code"] == "admin_disabled")

        let server = try Fixture.server()
        let (missing, wrong, basic, ok) = try await ServerRouterTests.withServer(server) { client in
            (
                try await Self.admin(client, "/admin/manifest", token: nil),
                try await Self.admin(client, "/admin/reload", method: .post, token: "nope"),
                try await ServerRouterTests.send(
                    client,
                    "/admin/outbox",
                    method: .get,
                    contentType: nil,
                    headers: ["authorization": "Basic \(Fixture.adminToken)"]
                ),
                try await Self.admin(client, "/admin/manifest")
            )
        }
        for r in [missing, wrong, basic] {
            #expect(r.status == 401)
            #expect(r.json["error"]?["code"] == "unauthorized")
            #expect(r.headers[.wwwAuthenticate] == "Bearer")
        }
        #expect(ok.status == 200)
        #expect(ok.json["manifest"]?["property"] == "meta-quickstart-edge")
        #expect(ok.json["manifest"]?["contentHash"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(ok.json["source"]?.stringValue == Fixture.edge)
    }

    @Test func reloadSwapsTheLibraryAndRefusesOneWithErrors() async throws {
        let dir = try Self.copyOfEdgeProperty()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let server = try Fixture.server(source: dir.path)
        let before = server.store.library?.contentHash ?? ""
        let rule = dir.appendingPathComponent("rules/metacapi-lead.json")
        let original = try String(contentsOf: rule, encoding: .utf8)
        let replies = try await ServerRouterTests.withServer(server) { client in
            var out: [Reply] = []
            // 1. An edit: Lead becomes "Lead" sent as CompleteRegistration... simply: the rule is disabled.
            try original.replacingOccurrences(of: "\"order\": 50,", with: "\"order\": 50,\n  \"enabled\": false,")
                .write(to: rule, atomically: true, encoding: .utf8)
            out.append(try await Self.admin(client, "/admin/reload", method: .post))
            out.append(
                try await ServerRouterTests.send(
                    client,
                    "/v1/events",
                    body: Fixture.bytes(Fixture.event(name: "Lead", id: "r1"))
                )
            )
            // 2. A broken edit: refused with diagnostics, the previous library keeps serving.
            try original.replacingOccurrences(of: "\"{{Event Name}}\"", with: "\"{{Event Nmae}}\"").write(
                to: rule,
                atomically: true,
                encoding: .utf8
            )
            out.append(try await Self.admin(client, "/admin/reload", method: .post, body: "{}"))
            out.append(
                try await ServerRouterTests.send(
                    client,
                    "/v1/events",
                    body: Fixture.bytes(Fixture.event(name: "Lead", id: "r2"))
                )
            )
            out.append(try await Self.admin(client, "/admin/manifest"))
            // 3. Bad reload requests.
            out.append(try await Self.admin(client, "/admin/reload", method: .post, body: "{\"path\": 3}"))
            out.append(
                try await Self.admin(
                    client,
                    "/admin/reload",
                    method: .post,
                    body: "{\"path\": \"/nonexistent/property\"}"
                )
            )
            return out
        }
        let reloaded = replies[0]
        #expect(reloaded.status == 200)
        #expect(reloaded.json["reloaded"] == true)
        let after = reloaded.json["manifest"]?["contentHash"]?.stringValue ?? ""
        #expect(after.hasPrefix("sha256:") && after != before)
        #expect(replies[1].status == 202)
        #expect(replies[1].json["contentHash"]?.stringValue == after)
        #expect(replies[1].json["events"]?[0]?["rules"]?["skipped"] == 1)

        let refused = replies[2]
        #expect(refused.status == 422)
        #expect(refused.json["error"]?["code"] == "library_has_errors")
        let diagnostics = refused.json["error"]?["details"]?.arrayValue ?? []
        #expect(!diagnostics.isEmpty)
        #expect(JSONWriter().string(.array(diagnostics)).contains("Event Nmae"))
        #expect(JSONWriter().string(.array(diagnostics)).contains("metacapi-lead.json"))
        #expect(replies[3].status == 202)
        #expect(replies[3].json["contentHash"]?.stringValue == after)
        #expect(replies[4].json["manifest"]?["contentHash"]?.stringValue == after)
        #expect(replies[5].status == 400)
        #expect(replies[6].status == 422)
        #expect(replies[6].json["error"]?["message"]?.stringValue?.contains("/nonexistent/property") == true)
    }

    @Test func reloadFromABuiltArtifact() async throws {
        let dir = try Self.copyOfEdgeProperty()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let result = Compiler.compile(
            PropertyLoader.load(try PropertySource.directory(Fixture.edge)),
            options: CompileOptions(environment: "staging"),
            registry: BuiltInExtensions.all.contracts
        )
        let graph = try #require(result.graph)
        let published = PublishedLibrary(graph: graph, sourceRevision: nil)
        let artifact = dir.deletingLastPathComponent().appendingPathComponent("artifact")
        try FileManager.default.createDirectory(at: artifact, withIntermediateDirectories: true)
        try Data(published.libraryBytes).write(to: artifact.appendingPathComponent("library.json"))
        try Data(published.manifestBytes).write(to: artifact.appendingPathComponent("manifest.json"))
        let server = try Fixture.server(reloadRoots: [artifact.deletingLastPathComponent().path])
        let (reload, manifest, post) = try await ServerRouterTests.withServer(server) { client in
            (
                try await Self.admin(
                    client,
                    "/admin/reload",
                    method: .post,
                    body: JSONWriter().string(["path": .string(artifact.path)])
                ),
                try await Self.admin(client, "/admin/manifest"),
                try await ServerRouterTests.send(client, "/v1/events", body: Fixture.bytes(Fixture.event(id: "a1")))
            )
        }
        #expect(reload.status == 200)
        #expect(manifest.json["manifest"]?["environment"] == "staging")
        #expect(manifest.json["manifest"]?["contentHash"]?.stringValue == published.contentHash)
        #expect(manifest.json["source"]?.stringValue == artifact.path)
        #expect(post.status == 202)
        #expect(post.json["contentHash"]?.stringValue == published.contentHash)
    }

    /// A reload loads only from where the server was started (or a root it was given): not `/`, not `/proc`, not a
    /// sibling of the property, however large, and the library served stays.
    @Test func reloadsComeOnlyFromTheServersRoots() async throws {
        let dir = try Self.copyOfEdgeProperty()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let sibling = dir.deletingLastPathComponent().appendingPathComponent("other")
        try FileManager.default.copyItem(at: dir, to: sibling)
        let server = try Fixture.server(source: dir.path)
        let before = server.store.library?.contentHash
        let replies = try await ServerRouterTests.withServer(server) { client in
            var out: [Reply] = []
            for path in ["/", "/proc/self", sibling.path, dir.path + "/../other", dir.path + "/rules/../../other"] {
                out.append(
                    try await Self.admin(
                        client,
                        "/admin/reload",
                        method: .post,
                        body: JSONWriter().string(["path": .string(path)])
                    )
                )
            }
            out.append(try await Self.admin(client, "/admin/reload", method: .post))
            return out
        }
        for refused in replies.dropLast() {
            #expect(refused.status == 422)
            let message = refused.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("is outside the directories this server loads libraries from"), "\(message)")
        }
        #expect(replies.last?.status == 200)
        #expect(server.store.library?.contentHash == before)
    }

    /// Compiling a reload happens away from the threads that answer requests: health checks answer while it runs.
    @Test func healthChecksAnswerWhileAReloadCompiles() async throws {
        let hold = Changing(false)
        let entered = Changing(false)
        let gate = DispatchSemaphore(value: 0)
        let base = Fixture.loader()
        let server = try Fixture.server(loader: { path in
            if hold.current {
                entered.set(true)
                gate.wait()
            }
            return base(path)
        })
        hold.set(true)
        try await server.application(host: "127.0.0.1", port: 0).test(.live) { client in
            // Separate connections: the reload's own stays busy until it is let go.
            let port = try #require(client.port)
            var reloadRequest = HTTPClientRequest(url: "http://127.0.0.1:\(port)/admin/reload")
            reloadRequest.method = .POST
            reloadRequest.headers.add(name: "Authorization", value: "Bearer \(Fixture.adminToken)")
            let request = reloadRequest
            async let reload = HTTPClient.shared.execute(request, timeout: .seconds(60))
            let deadline = ContinuousClock.now + .seconds(30)
            while !entered.current, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(entered.current, "the reload started")
            var answered = 0
            for _ in 0..<20 {
                let health = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"),
                    timeout: .seconds(5)
                )
                if health.status == .ok { answered += 1 }
            }
            #expect(answered == 20)
            gate.signal()
            #expect(try await reload.status == .ok)
        }
    }

    @Test func requestsInFlightDuringReloadsFinishOnOneLibraryOrTheOther() async throws {
        let dir = try Self.copyOfEdgeProperty()
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        let outbox = InMemoryOutbox()
        let server = try Fixture.server(outbox: outbox, source: dir.path)
        let first = server.store.library?.contentHash ?? ""
        let rule = dir.appendingPathComponent("rules/metacapi-search.json")
        let text = try String(contentsOf: rule, encoding: .utf8)
        try text.replacingOccurrences(of: "\"order\":", with: "\"enabled\": false,\n  \"order\":").write(
            to: rule,
            atomically: true,
            encoding: .utf8
        )
        let replies = try await ServerRouterTests.withServer(server) { client in
            try await withThrowingTaskGroup(of: Reply.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await ServerRouterTests.send(
                            client,
                            "/v1/events",
                            body: Fixture.bytes(Fixture.event(id: "f\(i)"))
                        )
                    }
                }
                for _ in 0..<4 { group.addTask { try await Self.admin(client, "/admin/reload", method: .post) } }
                var all: [Reply] = []
                for try await r in group { all.append(r) }
                return all
            }
        }
        let posts = replies.filter { $0.json["accepted"] != nil }
        #expect(posts.count == 40)
        let second = server.store.library?.contentHash ?? ""
        #expect(second != first)
        for p in posts {
            #expect(p.status == 202)
            let hash = p.json["contentHash"]?.stringValue ?? ""
            #expect(hash == first || hash == second)
        }
        // Reloads either swapped or said another was in progress; none failed otherwise.
        for r in replies where r.json["accepted"] == nil {
            #expect(
                r.status == 200 || r.json["error"]?["message"]?.stringValue?.contains("already in progress") == true
            )
        }
        #expect(try await outbox.stats(now: 0)["meta-capi"]?.queued == 40)
    }

    @Test func outboxFiguresPerDestination() async throws {
        let outbox = InMemoryOutbox()
        let server = try Fixture.server(outbox: outbox)
        let figures = try await ServerRouterTests.withServer(server) { client in
            _ = try await ServerRouterTests.send(
                client,
                "/v1/events",
                body: Fixture.bytes(.array([Fixture.event(id: "o1"), Fixture.event(id: "o2")]))
            )
            return try await Self.admin(client, "/admin/outbox")
        }
        #expect(figures.status == 200)
        #expect(figures.json["destinations"]?["meta-capi"]?["queued"] == 2)
        #expect(figures.json["destinations"]?["meta-capi"]?["deadLettered"] == 0)
        #expect(figures.json["openCircuits"] == [])
    }

    @Test func webPropertiesAndMissingSecretsAreRefusedAtLoad() throws {
        let web = Fixture.repo.appendingPathComponent("Properties/meta-quickstart-web").path
        guard case .failure(let webError) = Fixture.loader()(web) else {
            Issue.record("a web property was loaded for serving")
            return
        }
        #expect(webError.message.contains("is a web property"))
        let noSecrets = Serve.loader(environment: nil, library: nil, secrets: SecretResolver { _ in nil })
        guard case .failure(let secretError) = noSecrets(Fixture.edge) else {
            Issue.record("a library whose access token cannot be resolved was loaded")
            return
        }
        #expect(secretError.message.contains("accessToken"))
        #expect(!secretError.message.contains(Fixture.token))
    }
}
