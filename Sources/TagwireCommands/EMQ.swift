import ArgumentParser
import Foundation
import TagwireJSON
import TagwireMeta
import TagwireMetaSender
import TagwireRuntime

/// `tagwire emq <property | artifact> --events FILE`: offline Event Match Quality per event name.
public struct EMQ: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "emq",
        abstract: "Estimate Event Match Quality per event name from the Conversions API events a property would send.",
        discussion: """
            Reports coverage of each customer-information parameter, malformed values (phone without country code, \
            invalid email, clear text in a hashed field, malformed fbc/fbp), dedup readiness (share of events with an \
            event_id) and a 0-10 score. The score's weights are Tagwire's own heuristic, not Meta's formula.

            Example:
              tagwire emq Properties/meta-quickstart-web --then Properties/meta-quickstart-edge \
                --events Properties/meta-quickstart-web/fixtures/page-events.ndjson
            """
    )

    @Argument(help: "A property directory or a built artifact (edge, or web with --then).")
    var target: String

    @Option(help: "NDJSON events: a file, or - for standard input.")
    var events: String

    @Option(help: "An edge property or artifact that receives a web property's 'edge' dispatches.")
    var then: String?

    @Option(help: "The environment (property directories only).")
    var environment: String?

    @Option(help: "Output: text or json.")
    var format: DiagnosticFormat = .text

    @Flag(
        help:
            "Also read Meta's Dataset Quality API (TAGWIRE_META_GRAPH_URL) for the property's pixel, with its access token."
    )
    var live = false

    public init() {}

    public func run() async throws {
        let options = EngineOptions(resolveCredentials: live)
        guard let engine = try PropertyInput.engine(target, library: nil, environment: environment, options: options)
        else { throw ExitCode(1) }
        var forward: Engine?
        if let then {
            guard let e = try PropertyInput.engine(then, library: nil, environment: environment, options: options)
            else { throw ExitCode(1) }
            forward = e
        }
        let input = try PropertyInput.readEvents(events)
        var runner = EventRunner(engine: engine, forward: forward, seed: nil)
        var report = EventMatchQuality()
        var liveTarget: (pixel: String, token: String, version: String?)?
        let now = Date().timeIntervalSince1970
        runner.runWithDispatches(input, receivedAt: { now }) { _, dispatches in
            for d in dispatches where d.destination == "meta-capi" {
                if liveTarget == nil, let pixel = d.json["pixelId"]?.stringValue, let token = d.credentials.accessToken
                {
                    liveTarget = (pixel, token, d.json["graphApiVersion"]?.stringValue)
                }
                let warnings = d.json["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
                for event in d.json["payload"]?["data"]?.arrayValue ?? [] {
                    report.add(event: event, warnings: warnings)
                }
            }
        }
        var liveReport: JSONValue?
        if live {
            guard let t = liveTarget else {
                throw ValidationError(
                    "--live needs at least one Conversions API event with a pixel id and an access token"
                )
            }
            do {
                liveReport = try await ConversionsAPISender().datasetQuality(
                    pixelID: t.pixel,
                    accessToken: t.token,
                    version: t.version
                )
            } catch {
                Output.err("error: \(error)\n")
                throw ExitCode(1)
            }
        }
        switch format {
        case .json:
            var o = report.json.objectValue ?? JSONObject()
            if let liveReport { o["live"] = liveReport }
            Output.out(JSONWriter(pretty: true).string(.object(o)) + "\n")
        case .text:
            Output.out(Self.text(report))
            if let liveReport { Output.out(Self.liveText(liveReport)) }
        }
    }

    static func liveText(_ live: JSONValue) -> String {
        var out = "\nMeta Dataset Quality API (live):\nevent name            score  matched identifiers\n"
        for entry in live["web"]?.arrayValue ?? [] {
            let name = entry["event_name"]?.stringValue ?? "?"
            let score = entry["event_match_quality"]?["composite_score"]?.numberValue ?? 0
            let ids = (entry["event_match_quality"]?["match_key_feedback"]?.arrayValue ?? []).compactMap {
                f -> String? in
                guard let id = f["identifier"]?.stringValue else { return nil }
                return "\(id) \(Int((f["coverage"]?["percentage"]?.numberValue ?? 0).rounded()))%"
            }
            out +=
                name.padding(toLength: 20, withPad: " ", startingAt: 0) + "  " + String(format: "%5.1f", score) + "  "
                + ids.joined(separator: ", ") + "\n"
        }
        return out
    }

    static func text(_ report: EventMatchQuality) -> String {
        var out = "event name            events  score  dedup  coverage (share of events)\n"
        for name in report.rows.keys.sorted() {
            guard let row = report.rows[name] else { continue }
            let coverage = EventMatchQuality.weights.filter { row.share($0.key) > 0 }
                .map { "\($0.key) \(Int((row.share($0.key) * 100).rounded()))%" }.joined(separator: ", ")
            out += name.padding(toLength: 20, withPad: " ", startingAt: 0) + "  "
            out += String(row.events).leftPadded(6) + "  " + String(format: "%5.1f", row.score) + "  "
            out += String(format: "%4.0f%%", row.dedupReadiness * 100) + "  " + coverage + "\n"
            for (problem, n) in row.malformed.sorted(by: { $0.key < $1.key }) {
                out += "    malformed: \(problem) (\(n))\n"
            }
        }
        out += "score: Tagwire's heuristic (weights in `tagwire emq --format json`), not Meta's Event Match Quality\n"
        return out
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String {
        count >= n ? self : String(repeating: " ", count: n - count) + self
    }
}
