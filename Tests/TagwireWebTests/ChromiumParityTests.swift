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
    static let available =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")

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

    /// The `fbq` calls and edge posts the Swift engine's dispatches stand for.
    static func expectedTraffic(_ lines: [String]) throws -> (
        calls: [JSONValue], pixels: Set<String>, posts: [JSONValue]
    ) {
        var calls: [JSONValue] = []
        var pixels: Set<String> = []
        var posts: [JSONValue] = []
        for line in lines {
            for d in try JSONReader.parse(Array(line.utf8))["dispatches"]?.arrayValue ?? [] {
                if d["destination"] == "meta-pixel", let call = d["call"]?.arrayValue, let pixel = d["pixelId"] {
                    let method: JSONValue = call.first == "track" ? "trackSingle" : "trackSingleCustom"
                    calls.append(.array([method, pixel] + call.dropFirst()))
                    if let p = pixel.stringValue { pixels.insert(p) }
                } else if d["destination"] == "edge", let endpoint = d["endpoint"] {
                    posts.append([
                        "url": endpoint, "keepalive": true,
                        "body": ["xdm": d["xdm"] ?? [:], "data": d["data"] ?? [:]],
                    ])
                }
            }
        }
        return (calls, pixels, posts)
    }

    static func text(_ values: [JSONValue]) -> String { JSONWriter(sortKeys: true).string(.array(values)) }

    @Test(.enabled(if: available, "needs Debian's chromium and chromium-driver (.ci/run installs them)"))
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
        let jobFile = scratch + "/jobs.json"
        try Data(JSONWriter().bytes(.array(jobs))).write(to: URL(fileURLWithPath: jobFile))
        let (status, output) = try await ChildProcess.run(
            "/usr/bin/env",
            ["python3", Repository.path("Tests/TagwireWebTests/Browser/journeys.py"), jobFile],
            directory: Repository.root,
            environment: [:]
        )
        #expect(status == 0, "journeys.py exited with \(status)")
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        try #require(lines.count == cases.count + 1, "journeys.py printed \(lines.count) lines for \(cases.count) jobs")
        let header = try JSONReader.parse(Array(lines[0].utf8))
        let port = Int(try #require(header["port"]?.numberValue))
        let userAgent = try #require(header["userAgent"]?.stringValue)
        for (k, c) in cases.enumerated() {
            let result = try JSONReader.parse(Array(lines[k + 1].utf8))
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
            let expected = try Self.expectedTraffic(swift)
            let fbq = result["fbq"]?.arrayValue ?? []
            let tracks = fbq.filter { $0.arrayValue?.first != "init" }
            let inits = Set(fbq.filter { $0.arrayValue?.first == "init" }.compactMap { $0.arrayValue?[1].stringValue })
            #expect(
                NodeParityTests.normalised(Self.text(tracks), randomNumbers: random)
                    == NodeParityTests.normalised(Self.text(expected.calls), randomNumbers: random),
                "\(c.name): fbq calls"
            )
            #expect(inits == expected.pixels, "\(c.name): fbq('init') for each pixel used")
            #expect(
                NodeParityTests.normalised(Self.text(result["posts"]?.arrayValue ?? []), randomNumbers: random)
                    == NodeParityTests.normalised(Self.text(expected.posts), randomNumbers: random),
                "\(c.name): edge posts"
            )
        }
    }
}
