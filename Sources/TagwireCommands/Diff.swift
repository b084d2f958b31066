import ArgumentParser
import Foundation
import TagwireJSON
import TagwireRuntime

/// `tagwire diff <old> <new> --events FILE`: what a change to a property does to real traffic.
public struct Diff: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Replay events through two versions of a property and report what changes.",
        discussion: """
            <old> and <new> are property directories, built artifacts, or git:<rev> (the other argument's directory \
            at that revision; git:<rev>:<path> names another). Both run the same events with the same clock and seed, \
            offline (secrets that are not set read as masked values). Reported per event: rules whose outcome changed, \
            dispatches added, removed and changed (field by field; hashed values are named by field, never shown), \
            then a summary per rule and destination. Exit status: 0 when nothing changed, 1 when something did, 2 on \
            error.

            Example:
              tagwire diff git:HEAD Properties/meta-quickstart-edge --events Properties/meta-quickstart-edge/fixtures/day.ndjson
            """
    )

    @Argument(help: "The property as it was: a directory, an artifact, or git:<rev>[:<path>].")
    var old: String

    @Argument(help: "The property as it is to be: a directory, an artifact, or git:<rev>[:<path>].")
    var new: String

    @Option(help: "NDJSON events: a file, or - for standard input.")
    var events: String

    @Option(help: "An edge property or artifact that receives both sides' 'edge' dispatches.")
    var then: String?

    @Option(help: "The environment (property directories only; default: development).")
    var environment: String?

    @Option(help: "Receipt time of every event, in Unix seconds (default: the clock, read once for both sides).")
    var now: Double?

    @Option(help: "Seed for generated ids and random values, the same for both sides.")
    var seed: UInt64 = 0

    @Option(help: "Output: text or json.")
    var format: DiagnosticFormat = .text

    public init() {}

    public func run() async throws {
        do {
            try await compare()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Output.err("error: \(error)\n")
            throw ExitCode(2)
        }
    }

    func compare() async throws {
        var checkouts: [String] = []
        defer { for c in checkouts { try? FileManager.default.removeItem(atPath: c) } }
        func resolve(_ spec: String, other: String) throws -> String {
            guard spec.hasPrefix("git:") else { return spec }
            let (path, root) = try GitCheckout.checkout(spec, other: other)
            checkouts.append(root)
            return path
        }
        let oldPath = try resolve(old, other: new)
        let newPath = try resolve(new, other: old)
        // Offline: credentials are read when set, and a secret that is not set is no difference between the sides.
        let options = EngineOptions(resolveCredentials: true, allowMissingSecrets: true)
        func engine(_ path: String) throws -> Engine {
            guard let e = try PropertyInput.engine(path, library: nil, environment: environment, options: options)
            else {
                throw DiffError("cannot load '\(path)'")
            }
            return e
        }
        let oldEngine = try engine(oldPath)
        let newEngine = try engine(newPath)
        guard oldEngine.graph.platform == newEngine.graph.platform else {
            throw DiffError(
                "'\(old)' is a \(oldEngine.graph.platform) property and '\(new)' a \(newEngine.graph.platform) one"
            )
        }
        var forward: Engine?
        if let then {
            let e = try engine(then)
            guard oldEngine.graph.isWeb, !e.graph.isWeb else {
                throw DiffError("--then feeds a web property's 'edge' dispatches into an edge property")
            }
            forward = e
        }
        let bytes = try PropertyInput.readEvents(events)
        let receivedAt = now ?? Date().timeIntervalSince1970
        let lines = EventRunner.lines(bytes)
        let workers = Rounds.workers(isWeb: oldEngine.graph.isWeb, count: lines.count)
        let sameProjection = oldEngine.eventProjection?.paths == newEngine.eventProjection?.paths
        let olds = Rounds.runners(EventRunner(engine: oldEngine, forward: forward, seed: seed), workers: workers)
        let news = Rounds.runners(EventRunner(engine: newEngine, forward: forward, seed: seed), workers: workers)
        var report = DiffReport()
        // Both sides evaluate each event; only results that differ are turned into JSON and compared field by field.
        await Rounds.run(
            count: lines.count,
            states: zip(olds, news).map { Pair(old: $0, new: $1) },
            moved: { $0.old.randomState != $1.old.randomState || $0.new.randomState != $1.new.randomState },
            work: { pair, range in
                var part = DiffReport()
                bytes.withUnsafeBufferPointer { buf in
                    for i in range {
                        let slice = UnsafeBufferPointer(rebasing: buf[lines[i].range])
                        // One reading serves both sides: a web event whole, an edge event with what either side
                        // reads (the whole event when their projections differ).
                        let event = pair.old.read(slice, index: i, lineNumber: lines[i].number, whole: !sameProjection)
                        let x = pair.old.evaluateEvent(event, receivedAt: receivedAt)
                        let y = pair.new.evaluateEvent(event, receivedAt: receivedAt)
                        // A line that cannot be read gives both sides the same error record.
                        guard let x, let y, !x.hasSameContent(as: y) else { continue }
                        part.add(index: i, line: lines[i].number, old: x.json(index: i), new: y.json(index: i))
                    }
                }
                part.count(unchanged: range.count - part.events)
                return part
            },
            emit: { report.append($0) }
        )
        switch format {
        case .text: Output.out(report.text)
        case .json: Output.out(JSONWriter(pretty: true).string(report.json) + "\n")
        }
        if report.changed { throw ExitCode(1) }
    }
}

/// The two sides' runners, which a worker carries together.
struct Pair: Sendable {
    var old: EventRunner
    var new: EventRunner
}

struct DiffError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A property directory as it was at a git revision, extracted into a scratch directory.
enum GitCheckout {
    /// `git:<rev>` (the directory `other` names, at `rev`) or `git:<rev>:<path>`; the property's path in the
    /// checkout and the checkout's root (the caller removes it).
    static func checkout(_ spec: String, other: String) throws -> (path: String, root: String) {
        let rest = spec.dropFirst(4)
        let parts = rest.split(separator: ":", maxSplits: 1).map(String.init)
        guard let rev = parts.first, !rev.isEmpty else {
            throw DiffError("'\(spec)' names no revision: write git:<rev>")
        }
        let directory = parts.count > 1 ? parts[1] : other
        guard !directory.hasPrefix("git:") else {
            throw DiffError(
                "'\(spec)' needs a property directory: give one on the other side or write git:<rev>:<path>"
            )
        }
        var isDirectory: ObjCBool = false
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), isDirectory.boolValue
        else { throw DiffError("'\(directory)' is not a property directory (git:\(rev) reads it from git)") }
        let top = try git(["-C", absolute, "rev-parse", "--show-toplevel"]).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let relative = try git(["-C", absolute, "rev-parse", "--show-prefix"]).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let root = NSTemporaryDirectory() + "tagwire-diff-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let archive = root + ".tar"
        defer { try? FileManager.default.removeItem(atPath: archive) }
        _ = try git(["-C", top, "archive", "--format=tar", "-o", archive, rev, "--", relative.isEmpty ? "." : relative])
        try run("/usr/bin/env", ["tar", "-xf", archive, "-C", root])
        return ((root as NSString).appendingPathComponent(relative), root)
    }

    static func git(_ arguments: [String]) throws -> String {
        try run("/usr/bin/env", ["git"] + arguments)
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let problem = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = String(decoding: problem, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DiffError(
                "\(arguments.prefix(1).joined()) \(arguments.dropFirst().joined(separator: " ")) failed: \(text)"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}
