import Synchronization
import TagwireDelivery
import TagwireMetaSender
import TagwireRuntime

/// The server's counters, gauges and histograms, rendered in the Prometheus text format (version 0.0.4).
///
/// Updated once per request (figures are gathered per request first), so the lock is taken a few times per
/// request, not per rule.
public final class ServerMetrics: Sendable {
    /// Upper bounds of the delivery latency histogram, in seconds.
    public static let latencyBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    struct Histogram {
        var counts = [Int](repeating: 0, count: ServerMetrics.latencyBuckets.count)
        var sum = 0.0
        var count = 0
    }

    struct State {
        var eventsReceived = 0
        var eventsAccepted = 0
        var rejected: [String: Int] = [:]
        var requests: [Int: Int] = [:]
        var ruleOutcomes: [RuleKey: Int] = [:]
        var dispatches: [String: Int] = [:]
        var enqueued = 0
        var commits = 0
        var deliveryLatency: [String: Histogram] = [:]
        var delivered = 0
        var retries = 0
        var deadLetters = 0
        var reloads: [String: Int] = [:]
        var openCircuits: Set<String> = []
        var circuitsOpened = 0
        var circuitsClosed = 0
    }

    struct RuleKey: Hashable {
        var rule: String
        var status: RuleOutcome.Status
    }

    private let state = Mutex(State())

    /// Empty metrics.
    public init() {}

    /// One request's figures: events it carried, accepted or not, rule outcomes and dispatches.
    func recordAccepted(events: Int, _ evaluated: EvaluatedEvents) {
        state.withLock { s in
            s.eventsReceived += events
            s.eventsAccepted += events
            for (k, v) in evaluated.outcomes { s.ruleOutcomes[k, default: 0] += v }
            for (k, v) in evaluated.dispatches { s.dispatches[k, default: 0] += v }
            s.enqueued += evaluated.items.count
        }
    }

    /// One outbox transaction of the group committer (its events are counted as enqueued with their requests).
    func recordCommit() {
        state.withLock { $0.commits += 1 }
    }

    /// A rejected request: `events` it carried (1 when it could not be read) and the reason code.
    func recordRejected(events: Int, reason: String) {
        state.withLock { s in
            s.eventsReceived += events
            s.rejected[reason, default: 0] += events
        }
    }

    func recordStatus(_ status: Int) {
        state.withLock { $0.requests[status, default: 0] += 1 }
    }

    /// A library (re)load and its result (`ok` or `refused`).
    func recordReload(_ result: String) {
        state.withLock { $0.reloads[result, default: 0] += 1 }
    }

    /// One Graph request of the deliverer: its outcome, duration and events.
    func recordDelivery(outcome: String, seconds: Double) {
        state.withLock { s in
            var h = s.deliveryLatency[outcome] ?? Histogram()
            for (i, bound) in Self.latencyBuckets.enumerated() where seconds <= bound { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.deliveryLatency[outcome] = h
        }
    }

    /// A delivery pass's results; returns the circuits that opened and closed with it.
    @discardableResult
    func recordPass(_ report: DrainReport) -> (opened: Set<String>, closed: Set<String>) {
        state.withLock { s in
            s.delivered += report.delivered
            s.retries += report.rescheduled
            s.deadLetters += report.deadLettered
            let closed = s.openCircuits.intersection(report.workingKeys.subtracting(report.openCircuits))
            let opened = report.openCircuits.subtracting(s.openCircuits)
            s.openCircuits.subtract(closed)
            s.openCircuits.formUnion(opened)
            s.circuitsOpened += opened.count
            s.circuitsClosed += closed.count
            return (opened, closed)
        }
    }

    /// Batch keys whose circuit is open.
    public var openCircuits: Set<String> { state.withLock { $0.openCircuits } }

    /// Events accepted so far.
    public var eventsAccepted: Int { state.withLock { $0.eventsAccepted } }

    /// The Prometheus text exposition, with the queue figures read at scrape time and the library's identity.
    func render(queue: [String: OutboxStats]?, library: ServedLibrary?) -> String {
        let s = state.withLock { $0 }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
            out += name
            if !labels.isEmpty {
                out += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            out += " " + Self.format(value) + "\n"
        }
        family(
            "tagwire_events_received_total",
            "counter",
            "Events received in POST /v1/events requests, accepted or not."
        )
        sample("tagwire_events_received_total", [], Double(s.eventsReceived))
        family("tagwire_events_accepted_total", "counter", "Events evaluated and stored durably (answered 202).")
        sample("tagwire_events_accepted_total", [], Double(s.eventsAccepted))
        family("tagwire_events_rejected_total", "counter", "Events in rejected requests, by reason code.")
        for k in s.rejected.keys.sorted() {
            sample("tagwire_events_rejected_total", [("reason", k)], Double(s.rejected[k] ?? 0))
        }
        family("tagwire_http_responses_total", "counter", "HTTP responses by status code.")
        for k in s.requests.keys.sorted() {
            sample("tagwire_http_responses_total", [("code", String(k))], Double(s.requests[k] ?? 0))
        }
        family(
            "tagwire_rule_outcomes_total",
            "counter",
            "Rule outcomes per rule: fired, conditionNotMet, failed, skipped."
        )
        for k in s.ruleOutcomes.keys.sorted(by: { ($0.rule, $0.status.rawValue) < ($1.rule, $1.status.rawValue) }) {
            sample(
                "tagwire_rule_outcomes_total",
                [("rule", k.rule), ("status", k.status.rawValue)],
                Double(s.ruleOutcomes[k] ?? 0)
            )
        }
        family("tagwire_dispatches_total", "counter", "Dispatches produced by rules, per destination.")
        for k in s.dispatches.keys.sorted() {
            sample("tagwire_dispatches_total", [("destination", k)], Double(s.dispatches[k] ?? 0))
        }
        family("tagwire_outbox_enqueued_total", "counter", "Events stored in the outbox for delivery.")
        sample("tagwire_outbox_enqueued_total", [], Double(s.enqueued))
        family(
            "tagwire_outbox_commits_total",
            "counter",
            "Outbox transactions written by the group committer (events per commit = enqueued / commits)."
        )
        sample("tagwire_outbox_commits_total", [], Double(s.commits))
        family("tagwire_delivery_latency_seconds", "histogram", "Duration of Graph API requests, by outcome.")
        for outcome in s.deliveryLatency.keys.sorted() {
            guard let h = s.deliveryLatency[outcome] else { continue }
            for (i, bound) in Self.latencyBuckets.enumerated() {
                sample(
                    "tagwire_delivery_latency_seconds_bucket",
                    [("outcome", outcome), ("le", Self.format(bound))],
                    Double(h.counts[i])
                )
            }
            sample("tagwire_delivery_latency_seconds_bucket", [("outcome", outcome), ("le", "+Inf")], Double(h.count))
            sample("tagwire_delivery_latency_seconds_sum", [("outcome", outcome)], h.sum)
            sample("tagwire_delivery_latency_seconds_count", [("outcome", outcome)], Double(h.count))
        }
        family("tagwire_delivered_events_total", "counter", "Events Meta accepted.")
        sample("tagwire_delivered_events_total", [], Double(s.delivered))
        family(
            "tagwire_delivery_retries_total",
            "counter",
            "Events rescheduled for another attempt (retryable errors and open circuits)."
        )
        sample("tagwire_delivery_retries_total", [], Double(s.retries))
        family("tagwire_dead_letters_total", "counter", "Events moved to the dead letters by this process.")
        sample("tagwire_dead_letters_total", [], Double(s.deadLetters))
        family(
            "tagwire_circuit_open",
            "gauge",
            "1 while a destination's circuit is open after a setup error (token, pixel), per batch key."
        )
        for key in s.openCircuits.sorted() {
            sample(
                "tagwire_circuit_open",
                [("pixel", ConversionsAPIItems.pixelID(inBatchKey: key)), ("batch_key", key)],
                1
            )
        }
        family("tagwire_open_circuits", "gauge", "Number of open circuits.")
        sample("tagwire_open_circuits", [], Double(s.openCircuits.count))
        family("tagwire_circuits_opened_total", "counter", "Circuits opened by a setup error Meta answered.")
        sample("tagwire_circuits_opened_total", [], Double(s.circuitsOpened))
        family("tagwire_circuits_closed_total", "counter", "Circuits closed because Meta accepted the setup again.")
        sample("tagwire_circuits_closed_total", [], Double(s.circuitsClosed))
        if let queue {
            family(
                "tagwire_outbox_queue_depth",
                "gauge",
                "Outbox records per destination and state, read at scrape time."
            )
            for d in queue.keys.sorted() {
                guard let q = queue[d] else { continue }
                for (state, v) in [
                    ("queued", q.queued), ("in_flight", q.inFlight), ("retrying", q.retrying),
                    ("dead_lettered", q.deadLettered),
                ] {
                    sample("tagwire_outbox_queue_depth", [("destination", d), ("state", state)], Double(v))
                }
            }
        }
        family("tagwire_outbox_up", "gauge", "1 when the outbox answered at scrape time.")
        sample("tagwire_outbox_up", [], queue == nil ? 0 : 1)
        family("tagwire_library_reloads_total", "counter", "Library reloads by result.")
        for k in s.reloads.keys.sorted() {
            sample("tagwire_library_reloads_total", [("result", k)], Double(s.reloads[k] ?? 0))
        }
        family("tagwire_library_info", "gauge", "The library being served.")
        if let library {
            sample(
                "tagwire_library_info",
                [
                    ("property", library.propertyName), ("library", library.engine.graph.library),
                    ("environment", library.engine.graph.environment), ("content_hash", library.contentHash),
                ],
                1
            )
        }
        return out
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
