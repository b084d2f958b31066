import ArgumentParser
import Foundation
import Synchronization
import TagwireDelivery
import TagwireJSON
import TagwireMetaSender
import TagwireRuntime

/// `tagwire run <property-dir | artifact> --events FILE|-`: one JSON result line per input event.
public struct Run: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Run a property or a built artifact against NDJSON events, offline.",
        discussion: """
            Writes one JSON line per event: {"index", "rules", "dispatches"} (--format json, the default when standard \
            output is not a terminal), or a readable summary per event (--format text, the default on a terminal). A \
            line that is not a JSON object gives {"index", "line", "error"}; the run goes on and exits 1. With --then, \
            each 'edge' dispatch of a web property is fed to the given edge property and its results appear under \
            "forwarded". A rule that reads a secret that is not set fails, as it would when sending, unless \
            --allow-missing-secrets.

            Example:
              tagwire run Properties/meta-quickstart-web --then Properties/meta-quickstart-edge \
                --events Properties/meta-quickstart-web/fixtures/page-events.ndjson --allow-missing-secrets --format text
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

    @Option(help: "Output: json (one line per event) or text (default: text on a terminal, json otherwise).")
    var format: RunFormat?

    @Option(help: "Exit 1 when a rule failed (failed), or failed or warned (warning).")
    var failOn: FailOn?

    @Flag(
        help:
            "Run rules whose secrets are not set with a masked value and a warning, instead of failing them (offline runs only)."
    )
    var allowMissingSecrets = false

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
            "Deliver Conversions API dispatches to the Graph API (TAGWIRE_META_GRAPH_URL, default https://graph.facebook.com) as `tagwire deliver` does (batches, retries, bisection), and report each event's final outcome under \"deliveries\"; exit 1 when one was not delivered. Without it nothing leaves the machine."
    )
    var send = false

    @Option(
        help: "With --send: the longest time retries may take, in seconds; what is not delivered by then is reported."
    )
    var sendTimeout = 60.0

    public init() {}

    public func run() async throws {
        if send && enqueue { throw ValidationError("--send delivers now and --enqueue stores for later; choose one") }
        if allowMissingSecrets && (send || enqueue) {
            throw ValidationError("--allow-missing-secrets is for offline runs; --send and --enqueue need the secrets")
        }
        // Credentials are resolved offline too, so a secret that is not set fails the rule as it would when sending.
        let options = EngineOptions(trace: trace, resolveCredentials: true, allowMissingSecrets: allowMissingSecrets)
        guard let engine = try loadEngine(target, options: options) else { throw ExitCode(1) }
        var forward: Engine?
        if let then {
            guard let e = try loadEngine(then, options: options) else { throw ExitCode(1) }
            guard engine.graph.isWeb, !e.graph.isWeb else {
                throw ValidationError("--then feeds a web property's 'edge' dispatches into an edge property")
            }
            forward = e
        }
        let bytes = try PropertyInput.readEvents(events)
        var output = RunOutput(format: format ?? RunOutput.defaultFormat())
        var allDelivered = true
        if send {
            allDelivered = try await Self.runAndSend(
                bytes,
                engine: engine,
                forward: forward,
                seed: seed,
                now: now,
                timeout: max(0, sendTimeout),
                output: &output
            )
        } else if enqueue {
            // Each line's Conversions API events are stored durably before the line is written.
            let (start, seedValue, forwardEngine, initial) = (now, seed, forward, output)
            output = try await data.withOutbox { outbox in
                var o = initial
                try await Self.enqueueLines(
                    bytes,
                    engine: engine,
                    forward: forwardEngine,
                    seed: seedValue,
                    now: start,
                    outbox: outbox,
                    output: &o
                )
                return o
            }
        } else if output.format == .json {
            let runner = EventRunner(engine: engine, forward: forward, seed: seed)
            await Self.writeLines(bytes, runner: runner, seed: seed, now: now, output: &output)
        } else {
            var runner = EventRunner(engine: engine, forward: forward, seed: seed)
            runner.run(bytes, receivedAt: { now ?? Date().timeIntervalSince1970 }) { output.write($0) }
        }
        output.flush(summary: true)
        if output.unreadable > 0 {
            Output.err(
                "error: \(output.unreadable) of \(output.events) line(s) could not be run (see their \"error\")\n"
            )
        }
        if !allDelivered || output.unreadable > 0 || output.fails(on: failOn) { throw ExitCode(1) }
    }

    /// Writes the JSON result of every line, edge events on every core (see ``Rounds``).
    static func writeLines(_ bytes: [UInt8], runner: EventRunner, seed: UInt64?, now: Double?, output: inout RunOutput)
        async
    {
        let lines = EventRunner.lines(bytes)
        let workers = Rounds.workers(isWeb: runner.engine.graph.isWeb, count: lines.count)
        await Rounds.run(
            count: lines.count,
            states: Rounds.runners(runner, workers: workers),
            moved: { $0.randomState != $1.randomState },
            work: { runner, range in
                var out: [UInt8] = []
                out.reserveCapacity(range.count * 2048)
                var summary = EventRunner.LineSummary()
                bytes.withUnsafeBufferPointer { buf in
                    for i in range {
                        summary.add(
                            runner.writeLine(
                                UnsafeBufferPointer(rebasing: buf[lines[i].range]),
                                index: i,
                                lineNumber: lines[i].number,
                                receivedAt: now ?? Date().timeIntervalSince1970,
                                into: &out
                            )
                        )
                        out.append(0x0A)
                    }
                }
                return (out, summary, range.count)
            },
            emit: { output.append(lines: $0.0, $0.1, count: $0.2) }
        )
    }

    /// Runs the lines and enqueues each line's Conversions API dispatches before writing the line.
    static func enqueueLines(
        _ bytes: [UInt8],
        engine: Engine,
        forward: Engine?,
        seed: UInt64?,
        now: Double?,
        outbox: any Outbox,
        output: inout RunOutput
    ) async throws {
        var runner = EventRunner(engine: engine, forward: forward, seed: seed)
        for (index, line) in EventRunner.lines(bytes).enumerated() {
            var (result, dispatches) = Self.evaluate(bytes, line, index: index, &runner, now: now)
            if case .object(var o) = result {
                let items = dispatches.flatMap(ConversionsAPIItems.items(for:))
                _ = try await outbox.enqueue(items)
                o["enqueued"] = .number(Double(items.count))
                result = .object(o)
            }
            dispatches.removeAll()
            // A line is written once its events are stored.
            output.write(result)
            output.flush()
        }
    }

    /// One input line's result and dispatches, received at `now` (default: the clock).
    static func evaluate(
        _ bytes: [UInt8],
        _ line: (range: Range<Int>, number: Int),
        index: Int,
        _ runner: inout EventRunner,
        now: Double?
    ) -> (JSONValue, [Dispatch]) {
        let receivedAt = now ?? Date().timeIntervalSince1970
        return bytes.withUnsafeBufferPointer { buf in
            runner.evaluateLineWithDispatches(
                UnsafeBufferPointer(rebasing: buf[line.range]),
                index: index,
                lineNumber: line.number,
                receivedAt: receivedAt
            )
        }
    }

    /// Runs every line, then delivers their Conversions API events through an in-memory outbox with the deliverer
    /// `tagwire deliver` uses (batches of up to 1,000, retries with backoff, bisection, circuits) for at most
    /// `timeout` seconds, then writes each line with its events' final outcomes. Returns whether every event was
    /// delivered.
    static func runAndSend(
        _ bytes: [UInt8],
        engine: Engine,
        forward: Engine?,
        seed: UInt64?,
        now: Double?,
        timeout: Double,
        output: inout RunOutput
    ) async throws -> Bool {
        var runner = EventRunner(engine: engine, forward: forward, seed: seed)
        let outbox = InMemoryOutbox()
        var results: [JSONValue] = []
        // For each line, its Conversions API dispatches: rule, pixel and the outbox record of their event.
        var sent: [[(rule: String, pixel: JSONValue, id: Int64)]] = []
        for (index, line) in EventRunner.lines(bytes).enumerated() {
            let (result, dispatches) = Self.evaluate(bytes, line, index: index, &runner, now: now)
            var mine: [(rule: String, pixel: JSONValue, id: Int64)] = []
            for d in dispatches where d.destination == "meta-capi" {
                let ids = try await outbox.enqueue(ConversionsAPIItems.items(for: d))
                mine += ids.map { (d.rule, d.json["pixelId"] ?? .null, $0) }
            }
            results.append(result)
            sent.append(mine)
        }
        let outcomes = try await deliver(outbox, engine: forward ?? engine, timeout: timeout)
        var allDelivered = true
        for (result, mine) in zip(results, sent) {
            var line = result
            if case .object(var o) = result {
                o["deliveries"] = .array(
                    mine.map { d in
                        var entry = JSONObject([("rule", .string(d.rule)), ("pixelId", d.pixel)])
                        let outcome = outcomes[d.id] ?? .object(JSONObject([("outcome", "not sent")]))
                        if outcome["outcome"] != "delivered" { allDelivered = false }
                        for m in outcome.objectValue ?? JSONObject() { entry[m.key] = m.value }
                        return .object(entry)
                    }
                )
                line = .object(o)
            }
            output.write(line)
        }
        return allDelivered
    }

    /// Drains `outbox` until it is empty or `timeout` seconds have passed; each record's final outcome: Meta's last
    /// answer for it, with its attempts, or why it is still waiting.
    static func deliver(_ outbox: InMemoryOutbox, engine: Engine, timeout: Double) async throws -> [Int64: JSONValue] {
        guard !outbox.waiting().isEmpty else { return [:] }
        let credentials = try PropertyInput.credentials(engine)
        // Meta's last answer for each record, and how many requests carried it.
        let answers = Mutex<[Int64: (last: DeliveryOutcome, requests: Int)]>([:])
        var deliverer = OutboxDeliverer(outbox: outbox, sender: ConversionsAPISender(), credentials: credentials)
        deliverer.observe = { observation in
            guard let result = observation.result else { return }
            answers.withLock {
                for id in observation.recordIDs { $0[id] = (result, ($0[id]?.requests ?? 0) + 1) }
            }
        }
        let deadline = Date().timeIntervalSince1970 + timeout
        while true {
            let clock = Date().timeIntervalSince1970
            _ = try await deliverer.drainOnce(now: clock)
            guard let next = outbox.nextAvailable(), clock < deadline else { break }
            // Wait for the next retry, unless it falls after the deadline.
            let wait = min(next, deadline) - Date().timeIntervalSince1970
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1)) }
            if next > deadline { break }
        }
        var outcomes: [Int64: JSONObject] = [:]
        for (id, answer) in answers.withLock({ $0 }) {
            var entry = answer.last.json.objectValue ?? JSONObject()
            entry["attempts"] = .number(Double(answer.requests))
            outcomes[id] = entry
        }
        for dead in try await outbox.deadLetters(limit: Int.max) {
            outcomes[dead.id, default: JSONObject()]["outcome"] = "rejected"
            outcomes[dead.id, default: JSONObject()]["reason"] = .string(dead.reason)
        }
        for record in outbox.waiting() {
            outcomes[record.id, default: JSONObject()]["outcome"] = "not delivered"
            outcomes[record.id, default: JSONObject()]["reason"] = .string(
                "still waiting after \(Int(timeout)) s: \(record.lastError ?? "not sent")"
            )
        }
        return outcomes.mapValues(JSONValue.object)
    }

    func loadEngine(_ path: String, options: EngineOptions) throws -> Engine? {
        try PropertyInput.engine(path, library: library, environment: environment, options: options)
    }
}
