import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireTestSupport
import Testing

enum Fixtures {
    static let repo = Repository.root
    static let web = repo.appendingPathComponent("Properties/meta-quickstart-web").path
    static let edge = repo.appendingPathComponent("Properties/meta-quickstart-edge").path
    static let pageEvents = repo.appendingPathComponent("Properties/meta-quickstart-web/fixtures/page-events.ndjson")
        .path

    static func graph(_ dir: String) throws -> RuleGraph {
        let result = Compiler.compile(
            PropertyLoader.load(try PropertySource.directory(dir)),
            registry: BuiltInExtensions.all.contracts
        )
        guard let g = result.graph else {
            throw ArtifactError("\(dir) does not compile: \(result.diagnostics.map(\.message))")
        }
        return g
    }
}

struct PipelineTests {
    /// The README's main job: each page event becomes a Pixel call and a Conversions API event with the same id.
    @Test
    func pageEventsBecomePixelAndConversionsAPIEventsWithTheSameEventID() throws {
        let web = Engine(graph: try Fixtures.graph(Fixtures.web), extensions: BuiltInExtensions.all)
        let edge = Engine(graph: try Fixtures.graph(Fixtures.edge), extensions: BuiltInExtensions.all)
        var runner = EventRunner(engine: web, forward: edge, seed: 3)
        var lines: [JSONValue] = []
        let input = try Data(contentsOf: URL(fileURLWithPath: Fixtures.pageEvents))
        runner.run([UInt8](input), receivedAt: { 1_764_374_400 }) { lines.append($0) }
        #expect(lines.count == 6)
        var names: [String] = []
        for line in lines {
            let pixel = try #require(line["dispatches"]?.arrayValue?.first { $0["destination"] == "meta-pixel" })
            let call = try #require(pixel["call"]?.arrayValue)
            let pixelName = try #require(call[1].stringValue)
            let pixelID = try #require(call.last?["eventID"]?.stringValue)
            let forwarded = try #require(line["forwarded"]?.arrayValue?.first)
            let capi = try #require(forwarded["dispatches"]?.arrayValue?.first { $0["destination"] == "meta-capi" })
            let event = try #require(capi["payload"]?["data"]?.arrayValue?.first)
            #expect(event["event_id"]?.stringValue == pixelID)
            #expect(event["event_name"]?.stringValue == pixelName)
            #expect(capi["payload"]?["partner_agent"] == .string("tagwire-\(TagwireVersion.current)"))
            #expect(!JSONWriter().string(capi).contains("accessToken"))
            names.append(pixelName)
        }
        #expect(names == ["PageView", "ViewContent", "AddToCart", "PageView", "Purchase", "Lead"])
    }
}

struct TraceTests {
    @Test
    func traceShowsOperandsAndValuesButMasksSecrets() throws {
        let graph = try Fixtures.graph(Fixtures.edge)
        let secret = "EAAB-trace-secret-value"
        let engine = Engine(
            graph: graph,
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in secret },
            options: EngineOptions(trace: true, resolveCredentials: true)
        )
        var session = Session(seed: 1)
        let event = try JSONReader.parse(
            #"{"data":{"eventName":"Lead","meta":{"userData":{"email":"a@b.co"},"conversionData":{"eventId":"e1"}}},"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/"}}},"request":{"ip":"203.0.113.1","headers":{"user-agent":"UA"}}}"#
        )
        let evaluation = engine.evaluate(event, receivedAt: 1_764_374_400, session: &session)
        let text = JSONWriter().string(evaluation.json(index: 0))
        #expect(!text.contains(secret))
        let lead = try #require(evaluation.rules.first { $0.name == "MetaCAPI_Lead" })
        #expect(lead.status == .fired)
        let condition = try #require(lead.trace?["conditions"]?.arrayValue?.first)
        #expect(condition["left"] == "Lead")
        #expect(condition["right"] == "Lead")
        #expect(condition["result"] == true)
        #expect(lead.trace?["dataElements"]?["Event Name"] == "Lead")
        let capi = try #require(evaluation.dispatches.first)
        #expect(capi.credentials.accessToken == secret)
        #expect(!JSONWriter().string(capi.json).contains(secret))
        let purchase = try #require(evaluation.rules.first { $0.name == "MetaCAPI_Purchase" })
        #expect(purchase.status == .conditionNotMet)
        #expect(purchase.trace?["conditions"]?.arrayValue?.first?["result"] == false)
    }

    @Test
    func secretValuesInConditionsAreMaskedInTraces() throws {
        func file(_ path: String, _ text: String) -> PropertySource.File {
            PropertySource.File(path: path, bytes: Array(text.utf8))
        }
        let source = PropertySource(
            root: "p",
            files: [
                file("property.json", #"{"name": "p", "platform": "edge"}"#),
                file("extensions/http.json", #"{"name": "http"}"#),
                file(
                    "environments/dev.json",
                    #"{"name": "dev", "stage": "development", "secrets": {"k": {"env": "K"}}}"#
                ),
                file("data-elements/k.json", #"{"name": "Key", "type": "core.secret", "settings": {"secret": "k"}}"#),
                file(
                    "rules/r.json",
                    #"{"name": "R", "conditions": [{"type": "core.value-comparison", "settings": {"leftOperand": "{{Key}}", "comparison": {"operator": "startsWith"}, "rightOperand": "sk_"}}], "actions": [{"type": "http.send-request", "settings": {"url": "https://x.example/"}}]}"#
                ),
            ]
        )
        let graph = try #require(
            Compiler.compile(PropertyLoader.load(source), registry: BuiltInExtensions.all.contracts).graph
        )
        let engine = Engine(
            graph: graph,
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in "sk_live_123" },
            options: EngineOptions(trace: true)
        )
        var session = Session(seed: 1)
        let evaluation = engine.evaluate(.object(JSONObject()), receivedAt: 0, session: &session)
        let text = JSONWriter().string(evaluation.json(index: 0))
        #expect(!text.contains("sk_live_123"))
        #expect(text.contains("*****"))
        #expect(evaluation.rules.first?.status == .fired)
    }
}

struct FuzzTests {
    /// At least 10,000 random and mutated inputs through the runner: every line gives exactly one result line,
    /// and nothing crashes.
    @Test
    func randomAndMutatedInputsNeverCrashTheRunner() throws {
        let web = Engine(graph: try Fixtures.graph(Fixtures.web), extensions: BuiltInExtensions.all)
        let edge = Engine(graph: try Fixtures.graph(Fixtures.edge), extensions: BuiltInExtensions.all)
        var rng = TestRandom()
        let seeds = try String(contentsOfFile: Fixtures.pageEvents, encoding: .utf8).split(separator: "\n").map {
            Array($0.utf8)
        }
        let alphabet =
            Array("{}[]\":,0123456789.eE+-tfnul \\/abcxyz\u{7F}".utf8) + [
                0x00, 0x0A, 0xC3, 0xA9, 0xFF, 0xED, 0xA0, 0x80,
            ]
        var inputs: [[UInt8]] = []
        for i in 0..<10_500 {
            var bytes: [UInt8]
            if i % 3 == 0 {
                bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0x20
                }
            } else {
                bytes = seeds.randomElement(using: &rng) ?? []
                for _ in 0..<Int.random(in: 1...8, using: &rng) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: bytes[at] = alphabet.randomElement(using: &rng) ?? 0
                    case 1: bytes.remove(at: at)
                    case 2: bytes.insert(alphabet.randomElement(using: &rng) ?? 0, at: at)
                    default: bytes = Array(bytes[..<at])
                    }
                }
            }
            bytes.removeAll { $0 == 0x0A }
            inputs.append(bytes)
        }
        var results = 0
        var errors = 0
        var webRunner = EventRunner(engine: web, forward: edge, seed: 1)
        var edgeRunner = EventRunner(engine: edge, seed: 1)
        for (i, input) in inputs.enumerated() {
            input.withUnsafeBufferPointer { buf in
                let out =
                    i % 2 == 0
                    ? webRunner.evaluateLine(buf, index: i, lineNumber: i + 1, receivedAt: 1_764_374_400)
                    : edgeRunner.evaluateLine(buf, index: i, lineNumber: i + 1, receivedAt: 1_764_374_400)
                results += 1
                if out["error"] != nil { errors += 1 }
                // Every result is writable JSON.
                _ = JSONWriter().bytes(out)
            }
        }
        #expect(results == inputs.count, "\(rng)")
        #expect(inputs.count >= 10_000)
        #expect(errors > 0 && errors < inputs.count, "\(rng)")
    }

    @Test
    func randomJSONRoundTripsThroughReaderAndWriter() throws {
        var rng = TestRandom()
        func random(_ depth: Int) -> JSONValue {
            switch Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &rng) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &rng))
            case 2: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 8)
            case 3:
                return .string(
                    String(
                        (0..<Int.random(in: 0...8, using: &rng)).map { _ in
                            "aé\"\\\n😀 x".randomElement(using: &rng) ?? "a"
                        }
                    )
                )
            case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in random(depth + 1) })
            default:
                var o = JSONObject()
                for i in 0..<Int.random(in: 0...4, using: &rng) { o["k\(i)"] = random(depth + 1) }
                return .object(o)
            }
        }
        for _ in 0..<2_000 {
            let v = random(0)
            #expect(try JSONReader.parse(JSONWriter().bytes(v)) == v, "\(rng)")
        }
    }
}

/// Edge rules whose first condition reads only the event are checked before a rule run is set up (when not
/// tracing); tracing takes the full path every time, so the two must agree on every outcome and dispatch.
struct FirstConditionShortcutTests {
    static func untraced(_ e: Evaluation) -> [JSONValue] {
        e.rules.map {
            JSONValue.object(
                JSONObject([
                    ("name", .string($0.name)), ("status", .string($0.status.rawValue)),
                    ("reason", $0.reason.map(JSONValue.string) ?? .null),
                ])
            )
        }
            + e.dispatches.map(\.json)
    }

    @Test
    func shortcutAndFullPathAgree() throws {
        func file(_ path: String, _ text: String) -> PropertySource.File {
            PropertySource.File(path: path, bytes: Array(text.utf8))
        }
        func rule(_ name: String, _ conditions: String) -> PropertySource.File {
            file(
                "rules/\(name).json",
                #"{"name": "\#(name)", "conditions": \#(conditions), "actions": [{"type": "http.send-request", "settings": {"url": "https://x.example/{{Name}}"}}]}"#
            )
        }
        let source = PropertySource(
            root: "p",
            files: [
                file("property.json", #"{"name": "p", "platform": "edge"}"#),
                file("extensions/http.json", #"{"name": "http"}"#),
                file("environments/dev.json", #"{"name": "dev", "stage": "development"}"#),
                file(
                    "data-elements/name.json",
                    #"{"name": "Name", "type": "core.path", "settings": {"path": "arc.event.data.name"}, "default": "none", "forceLowerCase": true, "cleanText": true}"#
                ),
                file(
                    "data-elements/value.json",
                    #"{"name": "Value", "type": "core.path", "settings": {"path": "arc.event.data.value"}}"#
                ),
                file(
                    "data-elements/limit.json",
                    #"{"name": "Limit", "type": "core.constant", "settings": {"value": 10}}"#
                ),
                file(
                    "data-elements/stash.json",
                    #"{"name": "Stash", "type": "core.path", "settings": {"path": "arc.ruleStash.core.eventId"}}"#
                ),
                rule(
                    "equals",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Name}}", "comparison": {"operator": "equals"}, "rightOperand": "buy"}}]"#
                ),
                rule(
                    "negated",
                    #"[{"type": "core.value-comparison", "negate": true, "settings": {"leftOperand": "{{Name}}", "comparison": {"operator": "startsWith", "caseInsensitive": true}, "rightOperand": "B"}}]"#
                ),
                rule(
                    "regex",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Name}}", "comparison": {"operator": "matchesRegex"}, "rightOperand": "^(buy|sell)$"}}, {"type": "core.value-comparison", "settings": {"leftOperand": "{{Value}}", "comparison": {"operator": "greaterThan"}, "rightOperand": "{{Limit}}"}}]"#
                ),
                rule(
                    "numbers",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Value}}", "comparison": {"operator": "lessThanOrEqual"}, "rightOperand": "{{Limit}}"}}]"#
                ),
                rule(
                    "stash",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Stash}}", "comparison": {"operator": "isFalsy"}}}]"#
                ),
                rule(
                    "truthy",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Value}}", "comparison": {"operator": "isTruthy"}}}]"#
                ),
                // Literal equality without case folding (text, numbers and null read by the same references).
                rule(
                    "differs",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Value}}", "comparison": {"operator": "doesNotEqual"}, "rightOperand": "12"}}]"#
                ),
                rule(
                    "notBuy",
                    #"[{"type": "core.value-comparison", "negate": true, "settings": {"leftOperand": "{{Name}}", "comparison": {"operator": "equals"}, "rightOperand": "buy"}}]"#
                ),
                rule(
                    "none",
                    #"[{"type": "core.value-comparison", "settings": {"leftOperand": "{{Name}}", "comparison": {"operator": "equals"}, "rightOperand": "none"}}]"#
                ),
            ]
        )
        let graph = try #require(
            Compiler.compile(PropertyLoader.load(source), registry: BuiltInExtensions.all.contracts).graph
        )
        let quick = Engine(graph: graph, extensions: BuiltInExtensions.all)
        let full = Engine(graph: graph, extensions: BuiltInExtensions.all, options: EngineOptions(trace: true))
        let names: [JSONValue] = ["buy", "BUY ", " sell", "b", "", .null, 0, "Buy  now", "x"]
        let values: [JSONValue] = [0, 10, 11, "12", "", .null, false, true, 9.5, "ten"]
        var compared = 0
        var outcomes = Set<String>()
        for name in names {
            for value in values {
                let event: JSONValue = ["data": ["name": name, "value": value]]
                var s1 = Session(seed: 1)
                var s2 = Session(seed: 1)
                let a = quick.evaluate(event, receivedAt: 0, session: &s1)
                let b = full.evaluate(event, receivedAt: 0, session: &s2)
                #expect(Self.untraced(a) == Self.untraced(b), "\(event)")
                for r in a.rules { outcomes.insert("\(r.name) \(r.status)") }
                compared += 1
            }
        }
        #expect(compared == 90)
        // Both outcomes of every rule occurred, so both paths were exercised.
        for r in ["equals", "negated", "regex", "numbers", "truthy", "differs", "notBuy", "none"] {
            #expect(outcomes.contains("\(r) fired") && outcomes.contains("\(r) conditionNotMet"), "\(r)")
        }
    }
}

struct EventProjectionTests {
    static func file(_ path: String, _ value: JSONValue) -> PropertySource.File {
        PropertySource.File(path: path, bytes: JSONWriter(pretty: true).bytes(value))
    }

    static func edgeGraph(_ dataElements: [JSONValue]) throws -> RuleGraph {
        var files = [
            file("property.json", ["name": "projection", "platform": "edge"]),
            file("extensions/http.json", ["name": "http"]),
            file("environments/production.json", ["name": "production", "stage": "production"]),
            file(
                "rules/r.json",
                [
                    "name": "R",
                    "actions": [
                        [
                            "type": "http.send-request",
                            "settings": ["method": "POST", "url": "https://hooks.example.com/", "body": "{{A}}"],
                        ]
                    ],
                ]
            ),
        ]
        for (i, d) in dataElements.enumerated() { files.append(file("data-elements/d\(i).json", d)) }
        let result = Compiler.compile(
            PropertyLoader.load(PropertySource(root: "projection", files: files)),
            registry: BuiltInExtensions.all.contracts
        )
        guard let g = result.graph else {
            throw ArtifactError("does not compile: \(result.diagnostics.map(\.message))")
        }
        return g
    }

    @Test func theQuickstartEdgePropertyReadsEightPaths() throws {
        let engine = Engine(graph: try Fixtures.graph(Fixtures.edge), extensions: BuiltInExtensions.all)
        let paths = try #require(engine.eventProjection).paths.map { $0.joined(separator: ".") }
        #expect(
            Set(paths) == [
                "data.eventName", "data.cookies.fbc", "data.cookies.fbp", "data.meta", "request.ip",
                "request.headers.user-agent",
                "xdm.web.webReferrer.URL", "xdm.web.webPageDetails.URL",
            ]
        )
        #expect(paths.count == 8)
        // Web properties carry page state across events: they read everything.
        #expect(
            Engine(graph: try Fixtures.graph(Fixtures.web), extensions: BuiltInExtensions.all).eventProjection == nil
        )
    }

    @Test func pathsComputedPerEventOrTheWholeEventKeepEverything() throws {
        let computed = try Self.edgeGraph([
            ["name": "A", "type": "core.path", "settings": ["path": "arc.event.data.{{K}}"]],
            ["name": "K", "type": "core.constant", "settings": ["value": "x"]],
        ])
        #expect(Engine(graph: computed, extensions: BuiltInExtensions.all).eventProjection == nil)
        let whole = try Self.edgeGraph([["name": "A", "type": "core.path", "settings": ["path": "arc.event"]]])
        #expect(
            try #require(Engine(graph: whole, extensions: BuiltInExtensions.all).eventProjection).paths == [
                ["xdm"], ["data"],
            ]
        )
        let request = try Self.edgeGraph([
            ["name": "A", "type": "core.path", "settings": ["path": "arc.request.headers.cookie"]],
            ["name": "B", "type": "core.path", "settings": ["path": "arc.ruleStash.x"]],
            ["name": "C", "type": "core.timestamp", "settings": [:]],
        ])
        #expect(
            try #require(Engine(graph: request, extensions: BuiltInExtensions.all).eventProjection).paths == [
                ["request", "headers", "cookie"]
            ]
        )
    }

    /// `tagwire run` reads each line with the projection: its results are those of the whole event, over events
    /// with fields present, missing, of other types, and surrounded by fields no rule reads.
    @Test func resultsAreThoseOfTheWholeEvent() throws {
        let engine = Engine(
            graph: try Fixtures.graph(Fixtures.edge),
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in "token" }
        )
        var projected = EventRunner(engine: engine, seed: 3)
        var whole = EventRunner(engine: engine, seed: 3)
        let names: [JSONValue] = ["Purchase", "Lead", "AddToCart", "Nope", 7, .null]
        let metas: [JSONValue] = [
            [
                "userData": ["email": "A@Example.com", "phone": "(650) 555-1212", "zip": "94025-1234"],
                "conversionData": [
                    "eventId": "e1",
                    "customData": ["value": 10.5, "currency": "EUR", "contents": [["id": "a", "quantity": 2]]],
                ],
            ],
            [
                "userData": ["email": ["x@y.co", "z@y.co"], "country": "United States"],
                "conversionData": ["eventId": 12],
            ],
            "not an object", .null, [1, 2, 3],
        ]
        var checked = 0
        var fired = 0
        for (i, name) in names.enumerated() {
            for (j, meta) in metas.enumerated() {
                let event: JSONValue = [
                    "xdm": [
                        "web": [
                            "webPageDetails": ["URL": "https://shop.example.com/p", "name": "unread"],
                            "webReferrer": j % 2 == 0 ? ["URL": "https://r.example/"] : "x",
                        ],
                        "device": ["screenHeight": 1080, "nested": [[["deep": true]]]], "_id": .string("id-\(i)-\(j)"),
                    ],
                    "data": [
                        "eventName": name, "meta": meta, "cookies": ["fbp": "fb.1.1.1", "other": "o"],
                        "unread": ["a": [1, "b", ["c": nil]]],
                    ],
                    "request": ["ip": "203.0.113.7", "headers": ["user-agent": "Mozilla/5.0", "accept": "*/*"]],
                ]
                let bytes = JSONWriter().bytes(event)
                let a = bytes.withUnsafeBufferPointer {
                    projected.evaluateLine($0, index: checked, lineNumber: checked + 1, receivedAt: 1_764_374_400)
                }
                let b = whole.evaluate(event, index: checked, receivedAt: 1_764_374_400)
                #expect(a == b, "\(event)")
                if a["dispatches"]?.arrayValue?.isEmpty == false { fired += 1 }
                checked += 1
            }
        }
        #expect(checked == 30)
        #expect(fired >= 3)
    }
}
