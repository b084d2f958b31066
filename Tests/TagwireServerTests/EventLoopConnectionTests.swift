import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import TagwireDelivery
import TagwireJSON
import Testing

@testable import TagwireServer

/// `tagwire serve` runs each connection's task on its channel's event loop, and moves routes that may block off it.
@Suite struct EventLoopConnectionTests {
    @Test func tasksPreferringALoopRunOnItAcrossSuspensions() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let executor = EventLoopTaskExecutor(loop)
        let seen = await withTaskExecutorPreference(executor) { () async -> [Bool] in
            var seen = [loop.inEventLoop]
            for _ in 0..<20 {
                // Suspends, and resumes from other threads: a sleep, a yield, a continuation resumed elsewhere.
                try? await Task.sleep(for: .milliseconds(1))
                seen.append(loop.inEventLoop)
                await Task.yield()
                seen.append(loop.inEventLoop)
                await withCheckedContinuation { c in DispatchQueue.global().async { c.resume() } }
                seen.append(loop.inEventLoop)
            }
            return seen
        }
        #expect(seen.count == 61)
        #expect(seen.allSatisfy { $0 })
        // And off the loop when the preference is the global executor, as the blocking routes ask for.
        let off = await withTaskExecutorPreference(executor) {
            await EventServer.offLoop {
                let away = !loop.inEventLoop
                return .init(status: away ? .ok : .internalServerError)
            }
        }
        #expect(off.status == .ok)
    }

    /// A live server: concurrent posts are all answered and stored, and a reload (which compiles the property, and
    /// must not hold an event loop) completes while they run.
    @Test func liveConnectionsOnEventLoopsServeConcurrentPostsAndAReload() async throws {
        let outbox = InMemoryOutbox()
        let server = try Fixture.server(outbox: outbox)
        let statuses = try await server.application(host: "127.0.0.1", port: 0).test(.live) { client in
            let port = try #require(client.port)
            return try await withThrowingTaskGroup(of: Int.self, returning: [Int].self) { posts in
                for i in 0..<64 {
                    posts.addTask {
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(Fixture.event(id: "loop-\(i)"))))
                        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(30)).status.code)
                    }
                }
                posts.addTask {
                    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/admin/reload")
                    request.method = .POST
                    request.headers.add(name: "Authorization", value: "Bearer \(Fixture.adminToken)")
                    return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(60)).status.code)
                }
                return try await posts.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(statuses.count == 65)
        #expect(statuses.filter { $0 == 202 }.count == 64)
        #expect(statuses.filter { $0 == 200 }.count == 1)
        let stored = try await outbox.stats(now: Date().timeIntervalSince1970)
        #expect(stored["meta-capi"]?.queued == 64)
    }
}
