import Foundation
import TagwireIR
import TagwireJSON
import TagwireTestSupport
import Testing

/// What the browser runtime does on a real page beyond the engine's rules: Meta's cookies, consent, calls queued
/// before the library loads, the `_satellite.track` alias, a second copy of the library, debugging, and no error
/// of a rule reaching the page.
// One Chromium at a time: each test starts its own.
@Suite(
    .serialized,
    .enabled(if: Chromium.available, "needs Debian's chromium and chromium-driver (.ci/run installs them)")
)
struct BrowserBehaviourTests {
    static func files(settings: JSONObject = JSONObject()) -> [String: JSONValue] {
        var property = JSONObject([("name", "shop"), ("platform", "web"), ("domains", ["shop.example.com"])])
        if !settings.isEmpty { property["settings"] = .object(settings) }
        return [
            "property.json": .object(property),
            "extensions/meta-pixel.json": ["name": "meta-pixel", "settings": ["pixelId": "111"]],
            "rules/page-view.json": [
                "name": "PageView", "events": [["type": "core.library-loaded"]],
                "actions": [["type": "meta-pixel.send-event", "settings": ["eventName": "PageView"]]],
            ],
            "rules/go.json": [
                "name": "Go", "events": [["type": "core.direct-call", "settings": ["identifier": "go"]]],
                "actions": [["type": "meta-pixel.send-event", "settings": ["eventName": "Lead"]]],
            ],
            // Its action fails (an array where an object is expected): the rule fails, the page never sees it.
            "rules/broken.json": [
                "name": "Broken", "events": [["type": "core.direct-call", "settings": ["identifier": "go"]]],
                "actions": [
                    ["type": "meta-pixel.send-event", "settings": ["eventName": "X", "parameters": "{{Items}}"]]
                ],
            ],
            "data-elements/items.json": ["name": "Items", "type": "core.constant", "settings": ["value": [1, 2]]],
        ]
    }

    static func load(_ href: String, queue: [JSONValue] = [], copies: Int = 1, sync: Bool = false) -> JSONValue {
        [
            "load": ["location": ["href": .string(href)]], "visitor": "v", "session": "s", "queue": .array(queue),
            "copies": .number(Double(copies)), "sync": .bool(sync),
        ]
    }

    static func run(
        settings: JSONObject = JSONObject(),
        readable: Bool = false,
        more: [String: JSONValue] = [:],
        _ steps: [JSONValue]
    ) async throws -> JSONValue {
        let dir = try Scratch.directory("browser-behaviour")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let graph = try ChromiumHarness.property(
            files(settings: settings).merging(more) { _, new in new },
            in: dir + "/property"
        )
        let library = try ChromiumHarness.library(graph, readable: readable, to: dir + "/library.js")
        let run = try await ChromiumHarness.run([["library": .string(library), "steps": .array(steps)]], in: dir)
        return run.results[0]
    }

    static func names(_ result: JSONValue) -> [String] {
        (result["fbq"]?.arrayValue ?? []).compactMap { call in
            guard let a = call.arrayValue, let m = a.first?.stringValue else { return nil }
            return a.count > 2 ? "\(m) \(a[2].stringValue ?? "")" : m
        }
    }

    /// A rule on each page event, in reverse order of their names, so that only the events' order can order them.
    static let lifecycleRules: [String: JSONValue] = Dictionary(
        uniqueKeysWithValues: ["core.window-loaded", "core.dom-ready", "core.page-bottom", "core.library-loaded"]
            .enumerated().map { n, type in
                (
                    "rules/lifecycle-\(n).json",
                    [
                        "name": .string("L\(n)"), "events": [["type": .string(type)]],
                        "actions": [["type": "meta-pixel.send-event", "settings": ["eventName": .string(type)]]],
                    ]
                )
            }
    )

    @Test(arguments: [false, true])
    func pageEventsComeInAdobesOrderWhetherTheLibraryLoadsSyncOrAsync(_ sync: Bool) async throws {
        let result = try await Self.run(
            more: Self.lifecycleRules,
            [Self.load("https://shop.example.com/", sync: sync), ["probe": "window.__types"]]
        )
        let types = (result["probes"]?.arrayValue?.first?.arrayValue ?? []).compactMap(\.stringValue)
        // The example's PageView rule fires on Library Loaded too.
        #expect(
            types == [
                "core.library-loaded", "core.library-loaded", "core.page-bottom", "core.dom-ready",
                "core.window-loaded",
            ]
        )
        let tracked = Self.names(result).filter { $0.hasPrefix("trackSingleCustom core.") }
        #expect(tracked.map { $0.replacingOccurrences(of: "trackSingleCustom ", with: "") } == Array(types.dropFirst()))
    }

    @Test
    func metasCookiesAreWrittenInMetasFormats() async throws {
        let result = try await Self.run([
            Self.load("https://shop.example.com/p?fbclid=AbC-123_x"), ["probe": "document.cookie"],
        ])
        let cookies = try #require(result["probes"]?.arrayValue?.first?.stringValue)
        let fbc = try #require(NSRegularExpression.firstMatch(#"_fbc=fb\.1\.(\d{13})\.AbC-123_x(;|$)"#, in: cookies))
        #expect(fbc.count == 3, "\(cookies)")
        #expect(NSRegularExpression.firstMatch(#"_fbp=fb\.1\.\d{13}\.\d+(;|$)"#, in: cookies) != nil, "\(cookies)")
        #expect(Self.names(result) == ["init", "trackSingle PageView"])
    }

    @Test
    func withConsentRequiredNothingGoesToMetaUntilItIsGranted() async throws {
        let result = try await Self.run(
            settings: JSONObject([("requireConsent", true)]),
            [
                Self.load("https://shop.example.com/p?fbclid=AbC"), ["probe": "document.cookie"],
                ["probe": "typeof window.fbq"], ["track": ["go", .null]], ["probe": "typeof window.fbq"],
                ["consent": "grant"], ["probe": "document.cookie"],
            ]
        )
        let probes = result["probes"]?.arrayValue ?? []
        #expect(probes.count == 4)
        guard probes.count == 4 else { return }
        #expect(!(probes[0].stringValue ?? "").contains("_fb"), "no Meta cookie before consent: \(probes[0])")
        #expect(probes[1] == "undefined" && probes[2] == "undefined", "no fbq before consent")
        #expect((probes[3].stringValue ?? "").contains("_fbc=fb.1."), "cookies once granted: \(probes[3])")
        // The held calls go in order once consent is granted.
        #expect(Self.names(result) == ["init", "trackSingle PageView", "trackSingle Lead"])
        #expect(result["scripts"] == 1)
    }

    @Test
    func aRefusalDropsWhatWasHeld() async throws {
        let result = try await Self.run(
            settings: JSONObject([("requireConsent", true)]),
            [Self.load("https://shop.example.com/"), ["consent": "revoke"], ["track": ["go", .null]]]
        )
        #expect(Self.names(result) == [])
        #expect(result["scripts"] == 0)
        // The refusal is kept: the next page sends nothing either.
        let next = try await Self.run(
            settings: JSONObject([("requireConsent", true)]),
            [Self.load("https://shop.example.com/"), ["consent": "revoke"], Self.load("https://shop.example.com/b")]
        )
        #expect(Self.names(next) == [])
    }

    @Test
    func callsMadeBeforeTheLibraryLoadedAreReplayed() async throws {
        let result = try await Self.run([
            Self.load("https://shop.example.com/", queue: [["track", ["go"]], ["track", [" go "]]])
        ])
        #expect(Self.names(result) == ["init", "trackSingle PageView", "trackSingle Lead", "trackSingle Lead"])
    }

    @Test
    func satelliteTrackIsAnAliasOnlyWhenAskedFor() async throws {
        let off = try await Self.run([Self.load("https://shop.example.com/"), ["probe": "typeof window._satellite"]])
        #expect(off["probes"]?.arrayValue?.first == "undefined")
        let on = try await Self.run(
            settings: JSONObject([("satelliteAlias", true)]),
            [Self.load("https://shop.example.com/"), ["probe": "(window._satellite.track('go'), 'called')"]]
        )
        #expect(Self.names(on) == ["init", "trackSingle PageView", "trackSingle Lead"])
    }

    @Test
    func aSecondCopyOfTheLibraryIsIgnored() async throws {
        let result = try await Self.run([Self.load("https://shop.example.com/", copies: 2)])
        #expect(Self.names(result) == ["init", "trackSingle PageView"])
        #expect(result["lines"]?.arrayValue?.first?["rules"]?.arrayValue?.count == 1)
    }

    @Test
    func aFailingRuleNeverReachesThePage() async throws {
        let result = try await Self.run([
            Self.load("https://shop.example.com/"), ["track": ["go", .null]], ["probe": "window.__errors"],
        ])
        #expect(result["probes"]?.arrayValue?.first == [])
        let rules = result["lines"]?.arrayValue?.last?["rules"]?.arrayValue ?? []
        #expect(rules.map { $0["name"] } == ["Broken", "Go"])
        #expect(rules.first?["status"] == "failed")
        #expect(rules.last?["status"] == "fired")
    }

    @Test
    func debuggingLogsEachRuleWithItsSourceLine() async throws {
        let result = try await Self.run(
            readable: true,
            [
                Self.load("https://shop.example.com/"), ["probe": "(window._tagwire.debug(true), 'on')"],
                ["track": ["go", .null]], ["probe": "window.__logs"],
                ["probe": "localStorage.getItem('tagwire.debug')"],
            ]
        )
        let probes = result["probes"]?.arrayValue ?? []
        let logs = (probes.count > 1 ? probes[1].arrayValue ?? [] : []).compactMap(\.stringValue)
        #expect(logs.contains { $0.contains("Go: triggered by core.direct-call") && $0.contains("rules/go.json:1:1") })
        #expect(logs.contains { $0.contains("Broken:") && $0.contains("failed") })
        #expect(probes.count > 2 && probes[2] == "true")
    }
}

extension NSRegularExpression {
    /// The groups of the first match of `pattern` in `text` (the whole match first), or nil.
    static func firstMatch(_ pattern: String, in text: String) -> [String]? {
        guard let re = try? NSRegularExpression(pattern: pattern),
            let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text))
        else { return nil }
        return (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: text).map { String(text[$0]) } ?? "" }
    }
}
