import Foundation
import Hummingbird
import HummingbirdTesting
import TagwireGraphSandbox
import TagwireJSON
import TagwireTestSupport
import Testing

/// At-least-once delivery through the SQLite outbox while the delivering process is killed with SIGKILL, again
/// and again: every accepted event reaches the sandbox, none is missing.
struct CrashTests {
    static let repo = Repository.root
    static let tagwire = Repository.executable("tagwire")

    static func start(_ arguments: [String], env: [String: String]) throws -> Process {
        try ChildProcess.start(tagwire, arguments, directory: repo, environment: env, captureOutput: false)
    }

    /// `count` edge Lead events as NDJSON, with event ids `idPrefix` + n (n from `firstID`) and one e-mail each.
    static func writeLeadEvents(_ count: Int, idPrefix: String, firstID: Int = 0, to path: String) throws {
        var lines = ""
        for i in firstID..<(firstID + count) {
            lines +=
                #"{"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/"}}},"data":{"eventName":"Lead","meta":{"userData":{"email":"\#(idPrefix)\#(i)@example.com"},"conversionData":{"eventId":"\#(idPrefix)\#(i)"}}},"request":{"ip":"203.0.113.1","headers":{"user-agent":"UA"}}}"#
            lines += "\n"
        }
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func run(_ arguments: [String], env: [String: String] = [:]) async throws -> (Int32, String) {
        let (status, data) = try await ChildProcess.run(tagwire, arguments, directory: repo, environment: env)
        return (status, String(decoding: data, as: UTF8.self))
    }

    @Test
    func killingTheDelivererRepeatedlyLosesNothing() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.tagwire))
        let dir = try Scratch.directory("crash")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let count = 300
        let events = dir + "/events.ndjson"
        try Self.writeLeadEvents(count, idPrefix: "crash-", to: events)
        let env = ["META_ACCESS_TOKEN": "sandbox-token", "TAGWIRE_META_TIMEOUT_MS": "15000"]
        let (enqueued, _) = try await Self.run(
            ["run", "Properties/meta-quickstart-edge", "--events", events, "--enqueue", "--data-dir", dir],
            env: env
        )
        #expect(enqueued == 0)

        let state = SandboxState()
        // Slow answers make the kills land while requests are in flight.
        await state.inject(.delay(40), count: 200)
        let app = Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            var deliverEnv = env
            deliverEnv["TAGWIRE_META_GRAPH_URL"] = "http://127.0.0.1:\(port)"
            let arguments = [
                "deliver", "Properties/meta-quickstart-edge", "--data-dir", dir, "--batch-limit", "5", "--lease", "1",
                "--interval", "0.1", "--until-empty",
            ]
            var kills = 0
            for round in 0..<6 {
                let p = try Self.start(arguments, env: deliverEnv)
                try await Task.sleep(for: .milliseconds(150 + 70 * round))
                if p.isRunning {
                    kill(p.processIdentifier, SIGKILL)
                    kills += 1
                }
                _ = await ChildProcess.wait(p)
            }
            #expect(kills >= 3, "the deliverer should still be working when killed")
            // A last runner, left alone, finishes once the killed runners' leases have expired.
            let last = try Self.start(arguments, env: deliverEnv)
            let deadline = Date().addingTimeInterval(90)
            while last.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            if last.isRunning { kill(last.processIdentifier, SIGKILL) }
            let (lastStatus, _) = await ChildProcess.wait(last)
            #expect(lastStatus == 0)
        }
        let received = await state.received(pixel: "1234567890123456")
        let ids = Set(received.compactMap(\.eventID))
        #expect(
            ids == Set((0..<count).map { "crash-\($0)" }),
            "missing: \(Set((0..<count).map { "crash-\($0)" }).subtracting(ids).sorted().prefix(10))"
        )
        #expect(received.count >= count, "at least once: \(received.count) copies of \(count) events")
        let (statsStatus, statsOutput) = try await Self.run(["outbox", "stats", "--data-dir", dir])
        #expect(statsStatus == 0)
        #expect(statsOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "{}", "nothing is left in the outbox")
    }
}

/// `tagwire outbox` over a data directory the other commands filled.
struct OutboxCommandTests {
    static func output(_ arguments: [String], env: [String: String] = [:]) async throws -> (Int32, String) {
        try await CrashTests.run(arguments, env: env)
    }

    @Test
    func deadLettersCanBeListedRequeuedAndPurged() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: CrashTests.tagwire))
        let dir = try Scratch.directory("outbox-cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let event =
            #"{"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/"}}},"data":{"eventName":"Lead","meta":{"userData":{"email":"a@b.co"},"conversionData":{"eventId":"cli-1"}}},"request":{"ip":"203.0.113.1","headers":{"user-agent":"UA"}}}"#
        try (event + "\n").write(toFile: dir + "/events.ndjson", atomically: true, encoding: .utf8)
        let env = ["META_ACCESS_TOKEN": "sandbox-token", "TAGWIRE_META_TIMEOUT_MS": "15000"]
        let (enqueued, _) = try await Self.output(
            [
                "run", "Properties/meta-quickstart-edge", "--events", dir + "/events.ndjson", "--enqueue", "--data-dir",
                dir,
            ],
            env: env
        )
        #expect(enqueued == 0)

        let state = SandboxState()
        await state.inject(
            .graphError(
                GraphError(message: "Invalid parameter", code: 100, subcode: 2_804_050, userTitle: "Rejected For Test")
            )
        )
        let app = Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let (status, progress) = try await Self.output(
                [
                    "deliver", "Properties/meta-quickstart-edge", "--data-dir", dir, "--until-empty", "--interval",
                    "0.1",
                ],
                env: env.merging(["TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)"]) { $1 }
            )
            #expect(status == 0)
            #expect(progress.contains("\"deadLettered\":1"))
        }
        let (_, stats) = try await Self.output(["outbox", "stats", "--data-dir", dir])
        let json = try JSONReader.parse(stats)
        #expect(json["meta-capi"]?["deadLettered"] == 1)
        #expect(json["meta-capi"]?["queued"] == 0)
        let (_, listed) = try await Self.output(["outbox", "dead-letters", "--data-dir", dir])
        let dead = try JSONReader.parse(listed.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(dead["event_id"] == "cli-1")
        #expect(dead["reason"]?.stringValue?.contains("Rejected For Test") == true)
        let (_, requeued) = try await Self.output(["outbox", "requeue", "--data-dir", dir])
        #expect(requeued == "requeued 1\n")
        let (_, after) = try await Self.output(["outbox", "stats", "--data-dir", dir])
        #expect(try JSONReader.parse(after)["meta-capi"]?["queued"] == 1)
        let (refused, _) = try await Self.output(["outbox", "purge", "--data-dir", dir])
        #expect(refused != 0, "purge needs --yes")
        let (_, purged) = try await Self.output(["outbox", "purge", "--yes", "--data-dir", dir])
        #expect(purged == "purged 0\n")
    }
}

/// Two runners sharing one PostgreSQL outbox split the work and never deliver the same claimed batch twice.
struct PostgresRunnersTests {
    static let url = ProcessInfo.processInfo.environment["TAGWIRE_POSTGRES_URL"]

    @Test(.enabled(if: url != nil, "needs TAGWIRE_POSTGRES_URL (.ci/run starts a loopback PostgreSQL)"))
    func twoRunnersShareTheWorkWithoutDuplicates() async throws {
        let url = try #require(Self.url)
        let table = Scratch.tableName("runners")
        let dir = try Scratch.directory("runners")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let count = 200
        try CrashTests.writeLeadEvents(count, idPrefix: "runner-", to: dir + "/events.ndjson")
        let env = ["META_ACCESS_TOKEN": "sandbox-token", "TAGWIRE_META_TIMEOUT_MS": "15000"]
        let (enqueued, _) = try await CrashTests.run(
            [
                "run", "Properties/meta-quickstart-edge", "--events", dir + "/events.ndjson", "--enqueue",
                "--postgres-url", url, "--postgres-table", table,
            ],
            env: env
        )
        #expect(enqueued == 0)

        let state = SandboxState()
        await state.inject(.delay(20), count: 60)
        let app = Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            var runnerEnv = env
            runnerEnv["TAGWIRE_META_GRAPH_URL"] = "http://127.0.0.1:\(port)"
            let arguments = [
                "deliver", "Properties/meta-quickstart-edge", "--postgres-url", url, "--postgres-table", table,
                "--batch-limit", "5", "--until-empty", "--interval", "0.1",
            ]
            async let first = CrashTests.run(arguments, env: runnerEnv)
            async let second = CrashTests.run(arguments, env: runnerEnv)
            let (a, b) = try await (first, second)
            #expect(a.0 == 0 && b.0 == 0)
            func delivered(_ output: String) throws -> Int {
                try output.split(separator: "\n").reduce(0) {
                    $0 + Int(try JSONReader.parse(String($1))["delivered"]?.numberValue ?? 0)
                }
            }
            let (da, db) = (try delivered(a.1), try delivered(b.1))
            #expect(da + db == count)
            #expect(da > 0 && db > 0, "both runners should get work: \(da) and \(db)")
        }
        let received = await state.received(pixel: "1234567890123456")
        #expect(received.count == count, "no claimed batch was delivered twice")
        #expect(Set(received.compactMap(\.eventID)).count == count)
    }

    @Test(.enabled(if: url != nil, "needs TAGWIRE_POSTGRES_URL (.ci/run starts a loopback PostgreSQL)"))
    func anIdleRunnerWakesOnEnqueueInsteadOfPolling() async throws {
        let url = try #require(Self.url)
        let table = Scratch.tableName("wake")
        let dir = try Scratch.directory("wake")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = ["META_ACCESS_TOKEN": "sandbox-token", "TAGWIRE_META_TIMEOUT_MS": "15000"]
        let state = SandboxState()
        let app = Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            var runnerEnv = env
            runnerEnv["TAGWIRE_META_GRAPH_URL"] = "http://127.0.0.1:\(port)"
            // The runner polls only every 60 s; LISTEN must wake it long before.
            let runner = try CrashTests.start(
                [
                    "deliver", "Properties/meta-quickstart-edge", "--postgres-url", url, "--postgres-table", table,
                    "--interval", "60",
                ],
                env: runnerEnv
            )
            defer { if runner.isRunning { kill(runner.processIdentifier, SIGTERM) } }
            // An event enqueued before the runner has issued LISTEN waits for the 60 s poll, so enqueue one more each
            // second until one is delivered: any delivery within the deadline was woken by NOTIFY.
            let pixel = "1234567890123456"
            let clock = ContinuousClock()
            let start = clock.now
            var enqueued: [String] = []
            while await state.received(pixel: pixel).isEmpty, clock.now - start < .seconds(20) {
                let id = enqueued.count + 1
                try CrashTests.writeLeadEvents(1, idPrefix: "wake-", firstID: id, to: dir + "/events.ndjson")
                let (status, output) = try await CrashTests.run(
                    [
                        "run", "Properties/meta-quickstart-edge", "--events", dir + "/events.ndjson", "--enqueue",
                        "--postgres-url", url, "--postgres-table", table,
                    ],
                    env: env
                )
                #expect(status == 0, "\(output)")
                enqueued.append("wake-\(id)")
                let asked = clock.now
                while await state.received(pixel: pixel).isEmpty, clock.now - asked < .seconds(1) {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            while await state.received(pixel: pixel).count < enqueued.count, clock.now - start < .seconds(20) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let waited = clock.now - start
            #expect(await state.received(pixel: pixel).compactMap(\.eventID).sorted() == enqueued.sorted())
            #expect(
                waited < .seconds(15),
                "delivered \(waited) after the first enqueue: woken by NOTIFY, not the 60 s poll"
            )
            kill(runner.processIdentifier, SIGTERM)
            _ = await ChildProcess.wait(runner)
        }
    }
}

/// `tagwire deliver --until-empty` gives up when nothing can be delivered, and says why.
struct DeliverGivesUpTests {
    @Test
    func untilEmptyExitsNamingTheOpenCircuitWhenNothingCanBeDelivered() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: CrashTests.tagwire))
        let dir = try Scratch.directory("deliver-max-wait")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CrashTests.writeLeadEvents(2, idPrefix: "wait-", to: dir + "/events.ndjson")
        let revoked = ["META_ACCESS_TOKEN": "revoked-token", "TAGWIRE_META_TIMEOUT_MS": "15000"]
        let (enqueued, _) = try await CrashTests.run(
            [
                "run", "Properties/meta-quickstart-edge", "--events", dir + "/events.ndjson", "--enqueue", "--data-dir",
                dir,
            ],
            env: revoked
        )
        #expect(enqueued == 0)
        let app = Application(
            router: GraphSandbox.router(state: SandboxState()),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await app.test(.ahc(.http)) { client in
            let port = try #require(client.port)
            let env = revoked.merging(["TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)"]) { $1 }
            let arguments = [
                "deliver", "Properties/meta-quickstart-edge", "--data-dir", dir, "--until-empty", "--interval", "0.1",
                "--max-wait", "1",
            ]
            let result = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(with: Result { try TagwireCLI.run(arguments, environment: env) })
                }
            }
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("nothing could be delivered for 1 s; 2 events wait in the outbox"),
                "\(result.stderr)"
            )
            #expect(result.stderr.contains("pixel 1234567890123456 ("), "\(result.stderr)")
            #expect(result.stderr.contains("batch key 1234567890123456|meta-quickstart-edge:meta-capi|"))
            #expect(!result.stderr.contains("revoked-token"))
        }
        let (_, stats) = try await CrashTests.run(["outbox", "stats", "--data-dir", dir])
        #expect(try JSONReader.parse(stats)["meta-capi"]?["queued"] == 2, "the events are still there")
    }
}
