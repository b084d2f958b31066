import AsyncHTTPClient
import Foundation
import NIOCore
import TagwireGraphSandbox
import TagwireJSON
import TagwireTestSupport
import Testing

@testable import TagwireCommands

/// `tagwire quickstart validate` in headless Chromium over the generated demo shop: each Meta event followed from
/// its rule on the page to the Graph API (the Graph API sandbox), both copies deduplicated; failing rows name what
/// to fix and exit 1.
@Suite(
    .serialized,
    .enabled(if: Chromium.available, "needs Debian's chromium and chromium-driver (.ci/run installs them)")
)
struct QuickstartValidateTests {
    /// The demo shop's walk: each page sends PageView; the product page ViewContent and AddToCart, the cart
    /// InitiateCheckout, the checkout AddPaymentInfo and the thank-you page Purchase.
    static let journey = [
        "PageView", "ViewContent", "AddToCart", "PageView", "InitiateCheckout", "PageView", "AddPaymentInfo",
        "PageView", "Purchase",
    ]

    /// Generates the quick-start properties for shop.example.com into a scratch directory.
    static func generate(in dir: String) async throws -> (web: String, edge: String) {
        let (status, _) = try await ChildProcess.run(
            Fixture.tagwire,
            [
                "quickstart", "--domain", "shop.example.com", "--pixel-id", "1234567890123456", "--access-token-env",
                "META_ACCESS_TOKEN", "--out", dir,
            ],
            directory: Fixture.repo,
            environment: [:]
        )
        try #require(status == 0)
        return (dir + "/shop-example-com-web", dir + "/shop-example-com-edge")
    }

    static func validate(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Int32, JSONValue)
    {
        let (status, output) = try await ChildProcess.run(
            Fixture.tagwire,
            ["quickstart", "validate"] + arguments + ["--format", "json"],
            directory: Fixture.repo,
            environment: environment
        )
        return (status, try JSONReader.parse(Array(output)))
    }

    static func rows(_ report: JSONValue) -> [JSONValue] { report["events"]?.arrayValue ?? [] }

    @Test func theGeneratedShopPassesEveryEventAndMetaCountsEachOnce() async throws {
        let dir = try Scratch.directory("validate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await Self.generate(in: dir)
        let (status, report) = try await Self.validate(
            [web, edge, "--meta-sandbox"],
            environment: ["TAGWIRE_META_TIMEOUT_MS": "15000"]
        )
        let rows = Self.rows(report)
        #expect(status == 0, "\(JSONWriter(pretty: true).string(report))")
        #expect(
            report["pages"]?.arrayValue?.compactMap(\.stringValue)
                == ["product.html", "cart.html", "checkout.html", "thank-you.html?order=1001"]
        )
        #expect(rows.compactMap { $0["event"]?.stringValue }.sorted() == Self.journey.sorted())
        #expect(rows.allSatisfy { $0["ok"]?.boolValue == true && $0["status"]?.stringValue == "fired" })
        #expect(rows.allSatisfy { $0["forwarded"]?.boolValue == true })
        #expect(rows.allSatisfy { $0["conversionsApi"]?.stringValue == "accepted" })
        // Each event's two copies carry the id its rule generated, one id per event.
        let ids = rows.compactMap { $0["pixelEventId"]?.stringValue }
        #expect(ids == rows.compactMap { $0["conversionsApiEventId"]?.stringValue })
        #expect(Set(ids).count == Self.journey.count)
        #expect(rows.allSatisfy { $0["deduplicated"]?.boolValue == true })
        #expect(rows.allSatisfy { ($0["emq"]?.numberValue ?? 0) > 0 })
        // The sandbox's model of Meta's deduplication saw both copies of each event and counted it once.
        #expect(report["sandbox"]?["unique"]?.numberValue == Double(Self.journey.count))
        #expect(report["sandbox"]?["duplicates"]?.numberValue == Double(Self.journey.count))
    }

    @Test func aTokenMetaRefusesFailsEveryRowWithItsFix() async throws {
        let dir = try Scratch.directory("validate-token")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await Self.generate(in: dir)
        try await Fixture.withSandbox { port in
            let (status, report) = try await Self.validate(
                [web, edge, "--timeout", "20"],
                environment: [
                    "META_ACCESS_TOKEN": "not-a-token", "TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)",
                    "TAGWIRE_META_TIMEOUT_MS": "15000",
                ]
            )
            #expect(status == 1)
            let rows = Self.rows(report)
            #expect(rows.count == Self.journey.count)
            // Meta's 190 stops delivery (the circuit opens) and keeps the events for a fixed token.
            #expect(rows.allSatisfy { $0["conversionsApi"]?.stringValue == "retrying" && $0["ok"]?.boolValue == false })
            let problems = rows.flatMap { $0["problems"]?.arrayValue ?? [] }
            #expect(
                problems.contains {
                    ($0["problem"]?.stringValue ?? "").contains("Invalid OAuth access token")
                        && ($0["fix"]?.stringValue ?? "").contains("tagwire connect")
                }
            )
            #expect(report["failed"]?.numberValue == Double(Self.journey.count))
        }
    }

    @Test func theConversionsAPICopiesGoAsTestEventsUnderTheGivenCode() async throws {
        let dir = try Scratch.directory("validate-test-code")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await Self.generate(in: dir)
        let state = SandboxState()
        try await Fixture.withSandbox(state) { port in
            let (_, report) = try await Self.validate(
                [web, edge, "--test-event-code", "TEST4242", "--timeout", "20"],
                environment: [
                    "META_ACCESS_TOKEN": Fixture.token, "TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)",
                    "TAGWIRE_META_TIMEOUT_MS": "15000",
                ]
            )
            #expect(report["testEventCode"]?.stringValue == "TEST4242")
            #expect(Self.rows(report).allSatisfy { $0["conversionsApi"]?.stringValue == "accepted" })
            let server = await state.received(pixel: "1234567890123456").filter { $0.source == "server" }
            #expect(server.count == Self.journey.count)
            #expect(server.allSatisfy { $0.testEventCode == "TEST4242" })
        }
    }

    @Test func aPurchaseWithoutValueFailsItsRowAndTheJourneyNamesIt() async throws {
        let dir = try Scratch.directory("validate-value")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await Self.generate(in: dir)
        let page = web + "/site/thank-you.html"
        let html = try String(contentsOfFile: page, encoding: .utf8)
        try html.replacingOccurrences(of: #""conversionData":{"value":49.9"#, with: #""conversionData":{"value":0"#)
            .write(toFile: page, atomically: true, encoding: .utf8)
        let (status, report) = try await Self.validate(
            [web, edge, "--meta-sandbox"],
            environment: ["TAGWIRE_META_TIMEOUT_MS": "15000"]
        )
        #expect(status == 1)
        let failing = Self.rows(report).filter { $0["ok"]?.boolValue == false }
        #expect(failing.compactMap { $0["status"]?.stringValue }.sorted() == ["conditionNotMet", "missing"])
        #expect(failing.allSatisfy { $0["event"]?.stringValue == "Purchase" })
        let problems = failing.flatMap { $0["problems"]?.arrayValue ?? [] }.compactMap { $0["problem"]?.stringValue }
        #expect(problems.contains { $0.contains("Order has a value") })
        #expect(problems.contains { $0.contains("site/journey.json expects Purchase") })
        #expect(report["passed"]?.numberValue == Double(Self.journey.count - 1))
    }

    @Test func aPageThatCannotBeLoadedIsNamed() async throws {
        let r = try await TagwireCLI.runOffPool([
            "quickstart", "validate", Fixture.repo.path + "/Properties/meta-quickstart-web", Fixture.edge,
            "--meta-sandbox", "--url", "http://127.0.0.1:1/shop.html",
        ])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains("http://127.0.0.1:1/shop.html could not be loaded (is its server up?)"),
            "\(r.stderr)"
        )
    }

    @Test func aStepWhoseElementIsMissingIsNamed() async throws {
        let dir = try Scratch.directory("validate-missing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await Self.generate(in: dir)
        try ##"{"steps": [{"open": "product.html"}, {"click": "#no-such-button"}]}"##.write(
            toFile: web + "/site/journey.json",
            atomically: true,
            encoding: .utf8
        )
        let r = try await TagwireCLI.runOffPool(["quickstart", "validate", web, edge, "--meta-sandbox"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no element matches '#no-such-button' on http://127.0.0.1:"), "\(r.stderr)")
    }

    @Test func aPageAtAURLIsCheckedForTheEventsItSends() async throws {
        let dir = try Scratch.directory("validate-url")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await Self.generate(in: dir)
        let port = try #require(Loopback.freePort())
        let (status, report) = try await Self.validate(
            [
                // localhost is another origin than the server's 127.0.0.1: the page loads the library and posts its
                // events across origins.
                web, edge, "--meta-sandbox", "--port", String(port), "--url",
                "http://localhost:\(port)/demo/checkout.html",
            ],
            environment: ["TAGWIRE_META_TIMEOUT_MS": "15000"]
        )
        #expect(status == 0, "\(JSONWriter(pretty: true).string(report))")
        #expect(report["pages"]?.arrayValue?.compactMap(\.stringValue) == ["checkout.html"])
        #expect(Self.rows(report).compactMap { $0["event"]?.stringValue }.sorted() == ["AddPaymentInfo", "PageView"])
    }
}

/// `tagwire serve --demo <web> --meta-sandbox`: the README's demo. The web property's pages and library on serve's
/// origin, forwarding to it, and the Conversions API copies delivered to the sandbox in the same process.
struct DemoServeTests {
    @Test func theDemoShopIsServedOnOneOriginAndItsEventsReachTheSandbox() async throws {
        let dir = try Scratch.directory("demo")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (web, edge) = try await QuickstartValidateTests.generate(in: dir)
        let p = try ChildProcess.start(
            Fixture.tagwire,
            ["serve", edge, "--demo", web, "--meta-sandbox", "--port", "0", "--data-dir", dir + "/data"],
            directory: Fixture.repo,
            // Empty counts as not set: the sandbox's stand-in token goes instead.
            environment: ["META_ACCESS_TOKEN": "", "TAGWIRE_META_TIMEOUT_MS": "15000"],
            captureOutput: true
        )
        defer { if p.isRunning { p.terminate() } }
        let lines = OutputLines(p)
        let listening = await lines.first(containing: "listening on http://", timeout: 60)
        let port = try #require(listening?.split(separator: ":").last.flatMap { Int($0) })
        let sandboxLine = await lines.first(containing: "Meta sandbox: ", timeout: 10)
        let sandbox = try #require(
            sandboxLine?.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init)
        )
        let origin = "http://127.0.0.1:\(port)"

        // /demo/ leads to the journey's first page (the client follows the redirect).
        #expect(try await LiveServerTests.get(origin + "/demo/").1.contains("<title>Trail shoe"))
        let (status, page) = try await LiveServerTests.get(origin + "/demo/product.html")
        #expect(status == 200)
        #expect(
            page.contains(#"src="\#(origin)/libraries/shop-example-com-web/shop-example-com-web-development.min.js""#)
        )
        #expect(!page.contains("collect.shop.example.com"))
        #expect(try await LiveServerTests.get(origin + "/demo/nothing.html").0 == 404)
        let (_, library) = try await LiveServerTests.get(
            origin + "/libraries/shop-example-com-web/shop-example-com-web-development.min.js"
        )
        #expect(library.contains(origin + "/v1/events"))
        #expect(library.contains(sandbox + "/en_US/fbevents.js"))

        // The page's forward, as the browser posts it from the demo origin; another origin is refused.
        let event: JSONValue = [
            "xdm": [
                "eventType": "Purchase", "web": ["webPageDetails": ["URL": .string(origin + "/demo/thank-you.html")]],
            ],
            "data": [
                "eventName": "Purchase",
                "meta": [
                    "userData": ["email": "jane.doe@example.com"],
                    "conversionData": [
                        "eventId": "demo-purchase-1", "value": 49.9,
                        "customData": ["currency": "USD", "value": 49.9],
                    ],
                ],
            ],
        ]
        for (from, expected) in [(origin, 202), ("http://elsewhere.example", 403)] {
            var post = HTTPClientRequest(url: origin + "/v1/events")
            post.method = .POST
            post.headers.add(name: "content-type", value: "application/json")
            post.headers.add(name: "origin", value: from)
            post.headers.add(name: "user-agent", value: "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0")
            post.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(event)))
            let response = try await HTTPClient.shared.execute(post, timeout: .seconds(30))
            let answer = String(buffer: try await response.body.collect(upTo: 1 << 20))
            #expect(Int(response.status.code) == expected, "from \(from): \(answer)")
            if expected == 202 { #expect(answer.contains(#""eventIds":["demo-purchase-1"]"#), "\(answer)") }
        }
        let received = try await LiveServerTests.poll({ try await LiveServerTests.get(sandbox + "/__sandbox/events").1 }
        ) {
            $0.contains("demo-purchase-1")
        }
        #expect(received.contains("demo-purchase-1"))
    }

    @Test func theSandboxNeedsADemo() async throws {
        let (status, _) = try await ChildProcess.run(
            Fixture.tagwire,
            ["serve", Fixture.edge, "--meta-sandbox"],
            directory: Fixture.repo,
            environment: [:]
        )
        #expect(status == 64)
    }
}
