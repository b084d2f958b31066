import ArgumentParser
import Foundation

/// Release-mode benchmarks. Each prints its figures and a ratio against a baseline measured in the same run:
///
///     TAGWIRE_BENCHMARKS=1 swift run -c release tagwire-benchmarks <benchmark> [--events N]
///
/// docs/BENCHMARKS.md says what each measures, today's figures and their aims.
@main
struct Benchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tagwire-benchmarks",
        abstract: "Release-mode benchmarks, each with a ratio against a baseline measured in the same run.",
        subcommands: [
            All.self, Compile.self, Engine.self, Meta.self, Delivery.self, Parts.self, Parse.self, BareServer.self,
        ],
        defaultSubcommand: All.self
    )

    /// The repository root (this file is `Sources/TagwireBenchmarks/Benchmarks.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let edgeProperty = root.appendingPathComponent("Properties/meta-quickstart-edge").path

    struct Events: ParsableArguments {
        @Option(help: "How many events.")
        var events = 100_000
    }

    struct All: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "compile, meta and engine, one after the other.")
        @OptionGroup var options: Events
        func run() throws {
            benchCompile()
            benchMeta(events: min(options.events, 50_000))
            try benchEngine(events: options.events, propertyDir: Benchmarks.edgeProperty)
        }
    }

    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "validate + build a generated property of 10,000 rules and 5,000 data elements, against Foundation's JSONSerialization merely parsing the same files."
        )
        func run() { benchCompile() }
    }

    struct Engine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "The quickstart edge property over a generated corpus (~2.5 KB per event): parse-only throughput, full engine throughput, and a naive Foundation pipeline."
        )
        @OptionGroup var options: Events
        func run() throws { try benchEngine(events: options.events, propertyDir: Benchmarks.edgeProperty) }
    }

    struct Meta: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Conversions API event building against a naive Foundation implementation."
        )
        @OptionGroup var options: Events
        func run() { benchMeta(events: min(options.events, 50_000)) }
    }

    struct Delivery: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delivery through the SQLite (or PostgreSQL) outbox to the sandbox."
        )
        @OptionGroup var options: Events
        func run() async throws { try await benchDelivery(events: min(options.events, 200_000)) }
    }

    struct Parts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The cost of each part of a served request, and the group committer."
        )
        @OptionGroup var options: Events
        func run() async throws {
            try benchParts(events: min(options.events, 20_000), propertyDir: Benchmarks.edgeProperty)
            try await benchBodyRead()
            try await benchCommitter()
        }
    }

    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Profiling aid: parse the generated corpus ten times, nothing else."
        )
        @OptionGroup var options: Events
        func run() { benchParse(events: options.events) }
    }

    struct BareServer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bare-server",
            abstract: "The load test's baseline route (scripts/bench-serve.sh): runs until SIGTERM."
        )
        @Option(help: "The port to listen on.")
        var port = 18_280
        @Flag(help: "Run each connection's handler on its event loop, as serve does.")
        var eventLoops = false
        @Option(help: "Store each body durably (SQLite outbox, group commits) in this directory before the 202.")
        var store: String?
        func run() async throws { try await runBareServer(port: port, onEventLoops: eventLoops, storeIn: store) }
    }
}
