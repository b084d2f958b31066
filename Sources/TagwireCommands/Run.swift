import ArgumentParser
import Foundation
import TagwireDelivery
import TagwireJSON
import TagwireMetaSender
import TagwireRuntime

/// `tagwire run <property-dir | artifact> --events FILE|-`: one JSON result line per input event.
public struct Run: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run a property or a built artifact against NDJSON events, offline.",
        discussion: """
            Writes one JSON line per event: {"index", "rules", "dispatches"}. A line that is not a JSON object gives \
            {"index", "line", "error"} and the run goes on. With --then, each 'edge' dispatch of a web property is \
            fed to the given edge property and its results appear under "forwarded".
            """
    )

    @Argument(help: "A property directory, or an artifact (directory with library.json, or library.json).")
    var target: String

    @Option(help: "NDJSON events: a file, or - for standard input.")
    var events: String

    @Option(help: "The environment (property directories only; default: development).")
    var environment: String?

    @Option(help: "The library (property directories only; default: main).")
    var library: String?

    @Option(help: "An edge property or artifact that receives this web property's 'edge' dispatches.")
    var then: String?

    @Flag(help: "Add each rule's data element values (secrets masked) and condition operands.")
    var trace = false

    @Option(help: "Receipt time of every event, in Unix seconds (default: the clock).")
    var now: Double?

    @Option(help: "Seed for generated ids and random values, for reproducible output.")
    var seed: UInt64?

    @Flag(
        help:
            "Store Conversions API dispatches durably in the outbox (--data-dir) for `tagwire deliver` instead of sending them; each line reports \"enqueued\"."
    )
    var enqueue = false

    @OptionGroup(title: "Outbox (with --enqueue)")
    var data: DataDirectory

    @Flag(
        help:
            "Deliver Conversions API dispatches to the Graph API (TAGWIRE_META_GRAPH_URL, default https://graph.facebook.com) and report each outcome under \"deliveries\". Without it nothing leaves the machine."
    )
    var send = false

    public init() {}

    public func run() async throws {
        if send && enqueue { throw ValidationError("--send delivers now and --enqueue stores for later; choose one") }
        let options = EngineOptions(trace: trace, resolveCredentials: send || enqueue)
        guard let engine = try loadEngine(target, options: options) else { throw ExitCode(1) }
        var forward: Engine?
        if let then {
            guard let e = try loadEngine(then, options: options) else { throw ExitCode(1) }
            guard engine.graph.isWeb, !e.graph.isWeb else {
                throw ValidationError("--then feeds a web property's 'edge' dispatches into an edge property")
            }
            forward = e
        }
        let input = try PropertyInput.readEvents(events)
        var runner = EventRunner(engine: engine, forward: forward, seed: seed)
        let writer = JSONWriter()
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        let bytes = input
        guard send || enqueue else {
            runner.run(bytes, receivedAt: { now ?? Date().timeIntervalSince1970 }) { line in
                writer.write(line, into: &out)
                out.append(0x0A)
                if out.count > 1 << 16 {
                    FileHandle.standardOutput.write(Data(out))
                    out.removeAll(keepingCapacity: true)
                }
            }
            FileHandle.standardOutput.write(Data(out))
            return
        }
        // With --send, each line's Conversions API dispatches are delivered before the line is written; with
        // --enqueue, they are stored durably in the outbox first.
        let start = self.now
        let seedValue = self.seed
        let forwardEngine = forward
        if enqueue {
            try await data.withOutbox { outbox in
                try await Self.sendOrEnqueue(
                    bytes,
                    engine: engine,
                    forward: forwardEngine,
                    seed: seedValue,
                    now: start,
                    outbox: outbox
                )
            }
        } else {
            try await Self.sendOrEnqueue(
                bytes,
                engine: engine,
                forward: forwardEngine,
                seed: seedValue,
                now: start,
                outbox: nil
            )
        }
    }

    /// Runs the lines, then delivers (no outbox) or enqueues (outbox) each line's Conversions API dispatches before
    /// writing the line.
    static func sendOrEnqueue(
        _ bytes: [UInt8],
        engine: Engine,
        forward: Engine?,
        seed: UInt64?,
        now: Double?,
        outbox: (any Outbox)?
    ) async throws {
        var runner = EventRunner(engine: engine, forward: forward, seed: seed)
        let writer = JSONWriter()
        let sender = ConversionsAPISender()
        var out: [UInt8] = []
        for (index, line) in EventRunner.lines(bytes).enumerated() {
            let receivedAt = now ?? Date().timeIntervalSince1970
            var (result, dispatches) = bytes.withUnsafeBufferPointer { buf in
                runner.evaluateLineWithDispatches(
                    UnsafeBufferPointer(rebasing: buf[line.range]),
                    index: index,
                    lineNumber: line.number,
                    receivedAt: receivedAt
                )
            }
            if case .object(var o) = result {
                if let outbox {
                    let items = dispatches.flatMap(ConversionsAPIItems.items(for:))
                    _ = try await outbox.enqueue(items)
                    o["enqueued"] = .number(Double(items.count))
                } else {
                    var deliveries: [JSONValue] = []
                    for d in dispatches where d.destination == "meta-capi" {
                        let outcome = await sender.send(d)
                        var entry = JSONObject([("rule", .string(d.rule)), ("pixelId", d.json["pixelId"] ?? .null)])
                        for m in outcome.json.objectValue ?? JSONObject() { entry[m.key] = m.value }
                        deliveries.append(.object(entry))
                    }
                    o["deliveries"] = .array(deliveries)
                }
                result = .object(o)
            }
            dispatches.removeAll()
            writer.write(result, into: &out)
            out.append(0x0A)
            FileHandle.standardOutput.write(Data(out))
            out.removeAll(keepingCapacity: true)
        }
    }

    func loadEngine(_ path: String, options: EngineOptions) throws -> Engine? {
        try PropertyInput.engine(path, library: library, environment: environment, options: options)
    }
}
