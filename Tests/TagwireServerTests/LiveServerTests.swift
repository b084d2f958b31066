import AsyncHTTPClient
import Foundation
import NIOCore
import TagwireDelivery
import TagwireGraphSandbox
import TagwireJSON
import TagwireOutboxSQLite
import TagwireTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `tagwire serve` as a process on loopback: events posted over HTTP reach the Graph API sandbox; SIGTERM drains
/// requests and loses nothing accepted; slow clients are cut off.
@Suite(.serialized) struct LiveServerTests {
    /// A running `tagwire serve` and its port.
    struct Served {
        var process: Process
        var port: Int
        var url: String { "http://127.0.0.1:\(port)" }
    }

    static func serve(_ arguments: [String], env: [String: String]) async throws -> Served {
        try #require(FileManager.default.isExecutableFile(atPath: Fixture.tagwire), "build first: swift build")
        var environment = env
        environment["META_ACCESS_TOKEN"] = Fixture.token
        environment["TAGWIRE_ADMIN_TOKEN"] = Fixture.adminToken
        let p = try ChildProcess.start(
            Fixture.tagwire,
            ["serve", Fixture.edge, "--port", "0"] + arguments,
            directory: Fixture.repo,
            environment: environment,
            captureOutput: true
        )
        let line = await OutputLines(p).first(containing: "listening on http://", timeout: 60)
        guard let line, let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            p.terminate()
            throw Failure(message: "tagwire serve did not start")
        }
        return Served(process: p, port: port)
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static func post(_ url: String, _ body: JSONValue, contentType: String = "application/json", timeout: Int64 = 30)
        async throws -> (Int, JSONValue)
    {
        var request = HTTPClientRequest(url: url + "/v1/events")
        request.method = .POST
        request.headers.add(name: "content-type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeout))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), (try? JSONReader.parse(Array(buffer: bytes))) ?? .null)
    }

    /// Reads `read()` every 100 ms until `done` holds of what it read or 20 s have passed; returns the last reading.
    static func poll<T>(_ read: () async throws -> T, until done: (T) -> Bool) async throws -> T {
        let deadline = Date().addingTimeInterval(20)
        var value = try await read()
        while !done(value), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            value = try await read()
        }
        return value
    }

    static func get(_ url: String) async throws -> (Int, String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: bytes))
    }

    @Test func postedEventsArriveAtTheGraphSandbox() async throws {
        let dir = try Scratch.directory("serve")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = SandboxState()
        try await Fixture.withSandbox(state) { sandboxPort in
            let served = try await Self.serve(
                ["--data-dir", dir, "--flush-interval", "0.2"],
                env: ["TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(sandboxPort)"]
            )
            defer { if served.process.isRunning { served.process.terminate() } }
            let ids = (0..<12).map { "live-\($0)" }
            let (one, _) = try await Self.post(served.url, Fixture.event(id: ids[0]))
            let (many, reply) = try await Self.post(
                served.url,
                .array(ids.dropFirst().map { Fixture.event(name: "AddToCart", id: $0) })
            )
            #expect(one == 202)
            #expect(many == 202)
            #expect(reply["accepted"] == 11)
            // Delivered in the background within a few flush intervals.
            let received = try await Self.poll {
                Set(await state.received(pixel: "1234567890123456").compactMap(\.eventID))
            } until: {
                $0.count >= ids.count
            }
            #expect(received == Set(ids))
            let events = await state.received(pixel: "1234567890123456")
            #expect(events.allSatisfy { $0.partnerAgent == "tagwire-0.1.0" })
            #expect(events.contains { $0.eventName == "AddToCart" })
            // The sandbox checks hashing strictly, so accepted means normalised and hashed.
            #expect(events.allSatisfy { $0.event["user_data"]?["em"]?.arrayValue?.first?.stringValue?.count == 64 })
            // The deliverer counts a request once the sandbox's answer is back and the events are completed in the
            // outbox, a moment after the sandbox has them: wait for the count.
            let metrics = try await Self.poll {
                try await Self.get(served.url + "/metrics").1
            } until: {
                $0.contains("tagwire_delivered_events_total 12\n")
            }
            #expect(metrics.contains("tagwire_delivered_events_total 12\n"))
            #expect(metrics.contains(#"tagwire_delivery_latency_seconds_count{outcome="delivered"}"#))
            kill(served.process.processIdentifier, SIGTERM)
            let (status, _) = await ChildProcess.wait(served.process)
            #expect(status == 0)
        }
    }

    static let postgresURL = ProcessInfo.processInfo.environment["TAGWIRE_POSTGRES_URL"]

    /// Two servers sharing one PostgreSQL outbox: each accepts its own events, together they deliver every event once.
    @Test(.enabled(if: postgresURL != nil, "needs TAGWIRE_POSTGRES_URL (.ci/run starts a loopback PostgreSQL)"))
    func twoServersShareOnePostgresOutbox() async throws {
        let url = try #require(Self.postgresURL)
        let table = Scratch.tableName("serve")
        let state = SandboxState()
        try await Fixture.withSandbox(state) { sandboxPort in
            let env = ["TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(sandboxPort)"]
            let a = try await Self.serve(["--postgres-url", url, "--postgres-table", table], env: env)
            defer { if a.process.isRunning { a.process.terminate() } }
            let b = try await Self.serve(["--postgres-url", url, "--postgres-table", table], env: env)
            defer { if b.process.isRunning { b.process.terminate() } }
            var ids: [String] = []
            for i in 0..<20 {
                let id = "pg-serve-\(i)"
                ids.append(id)
                let (status, _) = try await Self.post(i % 2 == 0 ? a.url : b.url, Fixture.event(name: "Lead", id: id))
                #expect(status == 202)
            }
            let received = try await Self.poll {
                await state.received(pixel: "1234567890123456").compactMap(\.eventID)
            } until: {
                Set($0).count >= ids.count
            }
            #expect(Set(received) == Set(ids))
            #expect(received.count == ids.count, "each event delivered once: \(received.count) copies")
            for served in [a, b] {
                kill(served.process.processIdentifier, SIGTERM)
                let (status, _) = await ChildProcess.wait(served.process)
                #expect(status == 0)
            }
        }
    }

    @Test func sigtermDrainsRequestsInFlightAndStoresEveryAcceptedEvent() async throws {
        let dir = try Scratch.directory("serve")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // No delivery: every accepted event must be found in the outbox afterwards.
        let served = try await Self.serve(["--data-dir", dir, "--no-deliver"], env: [:])
        let url = served.url
        let accepted = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var ids: [String] = []
                    var n = 0
                    while true {
                        let batch = (0..<5).map { "w\(worker)-\(n)-\($0)" }
                        n += 1
                        let status: Int
                        do {
                            status = try await Self.post(url, .array(batch.map { Fixture.event(id: $0) }), timeout: 5).0
                        } catch {
                            return ids  // the server has stopped listening
                        }
                        if status == 202 { ids += batch } else { return ids }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(700))
            kill(served.process.processIdentifier, SIGTERM)
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        let (status, _) = await ChildProcess.wait(served.process)
        #expect(status == 0)
        #expect(accepted.count >= 40, "requests were being served when SIGTERM came")
        let outbox = try SQLiteOutbox(path: dir + "/outbox.sqlite")
        let stored = try await outbox.claim(limit: 1_000_000, lease: 60, now: Date().timeIntervalSince1970)
        let storedIDs = Set(
            stored.compactMap { try? JSONReader.parse($0.item.payload)["event_id"]?.stringValue ?? nil }
        )
        let missing = Set(accepted).subtracting(storedIDs)
        #expect(missing.isEmpty, "accepted but not stored: \(missing.sorted().prefix(5))")
    }

    /// `serve` killed with SIGKILL twenty times while clients post and it delivers: every event that got a 202
    /// reaches the sandbox once a last server runs, and the only repeats are copies with the same event id.
    @Test func killingTheServerTwentyTimesUnderLoadLosesNothingAccepted() async throws {
        let dir = try Scratch.directory("serve-kill")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = SandboxState()
        try await Fixture.withSandbox(state) { port in
            let env = ["TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)"]
            // A killed server's claims come back after the lease.
            let arguments = ["--data-dir", dir, "--flush-interval", "0.05", "--lease", "2"]
            var accepted = Set<String>()
            var posted = Set<String>()
            for round in 0..<20 {
                let served = try await Self.serve(arguments, env: env)
                let url = served.url
                let results = try await withThrowingTaskGroup(of: ([String], [String]).self) { group in
                    for worker in 0..<4 {
                        group.addTask {
                            var sent: [String] = []
                            var ok: [String] = []
                            for n in 0..<1_000 {
                                let batch = (0..<3).map { "k\(round)-\(worker)-\(n)-\($0)" }
                                sent += batch
                                guard
                                    let status = try? await Self.post(
                                        url,
                                        .array(batch.map { Fixture.event(name: "Lead", id: $0) }),
                                        timeout: 5
                                    ).0
                                else { break }  // killed
                                if status == 202 { ok += batch }
                            }
                            return (sent, ok)
                        }
                    }
                    // Killed at a different moment of each round, while requests and deliveries are under way.
                    try await Task.sleep(for: .milliseconds(150 + 25 * (round % 8)))
                    kill(served.process.processIdentifier, SIGKILL)
                    var all: [([String], [String])] = []
                    for try await r in group { all.append(r) }
                    return all
                }
                _ = await ChildProcess.wait(served.process)
                for (sent, ok) in results {
                    posted.formUnion(sent)
                    accepted.formUnion(ok)
                }
            }
            #expect(accepted.count >= 100, "the servers accepted events before they were killed: \(accepted.count)")
            let last = try await Self.serve(arguments, env: env)
            let received = try await Self.poll {
                await state.received(pixel: "1234567890123456").compactMap(\.eventID)
            } until: {
                Set($0).isSuperset(of: accepted)
            }
            kill(last.process.processIdentifier, SIGTERM)
            _ = await ChildProcess.wait(last.process)
            let missing = accepted.subtracting(received)
            #expect(missing.isEmpty, "accepted but never delivered: \(missing.sorted().prefix(5))")
            #expect(Set(received).isSubset(of: posted), "every copy is of an event that was posted")
        }
    }

    /// The outbox's disk full (a file-size limit put on the running server): events are refused with 503 and
    /// `Retry-After`, never answered 202 without being stored, and accepted again once there is room.
    @Test func aFullDiskRefusesWith503AndRecovers() async throws {
        let dir = try Scratch.directory("serve-full")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let served = try await Self.serve(["--data-dir", dir, "--no-deliver"], env: [:])
        defer { if served.process.isRunning { served.process.terminate() } }
        func limit(_ bytes: String) async throws {
            let (status, _) = try await ChildProcess.run(
                "/usr/bin/prlimit",
                ["--pid", String(served.process.processIdentifier), "--fsize=\(bytes):unlimited"],
                directory: Fixture.repo,
                environment: [:]
            )
            try #require(status == 0, "prlimit (util-linux) sets the server's file-size limit")
        }
        var accepted: [String] = []
        var refused = 0
        func post(_ id: String) async throws {
            var request = HTTPClientRequest(url: served.url + "/v1/events")
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(Fixture.event(name: "Lead", id: id))))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            switch response.status.code {
            case 202: accepted.append(id)
            case 503:
                refused += 1
                #expect(response.headers.first(name: "retry-after") == "5")
            default: Issue.record("\(id): HTTP \(response.status.code)")
            }
        }
        try await post("before-0")
        // No room beyond what the outbox's files hold now.
        let wal = (try? FileManager.default.attributesOfItem(atPath: dir + "/outbox.sqlite-wal")[.size] as? Int) ?? 0
        try await limit(String(max(wal, 4096) + 512))
        for i in 0..<20 { try await post("full-\(i)") }
        #expect(refused > 0, "the full disk refused events")
        try await limit("unlimited")
        for i in 0..<3 { try await post("after-\(i)") }
        #expect(accepted.suffix(3) == ["after-0", "after-1", "after-2"], "room again: accepted")
        kill(served.process.processIdentifier, SIGTERM)
        let (status, _) = await ChildProcess.wait(served.process)
        #expect(status == 0)
        let outbox = try SQLiteOutbox(path: dir + "/outbox.sqlite")
        let stored = try await outbox.claim(limit: 1_000, lease: 60, now: Date().timeIntervalSince1970)
        let ids = stored.compactMap { try? JSONReader.parse($0.item.payload)["event_id"]?.stringValue ?? nil }
        #expect(ids.sorted() == accepted.sorted(), "every 202 stored, nothing else")
    }

    @Test func slowClientsTimeOut() async throws {
        let dir = try Scratch.directory("serve")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let served = try await Self.serve(
            ["--data-dir", dir, "--no-deliver", "--idle-timeout", "2", "--body-timeout", "0.5"],
            env: [:]
        )
        defer {
            kill(served.process.processIdentifier, SIGTERM)
        }
        // Headers never finished: the connection is closed.
        let partial = await RawSocket.exchange(
            port: served.port,
            send: "POST /v1/events HTTP/1.1\r\nHost: x\r\n",
            waitSeconds: 8
        )
        #expect(partial.closed)
        #expect(partial.elapsed < 7)
        // A body trickled byte by byte to keep the connection alive: 408 with a JSON error once the body timeout passed.
        let head =
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":"
        let slow = await RawSocket.exchange(port: served.port, send: head, trickle: "{\"aaaaaaaaaaaaaa", waitSeconds: 8)
        #expect(slow.response.hasPrefix("HTTP/1.1 408"), "\(slow.response.prefix(200))")
        #expect(slow.response.contains("\"request_timeout\""))
        // A body that stops arriving: 408 at the body timeout, not silence at the idle timeout.
        let stalled = await RawSocket.exchange(port: served.port, send: head, waitSeconds: 8)
        #expect(stalled.response.hasPrefix("HTTP/1.1 408"), "\(stalled.response.prefix(200))")
        #expect(stalled.elapsed < 1.8, "answered at the body timeout (0.5 s), before the idle timeout (2 s)")
        // The server is still healthy.
        let (health, _) = try await Self.get(served.url + "/healthz")
        #expect(health == 200)
    }
}

/// Malformed HTTP from a client is the client's error: 400, never 500.
struct MalformedRequestTests {
    @Test func malformedChunkedBodiesAreRefusedWith400() async throws {
        let dir = try Scratch.directory("serve")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let served = try await LiveServerTests.serve(["--data-dir", dir, "--no-deliver"], env: [:])
        defer { kill(served.process.processIdentifier, SIGTERM) }
        let head =
            "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for (name, chunks) in [
            ("a chunk size that is not hexadecimal", "zz\r\nabc\r\n0\r\n\r\n"),
            ("a negative chunk size", "-5\r\nabc\r\n0\r\n\r\n"),
            ("chunk data without its CRLF", "3\r\nabcdef0\r\n\r\n"),
        ] {
            let reply = await RawSocket.exchange(port: served.port, send: head + chunks, waitSeconds: 8)
            #expect(reply.response.hasPrefix("HTTP/1.1 400"), "\(name): \(reply.response.prefix(200))")
            #expect(reply.response.contains("\"malformed_body\""), "\(name)")
        }
        let (health, _) = try await LiveServerTests.get(served.url + "/healthz")
        #expect(health == 200)
    }
}

/// A blocking TCP client for misbehaving requests, run off the cooperative pool.
enum RawSocket {
    struct Result: Sendable {
        var response: String
        var closed: Bool
        var elapsed: Double
    }

    /// Sends `text`, then `trickle` one byte every 300 ms, then reads until the server closes or `waitSeconds` pass.
    static func exchange(port: Int, send text: String, trickle: String = "", waitSeconds: Int) async -> Result {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: blocking(port: port, send: text, trickle: trickle, waitSeconds: waitSeconds)
                )
            }
        }
    }

    static func blocking(port: Int, send text: String, trickle: String, waitSeconds: Int) -> Result {
        let start = Date()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Result(response: "", closed: false, elapsed: 0) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return Result(response: "", closed: false, elapsed: 0) }
        var timeout = timeval(tv_sec: waitSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, bytes.count, 0) }
        for byte in Array(trickle.utf8) {
            usleep(300_000)
            var b = byte
            if Glibc.send(fd, &b, 1, Int32(MSG_NOSIGNAL)) < 0 { break }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var closed = false
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            if n > 0 {
                received += buffer[0..<n]
                continue
            }
            closed = n == 0
            break
        }
        return Result(
            response: String(decoding: received, as: UTF8.self),
            closed: closed,
            elapsed: Date().timeIntervalSince(start)
        )
    }
}
