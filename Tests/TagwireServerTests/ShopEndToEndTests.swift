import Foundation
import Hummingbird
import HummingbirdTesting
import TagwireGraphSandbox
import TagwireJSON
import TagwireTestSupport
import Testing

/// The whole loop in a real browser: a visitor buys from the demo shop (Properties/meta-quickstart-web/site), whose
/// pages carry the example web property's embed code. `tagwire serve` hosts the built library and receives the
/// forwarded events; the Graph API sandbox receives each Pixel beacon (`/tr`, with `eid`) from the page and each
/// Conversions API event through serve's outbox, and its dedup model counts each event once.
struct ShopEndToEndTests {
    /// Each page sends PageView; the product page ViewContent and AddToCart, the cart InitiateCheckout, the
    /// checkout AddPaymentInfo and the thank-you page Purchase.
    static let journey = [
        "PageView", "ViewContent", "AddToCart", "PageView", "InitiateCheckout", "PageView", "AddPaymentInfo",
        "PageView", "Purchase",
    ]

    /// The example web property with its endpoints on loopback: the edge endpoint at `serve`, Meta's script at
    /// the sandbox.
    static func webProperty(in dir: String, servePort: Int, sandboxPort: Int) throws -> String {
        let copy = dir + "/web"
        try FileManager.default.copyItem(atPath: Fixture.repo.path + "/Properties/meta-quickstart-web", toPath: copy)
        try JSONWriter(pretty: true).string([
            "name": "edge", "settings": ["endpoint": .string("http://collect.shop.example.com:\(servePort)/v1/events")],
        ]).write(toFile: copy + "/extensions/edge.json", atomically: true, encoding: .utf8)
        try JSONWriter(pretty: true).string([
            "name": "meta-pixel",
            "settings": [
                "pixelId": "1234567890123456",
                // Not under connect.facebook.net: Chromium's HSTS preload list would make it https.
                "scriptUrl": .string("http://127.0.0.1:\(sandboxPort)/en_US/fbevents.js"),
            ],
        ]).write(toFile: copy + "/extensions/meta-pixel.json", atomically: true, encoding: .utf8)
        return copy
    }

    @Test(.enabled(if: Chromium.available, "needs Debian's chromium and chromium-driver (.ci/run installs them)"))
    func aPurchaseReachesMetaOnceFromEachSideAndIsDeduplicated() async throws {
        let dir = try Scratch.directory("shop")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = SandboxState()
        let sandbox = Application(
            router: GraphSandbox.router(state: state),
            configuration: .init(address: .hostname("127.0.0.1", port: 0))
        )
        try await sandbox.test(.ahc(.http)) { client in
            let sandboxPort = try #require(client.port)
            let servePort = try #require(Loopback.freePort())
            let web = try Self.webProperty(in: dir, servePort: servePort, sandboxPort: sandboxPort)
            let (built, _) = try await ChildProcess.run(
                Fixture.tagwire,
                ["build", web, "--out", dir + "/libraries"],
                directory: Fixture.repo,
                environment: [:]
            )
            try #require(built == 0)
            let serve = try ChildProcess.start(
                Fixture.tagwire,
                [
                    "serve", Fixture.edge, "--port", String(servePort), "--libraries", dir + "/libraries",
                    "--data-dir", dir + "/data", "--flush-interval", "0.2",
                ],
                directory: Fixture.repo,
                // A loaded machine may answer after delivery's 1.5 s: a retried batch would then arrive twice (at
                // least once, as designed), which this test of browser/server deduplication does not count on.
                environment: [
                    "META_ACCESS_TOKEN": Fixture.token, "TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(sandboxPort)",
                    "TAGWIRE_META_TIMEOUT_MS": "15000",
                ],
                captureOutput: true
            )
            defer { if serve.isRunning { serve.terminate() } }
            let listening = await OutputLines(serve).first(containing: "listening on http://", timeout: 60)
            try #require(listening != nil, "tagwire serve did not start")

            let (status, output) = try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "python3", Fixture.repo.path + "/Tests/TagwireWebTests/Browser/shop.py",
                    web + "/site", String(servePort), String(sandboxPort), String(Self.journey.count),
                ],
                directory: Fixture.repo,
                environment: [:]
            )
            #expect(status == 0, "shop.py exited with \(status)")
            let report = try JSONReader.parse(Array(output))
            #expect(
                (report["visited"]?.arrayValue ?? []).compactMap { $0.stringValue?.split(separator: "/").last }
                    == ["product.html", "cart.html", "checkout.html?", "thank-you.html?order=1001"]
            )
            // Poll until the outbox has delivered every server copy (deadline 30 s).
            let deadline = ContinuousClock.now + .seconds(30)
            var events = await state.received(pixel: "1234567890123456")
            while events.filter({ $0.source == "server" }).count < Self.journey.count, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                events = await state.received(pixel: "1234567890123456")
            }
            let browser = events.filter { $0.source == "browser" }
            let server = events.filter { $0.source != "browser" }
            #expect(browser.map(\.eventName).sorted() == Self.journey.sorted())
            #expect(server.map(\.eventName).sorted() == Self.journey.sorted())
            // Every copy carries the id its rule generated, and the two sides of each event share it.
            #expect(browser.allSatisfy { $0.eventID != nil })
            #expect(Set(browser.compactMap(\.eventID)) == Set(server.compactMap(\.eventID)))
            #expect(Set(browser.compactMap(\.eventID)).count == Self.journey.count)
            let dedup = await state.dedupSummary(pixel: "1234567890123456")
            #expect(dedup.unique == Self.journey.count)
            #expect(dedup.duplicates == Self.journey.count)
        }
    }
}
