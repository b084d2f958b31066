import ArgumentParser
import Foundation
import TagwireDelivery
import TagwireJSON
import TagwireMeta
import TagwireMetaSender
import TagwireOutboxPostgres
import TagwireOutboxSQLite
import TagwireRuntime

/// Where the outbox lives: the SQLite file in the data directory, or a PostgreSQL database several runners share.
struct DataDirectory: ParsableArguments {
    @Option(help: "Data directory holding the SQLite outbox.")
    var dataDir = ".tagwire"

    @Option(
        help:
            "PostgreSQL outbox shared by several runners: postgres://user:password@host:port/database (default: the SQLite file)."
    )
    var postgresURL: String?

    @Option(help: "PostgreSQL table of the outbox.")
    var postgresTable = "tagwire_outbox"

    func open() throws -> SQLiteOutbox {
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        return try SQLiteOutbox(path: (dataDir as NSString).appendingPathComponent("outbox.sqlite"))
    }

    /// Runs `body` with the configured outbox. With `existing`, a data directory that holds no outbox is refused
    /// (a mistyped `--data-dir` would otherwise get a new, empty outbox and report nothing to do).
    func withOutbox<T: Sendable>(existing: Bool = false, _ body: @Sendable (any Outbox) async throws -> T) async throws
        -> T
    {
        if let postgresURL {
            return try await PostgresOutbox.withOutbox(url: postgresURL, table: postgresTable, body)
        }
        let file = (dataDir as NSString).appendingPathComponent("outbox.sqlite")
        if existing, !FileManager.default.fileExists(atPath: file) {
            throw ValidationError(
                "'\(dataDir)' holds no outbox (no \(file)); give the --data-dir that `tagwire run --enqueue` or `tagwire serve` used"
            )
        }
        return try await body(open())
    }
}

/// `tagwire outbox`: queue figures, dead letters, requeue, purge.
public struct OutboxCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Inspect and manage the delivery outbox.",
        discussion: """
            Each subcommand refuses a data directory that holds no outbox.

            Example:
              tagwire outbox stats --data-dir .tagwire
            """,
        subcommands: [Stats.self, DeadLetters.self, Requeue.self, Purge.self],
        defaultSubcommand: Stats.self
    )

    public init() {}

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue depth, in flight, retrying and dead-lettered per destination.",
            discussion: "Example:\n  tagwire outbox stats --data-dir .tagwire"
        )
        @OptionGroup var data: DataDirectory

        func run() async throws {
            let stats = try await data.withOutbox(existing: true) {
                try await $0.stats(now: Date().timeIntervalSince1970)
            }
            let rows: [(String, JSONValue)] = stats.keys.sorted().map { key in
                let s = stats[key] ?? OutboxStats()
                return (
                    key,
                    [
                        "queued": .number(Double(s.queued)), "inFlight": .number(Double(s.inFlight)),
                        "retrying": .number(Double(s.retrying)), "deadLettered": .number(Double(s.deadLettered)),
                    ]
                )
            }
            Output.out(JSONWriter(pretty: true).string(.object(JSONObject(rows))) + "\n")
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "dead-letters",
            abstract: "List dead letters with their reasons.",
            discussion: "Example:\n  tagwire outbox dead-letters --data-dir .tagwire --limit 20"
        )
        @OptionGroup var data: DataDirectory
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            let limit = self.limit
            for d in try await data.withOutbox(existing: true, { try await $0.deadLetters(limit: limit) }) {
                let event = (try? JSONReader.parse(d.item.payload)) ?? .null
                let line: JSONValue = [
                    "id": .number(Double(d.id)), "destination": .string(d.item.destination),
                    "attempts": .number(Double(d.attempts)),
                    "reason": .string(d.reason), "event_name": event["event_name"] ?? .null,
                    "event_id": event["event_id"] ?? .null,
                ]
                Output.out(JSONWriter().string(line) + "\n")
            }
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead letters back in the queue.",
            discussion: "Example:\n  tagwire outbox requeue --data-dir .tagwire"
        )
        @OptionGroup var data: DataDirectory
        @Argument(help: "Dead letter ids (none: all of them).") var ids: [Int64] = []

        func run() async throws {
            let ids = self.ids
            let count = try await data.withOutbox(existing: true) { outbox in
                var targets = ids
                if targets.isEmpty { targets = try await outbox.deadLetters(limit: Int(Int32.max)).map(\.id) }
                try await outbox.requeue(targets, now: Date().timeIntervalSince1970)
                return targets.count
            }
            Output.out("requeued \(count)\n")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete every dead letter.",
            discussion: "Example:\n  tagwire outbox purge --data-dir .tagwire --yes"
        )
        @OptionGroup var data: DataDirectory
        @Flag(help: "Confirm the purge.") var yes = false

        func run() async throws {
            guard yes else { throw ValidationError("purging deletes dead letters for good; add --yes") }
            Output.out("purged \(try await data.withOutbox(existing: true) { try await $0.purgeDeadLetters() })\n")
        }
    }
}

/// `tagwire deliver <property | artifact>`: drain the outbox to the Graph API.
public struct Deliver: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract:
            "Deliver queued Conversions API events from the outbox (TAGWIRE_META_GRAPH_URL), with retries and dead letters.",
        discussion: """
            Credentials come from the edge property's meta-capi extension and its environment's secrets. With \
            --until-empty, a data directory that holds no outbox is refused.

            Example:
              tagwire deliver Properties/meta-quickstart-edge --data-dir .tagwire --until-empty
            """
    )

    @Argument(help: "The edge property (or artifact) whose meta-capi credentials to use.")
    var target: String

    @OptionGroup var data: DataDirectory

    @Option(help: "The environment (property directories only).")
    var environment: String?

    @Option(help: "Events per Graph request (at most 1000).")
    var batchLimit = 1000

    @Option(help: "Seconds between passes when the queue is empty.")
    var interval = 1.0

    @Option(help: "Seconds a claim is held; a runner that dies releases its claims when they expire.")
    var lease = 60.0

    @Flag(help: "Stop when nothing is queued, in flight or retrying.")
    var untilEmpty = false

    @Option(
        help: ArgumentHelp(
            "With --until-empty: give up (exit 1, naming the open circuits) when nothing was delivered for this many seconds.",
            valueName: "seconds"
        )
    )
    var maxWait = 60.0

    public init() {}

    public func run() async throws {
        guard
            let engine = try PropertyInput.engine(
                target,
                library: nil,
                environment: environment,
                options: EngineOptions(resolveCredentials: true)
            )
        else {
            throw ExitCode(1)
        }
        let credentials = try PropertyInput.credentials(engine)
        let batchLimit = min(max(1, self.batchLimit), 1000)
        let lease = max(1, self.lease)
        let interval = self.interval
        let untilEmpty = self.untilEmpty
        let maxWait = max(0, self.maxWait)
        try await data.withOutbox(existing: untilEmpty) { outbox in
            let deliverer = OutboxDeliverer(
                outbox: outbox,
                sender: ConversionsAPISender(),
                lease: lease,
                batchLimit: batchLimit,
                credentials: credentials
            )
            // Idle runners wait for the interval, or less when the outbox says another process enqueued (PostgreSQL).
            let signal = WakeSignal()
            try await signal.listening(to: outbox) {
                try await Self.loop(
                    deliverer: deliverer,
                    outbox: outbox,
                    signal: signal,
                    batchLimit: batchLimit,
                    interval: interval,
                    untilEmpty: untilEmpty ? maxWait : nil
                )
            }
        }
    }

    static func loop(
        deliverer: OutboxDeliverer,
        outbox: any Outbox,
        signal: WakeSignal,
        batchLimit: Int,
        interval: Double,
        untilEmpty maxWait: Double?
    ) async throws {
        var progressAt = Date().timeIntervalSince1970
        var circuits: [String: String] = [:]
        while true {
            let now = Date().timeIntervalSince1970
            let report = try await deliverer.drainOnce(now: now, limit: batchLimit * 4)
            if report.delivered + report.deadLettered > 0 { progressAt = now }
            for key in report.workingKeys { circuits[key] = nil }
            circuits.merge(report.circuitReasons) { $1 }
            if report.claimed > 0 {
                var line: JSONValue = [
                    "claimed": .number(Double(report.claimed)), "delivered": .number(Double(report.delivered)),
                    "rescheduled": .number(Double(report.rescheduled)),
                    "deadLettered": .number(Double(report.deadLettered)),
                    "requests": .number(Double(report.requests)),
                ]
                if !report.openCircuits.isEmpty, case .object(var o) = line {
                    o["openCircuits"] = .array(report.openCircuits.sorted().map(JSONValue.string))
                    line = .object(o)
                }
                Output.out(JSONWriter().string(line) + "\n")
                continue
            }
            if let maxWait {
                let stats = try await outbox.stats(now: now)
                let waiting = stats.values.reduce(0) { $0 + $1.queued + $1.inFlight }
                if waiting == 0 { return }
                if now - progressAt >= maxWait {
                    let named = circuits.keys.sorted().map {
                        "pixel \(ConversionsAPIItems.pixelID(inBatchKey: $0)) (\(circuits[$0] ?? "")); batch key \($0)"
                    }
                    Output.err(
                        "error: nothing could be delivered for \(Int(maxWait)) s; \(waiting) events wait in the outbox"
                            + (named.isEmpty ? "\n" : "; open circuits:\n" + named.map { "  \($0)\n" }.joined())
                    )
                    throw ExitCode(1)
                }
            }
            await signal.wait(timeout: .milliseconds(Int(interval * 1000)))
        }
    }
}
