import TagwireJSON

/// An offline Event Match Quality estimate per event name, from the Conversions API events Tagwire would send.
///
/// Meta's score is not public. Tagwire's 0–10 heuristic is **its own**: each customer-information parameter adds
/// its weight times its coverage (the share of events that carry it, well formed), capped at 10. The weights follow
/// Meta's published priorities (email and click id high; phone, external id, browser id, login id, birth date,
/// country medium; names, city, zip low) and are listed in ``weights``.
public struct EventMatchQuality: Sendable {
    /// Tagwire's weights (ours, not Meta's).
    public static let weights: [(key: String, weight: Double)] = [
        ("em", 2.0), ("fbc", 2.0), ("ph", 1.2), ("external_id", 1.0), ("fbp", 1.0), ("fb_login_id", 1.0),
        ("client_ip_address", 0.8), ("client_user_agent", 0.5), ("db", 0.4), ("country", 0.3), ("fn", 0.2), ("ln", 0.2),
        ("ct", 0.1), ("st", 0.1), ("zp", 0.1), ("ge", 0.05),
    ]

    /// Per event name: counts and findings.
    public struct Row: Sendable {
        public var eventName: String
        public var events = 0
        public var withEventID = 0
        public var coverage: [String: Int] = [:]
        public var malformed: [String: Int] = [:]

        /// Share of events carrying `key`.
        public func share(_ key: String) -> Double { events == 0 ? 0 : Double(coverage[key] ?? 0) / Double(events) }

        /// Share of events with an `event_id` (ready for deduplication with the Pixel).
        public var dedupReadiness: Double { events == 0 ? 0 : Double(withEventID) / Double(events) }

        /// The heuristic score, 0 to 10.
        public var score: Double {
            min(10, EventMatchQuality.weights.reduce(0) { $0 + $1.weight * share($1.key) })
        }
    }

    /// The identifiers Meta's Dataset Quality API uses for customer-information keys.
    public static let identifiers: [String: String] = [
        "em": "email", "ph": "phone", "fn": "first_name", "ln": "last_name", "db": "date_of_birth", "ge": "gender",
        "ct": "city", "st": "state", "zp": "zip", "country": "country", "external_id": "external_id",
        "client_ip_address": "ip_address", "client_user_agent": "user_agent", "fbc": "fbc", "fbp": "fbp",
        "fb_login_id": "fb_login_id",
    ]

    public private(set) var rows: [String: Row] = [:]

    /// An empty report.
    public init() {}

    /// Whether `s` has Meta's `fb.<subdomain index>.<creation time in ms>.<value>` form of `fbc` and `fbp`.
    public static func isCookieID(_ s: String) -> Bool {
        // fb.{subdomain index}.{creation time ms}.{value}, by bytes (this runs for every event).
        var copy = s
        return copy.withUTF8 { b -> Bool in
            guard b.count > 3, b[0] == 0x66, b[1] == 0x62, b[2] == 0x2E else { return false }
            var i = 3
            var index = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                i += 1
                index += 1
            }
            guard index > 0, i < b.count, b[i] == 0x2E else { return false }
            i += 1
            var time = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                i += 1
                time += 1
            }
            return time >= 10 && i < b.count - 1 && b[i] == 0x2E
        }
    }

    /// Adds one Conversions API event and the builder's warnings about it.
    public mutating func add(event: JSONValue, warnings: [String] = []) {
        let name = event["event_name"]?.stringValue ?? "(no name)"
        var row = rows[name] ?? Row(eventName: name)
        row.events += 1
        if event["event_id"]?.stringValue?.isEmpty == false { row.withEventID += 1 }
        let ud = event["user_data"]?.objectValue ?? JSONObject()
        for m in ud {
            var wellFormed = true
            let values = m.value.arrayValue ?? [m.value]
            if Normalization.hashedKeys.contains(m.key), m.key != "external_id" {
                for v in values
                where !(v.stringValue.map { Normalization.isSHA256($0) || Normalization.isPBLHashed($0) } ?? false) {
                    wellFormed = false
                    row.malformed["\(m.key): clear text in a hashed field", default: 0] += 1
                }
            }
            if m.key == "fbc" || m.key == "fbp", let s = m.value.stringValue, !Self.isCookieID(s) {
                wellFormed = false
                row.malformed["\(m.key): not fb.<index>.<time>.<value>", default: 0] += 1
            }
            if wellFormed { row.coverage[m.key, default: 0] += 1 }
        }
        for w in warnings {
            if w.hasPrefix("user_data.ph: a national number") {
                row.malformed["ph: phone without a country code", default: 0] += 1
            } else if w.hasPrefix("user_data.em:") {
                row.malformed["em: invalid email", default: 0] += 1
            } else if w.hasPrefix("user_data.fbc:") || w.hasPrefix("user_data.fbp:") {
                continue  // counted from the event above
            } else if let colon = w.firstIndex(of: ":"), w.hasPrefix("user_data.") {
                // `user_data.<key>: <reason>; <what happened>`, counted by key and reason.
                let key = w[..<colon].dropFirst("user_data.".count)
                let said = w[w.index(after: colon)...].split(separator: ";").first.map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                let reason = said ?? "left out"
                row.malformed["\(key): \(reason)", default: 0] += 1
            }
        }
        rows[name] = row
    }

    /// The report as JSON: one entry per event name, sorted.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("scoring", "tagwire heuristic (not Meta's): sum of weight × coverage, capped at 10"),
                ("weights", .object(JSONObject(Self.weights.map { ($0.key, JSONValue.number($0.weight)) }))),
                (
                    "events",
                    .array(
                        rows.keys.sorted().compactMap { rows[$0] }.map { row in
                            .object(
                                JSONObject([
                                    ("eventName", .string(row.eventName)),
                                    ("events", .number(Double(row.events))),
                                    ("score", .number((row.score * 10).rounded() / 10)),
                                    ("dedupReadiness", .number((row.dedupReadiness * 1000).rounded() / 1000)),
                                    (
                                        "coverage",
                                        .object(
                                            JSONObject(
                                                Self.weights.map {
                                                    (
                                                        $0.key,
                                                        JSONValue.number((row.share($0.key) * 1000).rounded() / 1000)
                                                    )
                                                }
                                            )
                                        )
                                    ),
                                    (
                                        "malformed",
                                        .object(
                                            JSONObject(
                                                row.malformed.keys.sorted().map {
                                                    ($0, JSONValue.number(Double(row.malformed[$0] ?? 0)))
                                                }
                                            )
                                        )
                                    ),
                                ])
                            )
                        }
                    )
                ),
            ])
        )
    }
}
