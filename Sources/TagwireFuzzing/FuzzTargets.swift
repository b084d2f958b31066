import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireServer

/// What the fuzzers feed bytes to, one function a target: the JSON reader, the property loader and compiler, the
/// engine and serve's request bodies. `tagwire-fuzz` (libFuzzer) calls them with mutated inputs; the tests replay
/// each target's saved corpus through the same functions.
///
/// A target must never crash, whatever the bytes: every input is either refused with a reason or run.
public struct FuzzTargets: Sendable {
    /// The targets, by name.
    public static let names = ["json", "property", "engine", "request"]

    let web: Engine?
    let edge: Engine?

    /// Targets over the example properties under `repository` (the engine and request targets run them).
    public init(repository: String) {
        func engine(_ name: String) -> Engine? {
            guard let source = try? PropertySource.directory(repository + "/Properties/" + name),
                let graph = Compiler.compile(PropertyLoader.load(source), registry: BuiltInExtensions.all.contracts)
                    .graph
            else { return nil }
            return Engine(
                graph: graph,
                extensions: BuiltInExtensions.all,
                secrets: SecretResolver { _ in "fuzz-token" },
                options: EngineOptions(trace: true, resolveCredentials: true)
            )
        }
        web = engine("meta-quickstart-web")
        edge = engine("meta-quickstart-edge")
    }

    /// Whether the engines the engine and request targets need were built.
    public var isReady: Bool { web != nil && edge != nil }

    /// Runs target `name` on `bytes`; false when there is no such target.
    @discardableResult
    public func run(_ name: String, _ bytes: [UInt8]) -> Bool {
        switch name {
        case "json": Self.json(bytes)
        case "property": Self.property(bytes)
        case "engine": engine(bytes)
        case "request": request(bytes)
        default: return false
        }
        return true
    }

    /// The JSON reader: a property file's reading (positions, every issue) and an event's, whole and projected.
    static func json(_ bytes: [UInt8]) {
        let document = JSONReader.read(bytes)
        if let value = document.value {
            _ = JSONWriter().bytes(value)
            _ = JSONWriter(pretty: true).string(value)
        }
        _ = try? JSONReader.parse(bytes, options: .event)
        _ = try? JSONReader.parse(
            bytes,
            options: .event,
            keeping: JSONProjection.keeping([["data", "meta"], ["xdm"]])
        )
    }

    /// A property directory written as files (``propertyBlob(_:)``): loaded, validated and compiled.
    static func property(_ bytes: [UInt8]) {
        let files = propertyFiles(bytes)
        let load = PropertyLoader.load(PropertySource(root: "fuzz", files: files))
        let result = Compiler.compile(load, registry: BuiltInExtensions.all.contracts)
        if let graph = result.graph { _ = try? RuleGraph(json: graph.json) }
    }

    /// NDJSON events through the example web property, its edge dispatches forwarded to the edge property, and
    /// through the edge property itself.
    func engine(_ bytes: [UInt8]) {
        guard let web, let edge else { return }
        var chained = EventRunner(engine: web, forward: edge, seed: 1)
        chained.run(bytes, receivedAt: { 1_764_374_400 }) { _ = JSONWriter().bytes($0) }
        var alone = EventRunner(engine: edge, seed: 1)
        alone.run(bytes, receivedAt: { 1_764_374_400 }) { _ = JSONWriter().bytes($0) }
    }

    /// A `POST /v1/events` body as serve reads it (the first byte picks JSON, NDJSON or a body to sniff), then
    /// evaluated by the example edge property as serve evaluates it.
    func request(_ bytes: [UInt8]) {
        guard let edge, let first = bytes.first else { return }
        let kinds: [EventBody.Kind] = [.json, .ndjson, .sniff]
        let kind = kinds[Int(first) % kinds.count]
        guard let events = try? EventBody.events(Array(bytes.dropFirst()), kind: kind, limits: ServeLimits()) else {
            return
        }
        var session = Session(seed: 1)
        for event in events { _ = edge.evaluate(event, receivedAt: 1_764_374_400, session: &session) }
    }

    /// Files written one after another as `path`, NUL, contents, NUL: how the property target's inputs hold a
    /// property directory.
    public static func propertyBlob(_ files: [(path: String, bytes: [UInt8])]) -> [UInt8] {
        files.flatMap { Array($0.path.utf8) + [0] + $0.bytes + [0] }
    }

    static func propertyFiles(_ bytes: [UInt8]) -> [PropertySource.File] {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        return stride(from: 0, to: parts.count - 1, by: 2).map {
            PropertySource.File(path: String(decoding: parts[$0], as: UTF8.self), bytes: Array(parts[$0 + 1]))
        }
    }
}
