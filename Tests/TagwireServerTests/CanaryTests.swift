import AsyncHTTPClient
import Foundation
import NIOCore
import TagwireGraphSandbox
import TagwireJSON
import TagwireTestSupport
import Testing

/// A canary token and canary customer data go through the whole pipeline (validate, build, run with and without
/// `--trace`, run --enqueue, deliver with a dead letter, outbox commands, emq, serve with its metrics, admin routes and
/// logs), then every byte written is searched: the token appears nowhere, and customer data appears in clear only
/// where Meta wants it unhashed (the IP address and user agent) or in `--trace`, whose purpose is to show values.
@Suite(.serialized) struct CanaryTests {
    static let token = "CANARYtoken7f3a9c1e"
    static let adminToken = "CANARYadmin55b2"
    /// Customer data that Meta wants hashed: none of it may be written in clear.
    static let hashedCanaries = ["canary.person@example.org", "7946 0321", "Canaryfirstname", "Canarycityville"]
    static let pixel = "1234567890123456"

    /// What a command or a route wrote, by name.
    struct Stream: Sendable {
        var name: String
        var text: String
        init(_ name: String, _ text: String) {
            self.name = name
            self.text = text
        }
    }

    static func events(_ prefix: String) -> String {
        (0..<3).map { i in
            JSONWriter().string([
                "xdm": ["web": ["webPageDetails": ["URL": "https://shop.example.com/thanks?utm=canary"]]],
                "data": [
                    "eventName": i == 2 ? "Lead" : "Purchase",
                    "meta": [
                        "userData": [
                            "email": .string(hashedCanaries[0]), "phone": "+44 20 7946 0321",
                            "firstName": .string(hashedCanaries[2]), "city": .string(hashedCanaries[3]),
                            "country": "GB",
                        ],
                        "conversionData": [
                            "eventId": .string("\(prefix)-\(i)"), "customData": ["value": 12.5, "currency": "GBP"],
                        ],
                    ],
                ],
                "request": ["ip": "203.0.113.77", "headers": ["user-agent": "CanaryAgent/9.9"]],
            ])
        }.joined(separator: "\n") + "\n"
    }

    /// The built `tagwire`, off the cooperative pool.
    static func cli(_ arguments: [String], _ env: [String: String]) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try TagwireCLI.run(arguments, environment: env) })
            }
        }
    }

    /// Every regular file under `dir`, by path.
    static func files(under dir: String) -> [(String, Data)] {
        let root = URL(fileURLWithPath: dir)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var out: [(String, Data)] = []
        for case let url as URL in walker {
            if let data = try? Data(contentsOf: url) { out.append((url.path, data)) }
        }
        return out
    }

    @Test
    func theTokenAppearsNowhereAndCustomerDataOnlyWhereMetaWantsItInClear() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Fixture.tagwire))
        let dir = try Scratch.directory("canary")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = NSTemporaryDirectory() + "tagwire-canary-events-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: input) }
        try Self.events("canary").write(toFile: input, atomically: true, encoding: .utf8)
        let state = SandboxState(configuration: SandboxConfiguration(tokens: [Self.token: [Self.pixel]]))
        // `deliver`'s three events are refused as invalid, in their batch and in each half of it: bisection makes
        // dead letters of them all (five requests).
        await state.inject(
            .graphError(GraphError(message: "Invalid parameter", code: 100, subcode: 2_804_050)),
            count: 5
        )
        let streams = try await Fixture.withSandbox(state) { port -> [Stream] in
            var streams: [Stream] = []
            let graph = "http://127.0.0.1:\(port)"
            let env = [
                "META_ACCESS_TOKEN": Self.token, "TAGWIRE_ADMIN_TOKEN": Self.adminToken,
                "TAGWIRE_META_GRAPH_URL": graph,
                "TAGWIRE_META_TIMEOUT_MS": "15000",
            ]
            let edge = "Properties/meta-quickstart-edge"
            let data = dir + "/data"
            var commands: [(String, [String])] = [
                ("validate", ["validate", edge, "Properties/meta-quickstart-web"]),
                ("build", ["build", edge, "--environment", "production", "--out", dir + "/build"]),
                ("run", ["run", edge, "--events", input]),
                ("trace", ["run", edge, "--events", input, "--trace"]),
                ("enqueue", ["run", edge, "--events", input, "--enqueue", "--data-dir", data]),
                ("deliver", ["deliver", edge, "--data-dir", data, "--until-empty", "--interval", "0.1"]),
                ("stats", ["outbox", "stats", "--data-dir", data]),
                ("dead-letters", ["outbox", "dead-letters", "--data-dir", data]),
                ("emq", ["emq", edge, "--events", input]),
                ("send", ["run", edge, "--events", input, "--send"]),
            ]
            if let url = ProcessInfo.processInfo.environment["TAGWIRE_POSTGRES_URL"] {
                let table = Scratch.tableName("canary")
                commands.append(
                    (
                        "postgres",
                        ["run", edge, "--events", input, "--enqueue", "--postgres-url", url, "--postgres-table", table]
                    )
                )
                commands.append(
                    (
                        "postgres-deliver",
                        [
                            "deliver", edge, "--postgres-url", url, "--postgres-table", table, "--until-empty",
                            "--interval",
                            "0.1",
                        ]
                    )
                )
            }
            for (name, arguments) in commands {
                let result = try await Self.cli(arguments, env)
                #expect(result.status == 0, "\(name): \(result.stderr)")
                streams.append(Stream(name, result.stdout))
                streams.append(Stream(name + " (stderr)", result.stderr))
            }
            let deadLetters = streams.first { $0.name == "dead-letters" }?.text ?? ""
            #expect(deadLetters.split(separator: "\n").count == 3, "three dead letters: \(deadLetters)")

            // serve, with its logs in files.
            let out = dir + "/serve.out"
            let err = dir + "/serve.err"
            #expect(FileManager.default.createFile(atPath: out, contents: nil))
            #expect(FileManager.default.createFile(atPath: err, contents: nil))
            let serve = Process()
            serve.executableURL = URL(fileURLWithPath: Fixture.tagwire)
            serve.arguments = ["serve", edge, "--port", "0", "--data-dir", dir + "/serve", "--flush-interval", "0.1"]
            serve.currentDirectoryURL = Repository.root
            serve.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
            serve.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
            serve.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
            try serve.run()
            defer { if serve.isRunning { serve.terminate() } }
            let listening = try await LiveServerTests.poll({ (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
            ) {
                $0.contains("listening on http://")
            }
            let port = try #require(
                listening.split(separator: "\n").first { $0.contains("listening on http://") }?.split(separator: ":")
                    .last.flatMap { Int($0) }
            )
            let url = "http://127.0.0.1:\(port)"
            for line in Self.events("served").split(separator: "\n") {
                let (status, _) = try await LiveServerTests.post(url, try JSONReader.parse(String(line)))
                #expect(status == 202)
            }
            let received = try await LiveServerTests.poll({ await state.received(pixel: Self.pixel) }) {
                $0.contains { $0.eventID == "served-2" }
            }
            #expect(received.contains { $0.eventID == "served-2" })
            for path in ["/metrics", "/healthz", "/readyz"] {
                streams.append(Stream(path, try await LiveServerTests.get(url + path).1))
            }
            for path in ["/admin/outbox", "/admin/manifest"] {
                var request = HTTPClientRequest(url: url + path)
                request.headers.add(name: "Authorization", value: "Bearer \(Self.adminToken)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                streams.append(Stream(path, String(buffer: try await response.body.collect(upTo: 1 << 20))))
            }
            serve.terminate()
            serve.waitUntilExit()
            return streams
        }

        // Every byte written: the streams and the files (builds, outboxes with their logs, serve's output).
        var written = streams.map { (name: $0.name, bytes: Data($0.text.utf8)) }
        written += Self.files(under: dir).map { (name: $0.0, bytes: $0.1) }
        if let url = ProcessInfo.processInfo.environment["TAGWIRE_POSTGRES_URL"] {
            let dump = Process()
            dump.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            dump.arguments = ["pg_dump", "--data-only", url]
            let pipe = Pipe()
            dump.standardOutput = pipe
            try dump.run()
            let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
            dump.waitUntilExit()
            #expect(dump.terminationStatus == 0)
            written.append(("PostgreSQL dump", bytes))
        }
        #expect(written.count > 20)
        #expect(written.contains { $0.name.hasSuffix("outbox.sqlite") })
        var clearIPs = 0
        for (name, bytes) in written {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains(Self.token), "the token is in \(name)")
            #expect(!text.contains(Self.adminToken), "the admin token is in \(name)")
            if text.contains("203.0.113.77") { clearIPs += 1 }
            guard name != "trace" else { continue }
            for canary in Self.hashedCanaries {
                #expect(!text.contains(canary), "'\(canary)' is in clear in \(name)")
            }
        }
        // What Meta wants unhashed is there, and --trace shows the values it resolved.
        #expect(clearIPs > 0)
        let trace = try #require(streams.first { $0.name == "trace" }?.text)
        #expect(trace.contains(Self.hashedCanaries[0]))
    }
}
