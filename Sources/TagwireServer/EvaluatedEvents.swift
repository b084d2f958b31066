import TagwireDelivery
import TagwireJSON
import TagwireMetaSender
import TagwireRuntime

/// What one request's events come to before anything is stored: the outbox items their dispatches produce, the
/// `202` body that answers them once those items are durable, and the request's figures for the metrics.
///
/// Built in one pass over the events: each event is evaluated, its items appended, and its summary written
/// straight into the answer's bytes (the answer is one object per event, and building it as a value tree first
/// cost more than evaluating some events' rules).
struct EvaluatedEvents {
    /// The items to store, in event order.
    var items: [OutboxItem] = []
    /// The `202` body (``OpenAPIDocument``'s `Accepted`).
    var body: [UInt8] = []
    /// Rule outcomes of every event, counted per rule and status.
    var outcomes: [(key: ServerMetrics.RuleKey, count: Int)] = []
    /// Dispatches per destination.
    var dispatches: [(key: String, count: Int)] = []

    /// Evaluates `events` against `library`. Events without a `request` of their own get `requestInfo()`'s (built
    /// once, on the first such event). `seed` seeds the receipt ids and the engine's session (generated event ids).
    init(
        _ events: [JSONValue],
        library: ServedLibrary,
        receivedAt now: Double,
        seed: UInt64,
        requestInfo: () -> JSONValue
    ) {
        var ids = SplitMix64(seed: seed)
        var session = Session(seed: ids.next())
        var info: JSONValue?
        body.reserveCapacity(96 + 320 * events.count)
        append(#"{"accepted":"#)
        append(events.count)
        body.append(contentsOf: library.identityJSON)
        for (index, event) in events.enumerated() {
            var e = event
            if e["request"] == nil, case .object(var o) = e {
                let value = info ?? requestInfo()
                info = value
                o["request"] = value
                e = .object(o)
            }
            let evaluation = library.engine.evaluate(e, receivedAt: now, session: &session)
            if index > 0 { body.append(0x2C) }
            summarise(evaluation, index: index, id: ids.uuid())
        }
        append("]}")
    }

    /// Counts one event's outcomes and dispatches, takes its items and writes its summary:
    /// `{"index","id","rules":{fired,conditionNotMet,failed,skipped},"fired","failed","dispatches","enqueued","eventIds"}`.
    private mutating func summarise(_ evaluation: Evaluation, index: Int, id: String) {
        var counts = (fired: 0, notMet: 0, failed: 0, skipped: 0)
        for r in evaluation.rules {
            Self.tally(ServerMetrics.RuleKey(rule: r.name, status: r.status), in: &outcomes)
            switch r.status {
            case .fired: counts.fired += 1
            case .conditionNotMet: counts.notMet += 1
            case .failed: counts.failed += 1
            case .skipped: counts.skipped += 1
            }
        }
        append(#"{"index":"#)
        append(index)
        append(#","id":"#)
        JSONWriter.writeString(id, into: &body)
        append(#","rules":{"fired":"#)
        append(counts.fired)
        append(#","conditionNotMet":"#)
        append(counts.notMet)
        append(#","failed":"#)
        append(counts.failed)
        append(#","skipped":"#)
        append(counts.skipped)
        append(#"},"fired":["#)
        var first = true
        for r in evaluation.rules where r.status == .fired {
            if !first { body.append(0x2C) }
            first = false
            JSONWriter.writeString(r.name, into: &body)
        }
        append(#"],"failed":["#)
        first = true
        for r in evaluation.rules where r.status == .failed {
            if !first { body.append(0x2C) }
            first = false
            append(#"{"rule":"#)
            JSONWriter.writeString(r.name, into: &body)
            append(#","reason":"#)
            JSONWriter.writeString(r.reason ?? "", into: &body)
            body.append(0x7D)
        }
        append(#"],"dispatches":"#)
        append(evaluation.dispatches.count)
        var enqueued = 0
        var eventIDs: [JSONValue] = []
        for d in evaluation.dispatches {
            Self.tally(d.destination, in: &dispatches)
            for (item, eventID) in ConversionsAPIItems.stored(d) {
                items.append(item)
                enqueued += 1
                if let eventID { eventIDs.append(eventID) }
            }
        }
        append(#","enqueued":"#)
        append(enqueued)
        append(#","eventIds":["#)
        let writer = JSONWriter()
        for (i, eventID) in eventIDs.enumerated() {
            if i > 0 { body.append(0x2C) }
            writer.write(eventID, into: &body)
        }
        append("]}")
    }

    /// Counts `key` in a short list (a request has a few rules and destinations: no hashing).
    private static func tally<Key: Equatable>(_ key: Key, in counts: inout [(key: Key, count: Int)]) {
        if let i = counts.firstIndex(where: { $0.key == key }) {
            counts[i].count += 1
        } else {
            counts.append((key, 1))
        }
    }

    private mutating func append(_ text: StaticString) {
        JSONWriter.writeRaw(text, into: &body)
    }

    private mutating func append(_ count: Int) {
        JSONWriter.writeNumber(Double(count), into: &body)
    }
}
