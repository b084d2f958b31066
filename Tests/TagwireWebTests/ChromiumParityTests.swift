import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireTestSupport
import TagwireWeb
import Testing

/// The browser runtime against the Swift engine in a real browser: every web case of the engine's conformance
/// corpus becomes a journey of real pages in headless Chromium (Browser/journeys.py), with real cookies, storage,
/// referrers, clicks and custom events, run by the case's minified library. The rules' outcomes and dispatches on
/// each page event, the `fbq` calls and the edge posts must be what the Swift engine gives for the same events.
struct ChromiumParityTests {
    /// A case's events as the Swift engine sees the journey the browser made: pages at the URL Chromium visited
    /// (the case's, over http on the harness's port), with the browser's user agent, and a referrer and title
    /// always present (a real page has both, empty or not).
    static func realised(_ events: [JSONValue], port: Int, userAgent: String) -> [JSONValue] {
        func moved(_ href: String?, fallback: String?) -> String? {
            guard let href, let url = URLComponents(string: href), let host = url.host else { return fallback }
            var out = URLComponents()
            out.scheme = "http"
            out.host = host
            out.port = port
            out.percentEncodedPath = url.percentEncodedPath.isEmpty ? "/" : url.percentEncodedPath
            out.percentEncodedQuery = url.percentEncodedQuery
            out.percentEncodedFragment = url.percentEncodedFragment
            return out.string ?? fallback
        }
        return events.map { event in
            guard case .object(var e) = event, case .object(var window)? = e["window"] else { return event }
            var document = window["document"]?.objectValue ?? JSONObject()
            let location = window["location"]?.objectValue ?? JSONObject()
            let href = moved(location["href"]?.stringValue, fallback: "http://page.example:\(port)/") ?? ""
            window["location"] = ["href": .string(href)]
            document["referrer"] = .string(moved(document["referrer"]?.stringValue, fallback: "") ?? "")
            if document["title"] == nil { document["title"] = "" }
            window["document"] = .object(document)
            window["navigator"] = ["userAgent": .string(userAgent)]
            e["window"] = .object(window)
            return .object(e)
        }
    }

    /// The `fbq` calls and edge posts the Swift engine's dispatches stand for, event by event: Limited Data Use set
    /// or cleared before the call that changes it, and calls held for consent sent when the visitor grants it
    /// (dropped when they refuse, or when the page they were made on is left).
    static func expectedTraffic(_ lines: [String], events: [JSONValue], requiresConsent: Bool) throws
        -> (calls: [JSONValue], pixels: Set<String>, posts: [JSONValue], scripts: Int)
    {
        var scripts = 0
        var scriptOnPage = false
        var calls: [JSONValue] = []
        var pixels: Set<String> = []
        var posts: [JSONValue] = []
        var limited = false
        var consent = requiresConsent ? "pending" : "granted"
        var held: [JSONValue] = []
        func send(_ d: JSONValue) {
            guard let call = d["call"]?.arrayValue, let pixel = d["pixelId"] else { return }
            let wantsLimited = d["dataProcessingOptions"] != nil
            if wantsLimited != limited {
                calls.append(wantsLimited ? ["dataProcessingOptions", ["LDU"], 0, 0] : ["dataProcessingOptions", []])
                limited = wantsLimited
            }
            let method: JSONValue = call.first == "track" ? "trackSingle" : "trackSingleCustom"
            calls.append(.array([method, pixel] + call.dropFirst()))
            if let p = pixel.stringValue { pixels.insert(p) }
            if !scriptOnPage { scripts += 1 }
            scriptOnPage = true
        }
        for (line, event) in zip(lines, events) {
            if event["type"] == "core.library-loaded" {
                limited = false
                held = []
                scriptOnPage = false
            }
            switch event["consent"]?.stringValue {
            case "grant"?, "granted"?:
                consent = "granted"
                for d in held { send(d) }
                held = []
            case "revoke"?, "revoked"?:
                consent = "revoked"
                held = []
            default: break
            }
            for d in try JSONReader.parse(Array(line.utf8))["dispatches"]?.arrayValue ?? [] {
                if d["destination"] == "meta-pixel" {
                    if d["heldForConsent"] == nil {
                        send(d)
                    } else if consent == "pending" {
                        held.append(d)
                    }
                } else if d["destination"] == "edge", let endpoint = d["endpoint"] {
                    posts.append([
                        "url": endpoint, "keepalive": true,
                        "body": ["xdm": d["xdm"] ?? [:], "data": d["data"] ?? [:]],
                    ])
                }
            }
        }
        return (calls, pixels, posts, scripts)
    }

    static func text(_ values: [JSONValue]) -> String { JSONWriter(sortKeys: true).string(.array(values)) }

    @Test(
        .enabled(if: Chromium.available, "needs Debian's chromium and chromium-driver (.ci/run installs them)")
    )
    func everyWebCaseRunsAlikeInChromium() async throws {
        let scratch = try Scratch.directory("chromium-parity")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var jobs: [JSONValue] = []
        var cases: [(name: String, graph: RuleGraph, journey: Journey)] = []
        var unmapped: [String] = []
        for name in NodeParityTests.webCases() {
            let dir = NodeParityTests.cases.appendingPathComponent(name)
            let text = try String(contentsOf: dir.appendingPathComponent("events.ndjson"), encoding: .utf8)
            let events = try text.split(separator: "\n").map { try JSONReader.parse(Array($0.utf8)) }
            guard let journey = Journey(events, browser: true) else {
                unmapped.append(name)
                continue
            }
            let load = PropertyLoader.load(try PropertySource.directory(dir.appendingPathComponent("property").path))
            let graph = try #require(Compiler.compile(load, registry: BuiltInExtensions.all.contracts).graph)
            let library = try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
            let path = scratch + "/\(name).min.js"
            try Data(library.minified).write(to: URL(fileURLWithPath: path))
            jobs.append(["library": .string(path), "steps": .array(journey.steps)])
            cases.append((name, graph, journey))
        }
        // Only journeys no page can make are left out: a visitor coming back after another (a browser's storage
        // is one visitor's) and events without a type.
        #expect(unmapped.allSatisfy { ["0081-web-event-without-type"].contains($0) }, "not run: \(unmapped)")
        let run = try await ChromiumHarness.run(jobs, in: scratch)
        let port = run.port
        let userAgent = run.userAgent
        for (k, c) in cases.enumerated() {
            let result = run.results[k]
            if let error = result["error"]?.stringValue {
                Issue.record("\(c.name): \(error)")
                continue
            }
            // Random numbers and the browser's own clock differ from the engine's (Node's parity tests fix the clock
            // and pin timestamps exactly): their integers are compared by pattern of appearance.
            let random = c.graph.dataElements.contains { ["core.random-number", "core.timestamp"].contains($0.type) }
            let swift = NodeParityTests.swiftLines(
                c.graph,
                Self.realised(c.journey.events, port: port, userAgent: userAgent)
            )
            let browser = (result["lines"]?.arrayValue ?? []).map { JSONWriter(sortKeys: true).string($0) }
            #expect(
                browser.count == swift.count,
                "\(c.name): \(browser.count) page events, the engine saw \(swift.count)"
            )
            for (i, (b, s)) in zip(browser, swift).enumerated() {
                #expect(
                    NodeParityTests.normalised(b, randomNumbers: random)
                        == NodeParityTests.normalised(s, randomNumbers: random),
                    "\(c.name), page event \(i)"
                )
            }
            let expected = try Self.expectedTraffic(
                swift,
                events: c.journey.events,
                requiresConsent: c.graph.settings["requireConsent"]?.boolValue ?? false
            )
            let fbq = result["fbq"]?.arrayValue ?? []
            let tracks = fbq.filter { $0.arrayValue?.first != "init" && $0.arrayValue?.first != "consent" }
            let inits = Set(fbq.filter { $0.arrayValue?.first == "init" }.compactMap { $0.arrayValue?[1].stringValue })
            // Call by call: a random value drawn on two events may be equal on one side only.
            #expect(
                tracks.map { NodeParityTests.normalised(Self.text([$0]), randomNumbers: random) }
                    == expected.calls.map { NodeParityTests.normalised(Self.text([$0]), randomNumbers: random) },
                "\(c.name): fbq calls"
            )
            #expect(inits == expected.pixels, "\(c.name): fbq('init') for each pixel used")
            // Meta's script is added once on each page that sends to Meta, and never on one waiting for consent.
            #expect(result["scripts"]?.numberValue.map(Int.init) == expected.scripts, "\(c.name): fbevents.js loads")
            #expect(
                (result["posts"]?.arrayValue ?? []).map {
                    NodeParityTests.normalised(Self.text([$0]), randomNumbers: random)
                } == expected.posts.map { NodeParityTests.normalised(Self.text([$0]), randomNumbers: random) },
                "\(c.name): edge posts"
            )
        }
    }
}
