import Foundation
import TagwireJSON
import TagwireMeta

/// What `tagwire quickstart validate` found: one row per Meta event a rule sent (or should have sent), followed from
/// the page to the Conversions API's answer, with what to fix when a step failed. Built from what the page's
/// monitor recorded, what the server received and what the outbox delivered, so it can be checked without a browser.
struct ValidationReport {
    struct Row {
        var page: String
        var event: String
        var rule: String
        /// `fired`, `conditionNotMet`, `failed`, or `missing` (expected by the journey, sent by no rule).
        var status: String
        var pixelEventID: String?
        var forwarded = false
        var conversionsAPI = "not sent"
        var conversionsAPIEventID: String?
        var deduplicated = false
        var emq: Double?
        var problems: [(problem: String, fix: String)] = []

        var ok: Bool { problems.isEmpty }

        mutating func fail(_ problem: String, fix: String) { problems.append((problem, fix)) }
    }

    /// What the local Meta sandbox received (`--meta-sandbox`): the event ids of the Pixel's beacons and how its
    /// model of Meta's deduplication counted the copies.
    struct SandboxSeen {
        var beacons: Set<String>
        var unique: Int
        var copies: Int
        var duplicates: Int
    }

    var origin: String
    var graphURL: String
    /// The code the Conversions API copies were sent under as test events, if any.
    var testEventCode: String?
    var pages: [String]
    var sandbox: SandboxSeen?
    var rows: [Row] = []

    /// The event ids of a recorded rule's Pixel calls.
    static func pixelEventIDs(_ record: JSONValue) -> [String] {
        (record["dispatches"]?.arrayValue ?? []).filter { $0["destination"]?.stringValue == "meta-pixel" }.compactMap {
            $0["call"]?.arrayValue?.last { $0.objectValue != nil }?["eventID"]?.stringValue
        }
    }

    var passed: Int { rows.filter(\.ok).count }
    var failed: Int { rows.count - passed }

    init(
        origin: String,
        graphURL: String,
        pages: [String],
        records: [JSONValue],
        receipts: [Receipt],
        deliveries: [Int64: RecordingOutbox.Entry],
        sandbox: SandboxSeen? = nil,
        expect: [String],
        timeout: Double
    ) {
        self.origin = origin
        self.graphURL = graphURL
        self.pages = pages
        self.sandbox = sandbox
        var follower = Follower(
            unmatched: receipts,
            events: deliveries.sorted { $0.key < $1.key }.map(\.value),
            failedScripts: records.filter { $0["kind"]?.stringValue == "scriptFailed" },
            sandbox: sandbox,
            timeout: timeout,
            graphURL: graphURL
        )
        rows = records.compactMap { follower.row(for: $0) }

        // What the journey expected and no rule sent.
        var sent: [String: Int] = [:]
        for row in rows where row.status == "fired" { sent[row.event, default: 0] += 1 }
        for name in expect {
            if let n = sent[name], n > 0 {
                sent[name] = n - 1
                continue
            }
            var row = Row(page: "", event: name, rule: "", status: "missing")
            row.fail(
                "site/journey.json expects \(name), but no rule sent it",
                fix: "check the page's _tagwire.track(\"meta:\(name)\") call or the rule's event"
            )
            rows.append(row)
        }
        if rows.isEmpty {
            var row = Row(page: pages.last ?? "", event: "(none)", rule: "", status: "missing")
            row.fail(
                "no rule sent anything on \(pages.joined(separator: ", "))",
                fix: "check that the page carries the embed code and that the library loads from \(origin)"
            )
            rows.append(row)
        }
    }

    /// What to do about a Graph API error: the token and pixel for Meta's access errors, else the way there.
    static func fix(_ error: String) -> String {
        let access = ["code 190", "code 100", "code 10:", "code 200", "code 294", "OAuth", "permission"]
        if access.contains(where: { error.contains($0) }) {
            return "run `tagwire connect` on the edge property to check the token and the pixel"
        }
        return "check the Graph API's address (TAGWIRE_META_GRAPH_URL) and the network"
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }

    // MARK: Output

    var text: String {
        var out = "walked \(pages.joined(separator: " → ")) on \(origin), delivering to \(graphURL)"
        out += testEventCode.map { " as test events (\($0))\n\n" } ?? "\n\n"
        let header = ["page", "event", "rule", "pixel event id", "forwarded", "conversions api", "dedup", "emq"]
        let table: [[String]] = rows.map { row in
            [
                row.page, row.event, row.status, row.pixelEventID ?? "-", row.forwarded ? "yes" : "no",
                row.conversionsAPI, row.deduplicated ? "yes" : "no", row.emq.map { String(format: "%.1f", $0) } ?? "-",
            ]
        }
        out += TextTable.render([header] + table)
        let failing = rows.filter { !$0.ok }
        if !failing.isEmpty {
            out += "\nto fix:\n"
            for row in failing {
                let at = row.page.isEmpty ? row.event : "\(row.page) \(row.event)"
                for p in row.problems { out += "  \(at): \(p.problem)\n    fix: \(p.fix)\n" }
            }
        }
        if let sandbox {
            out +=
                "\nMeta sandbox: \(sandbox.copies) copies (Pixel and Conversions API) counted as \(sandbox.unique) events, \(sandbox.duplicates) deduplicated\n"
        }
        out += "\n\(rows.count) events: \(passed) passed, \(failed) failed\n"
        return out
    }

    var json: JSONValue {
        .object(
            JSONObject([
                ("origin", .string(origin)), ("graphUrl", .string(graphURL)),
                ("testEventCode", testEventCode.map(JSONValue.string) ?? .null),
                ("pages", .array(pages.map(JSONValue.string))),
                (
                    "events",
                    .array(
                        rows.map { row in
                            .object(
                                JSONObject([
                                    ("page", .string(row.page)), ("event", .string(row.event)),
                                    ("rule", .string(row.rule)), ("status", .string(row.status)),
                                    ("pixelEventId", row.pixelEventID.map(JSONValue.string) ?? .null),
                                    ("forwarded", .bool(row.forwarded)),
                                    ("conversionsApi", .string(row.conversionsAPI)),
                                    (
                                        "conversionsApiEventId",
                                        row.conversionsAPIEventID.map(JSONValue.string) ?? .null
                                    ),
                                    ("deduplicated", .bool(row.deduplicated)),
                                    ("emq", row.emq.map(JSONValue.number) ?? .null), ("ok", .bool(row.ok)),
                                    (
                                        "problems",
                                        .array(
                                            row.problems.map {
                                                ["problem": .string($0.problem), "fix": .string($0.fix)]
                                            }
                                        )
                                    ),
                                ])
                            )
                        }
                    )
                ),
                (
                    "sandbox",
                    sandbox.map {
                        [
                            "copies": .number(Double($0.copies)), "unique": .number(Double($0.unique)),
                            "duplicates": .number(Double($0.duplicates)),
                        ]
                    } ?? .null
                ),
                ("passed", .number(Double(passed))), ("failed", .number(Double(failed))),
            ])
        )
    }
}

/// Follows one recorded rule outcome from the page through the server to Meta's answer, taking each forwarded event
/// the server received once.
private struct Follower {
    var unmatched: [Receipt]
    /// The Conversions API events the outbox was given, in the order they were stored.
    let events: [RecordingOutbox.Entry]
    let failedScripts: [JSONValue]
    let sandbox: ValidationReport.SandboxSeen?
    let timeout: Double
    let graphURL: String

    typealias Row = ValidationReport.Row

    /// The row of a recorded rule outcome; nil for what is not one (a script that failed to load).
    mutating func row(for record: JSONValue) -> Row? {
        guard let kind = record["kind"]?.stringValue, kind != "scriptFailed" else { return nil }
        let page = record["page"]?.stringValue ?? ""
        let rule = record["rule"]?.stringValue ?? ""
        let dispatches = record["dispatches"]?.arrayValue ?? []
        let pixel = dispatches.first { $0["destination"]?.stringValue == "meta-pixel" }
        let forward = dispatches.first { $0["destination"]?.stringValue == "edge" }
        // The event's name: the Pixel call's, the forwarded event's, or the rule's after its prefix.
        let call = pixel?["call"]?.arrayValue ?? []
        let name =
            (call.count > 1 ? call[1].stringValue : nil) ?? forward?["data"]?["eventName"]?.stringValue
            ?? forward?["xdm"]?["eventType"]?.stringValue
            ?? (rule.hasPrefix("MetaConversion_") ? String(rule.dropFirst("MetaConversion_".count)) : rule)
        var row = Row(page: page, event: name, rule: rule, status: kind)
        switch kind {
        case "conditionNotMet":
            row.fail(
                "the rule's conditions were not met: \(record["reason"]?.stringValue ?? "")",
                fix: "give the page the data the condition reads (the data layer), or change the condition"
            )
            return row
        case "failed":
            row.fail(
                "the rule failed: \(record["reason"]?.stringValue ?? "")",
                fix: "run `tagwire test` on the web property with this page's data to see the action's error"
            )
            return row
        default: break
        }

        // The Pixel call, with the id Meta deduplicates on.
        if let pixel {
            row.pixelEventID = ValidationReport.pixelEventIDs(record).first
            if let id = row.pixelEventID, let sandbox, !sandbox.beacons.contains(id) {
                row.fail(
                    "the Meta sandbox received no Pixel beacon with event id \(id) within \(ValidationReport.seconds(timeout))",
                    fix: "check that Meta's script loads on the page (the meta-pixel extension's scriptUrl)"
                )
            }
            if row.pixelEventID == nil {
                row.fail(
                    "the Pixel call has no event id",
                    fix:
                        "give the meta-pixel.send-event action an eventId (the id core.generate-event-id wrote), so Meta can deduplicate it against the Conversions API copy"
                )
            }
            if pixel["heldForConsent"]?.boolValue == true {
                row.fail(
                    "the Pixel call is held until the visitor consents",
                    fix: "grant consent on the page (_tagwire.consent(\"grant\")) before validating"
                )
            }
            for script in failedScripts where script["page"]?.stringValue == page {
                row.fail(
                    "a script did not load: \(script["src"]?.stringValue ?? "")",
                    fix:
                        "check the meta-pixel extension's scriptUrl and the network (a content blocker stops Meta's script)"
                )
            }
        } else {
            row.fail(
                "the rule made no Pixel call",
                fix: "add a meta-pixel.send-event action to \(rule)"
            )
        }

        // The forwarded copy: what the server received for it, and what its edge rules made of it.
        guard let forward else {
            row.fail("the rule did not forward the event", fix: "add an edge.send-event action to \(rule)")
            return row
        }
        guard
            let index = unmatched.firstIndex(where: {
                ($0.event["data"] ?? .null).isSameJSON(as: forward["data"] ?? .null)
            })
        else {
            row.fail(
                "the edge endpoint did not receive it within \(ValidationReport.seconds(timeout))",
                fix:
                    "check the edge extension's endpoint (\(forward["endpoint"]?.stringValue ?? "none")) and the browser console"
            )
            return row
        }
        let receipt = unmatched.remove(at: index)
        row.forwarded = true
        let listed: [JSONValue] = receipt.outcome["eventIds"]?.arrayValue ?? []
        let ids = Set(listed.compactMap(\.stringValue))
        let failures = receipt.outcome["failed"]?.arrayValue ?? []
        if ids.isEmpty {
            if let first = failures.first {
                row.fail(
                    "on the edge, \(first["rule"]?.stringValue ?? "a rule") failed: \(first["reason"]?.stringValue ?? "")",
                    fix: "fix the edge property's rule (a missing secret: set its environment variable)"
                )
            } else {
                row.fail(
                    "no Conversions API rule fired on the edge for \(name)",
                    fix: "check the edge property's rules for \(name): their conditions read the forwarded event"
                )
            }
            return row
        }

        // The Conversions API copy and Meta's answer.
        let copy = events.first { ids.contains($0.event["event_id"]?.stringValue ?? "") }
        if let copy {
            row.conversionsAPIEventID = copy.event["event_id"]?.stringValue
            var quality = EventMatchQuality()
            quality.add(event: copy.event)
            row.emq = quality.rows.values.first.map { ($0.score * 10).rounded() / 10 }
            switch copy.status {
            case .delivered:
                row.conversionsAPI = "accepted"
            case .rejected(let reason):
                row.conversionsAPI = "rejected"
                row.fail("Meta refused the Conversions API event: \(reason)", fix: ValidationReport.fix(reason))
            case .retrying(let error):
                row.conversionsAPI = "retrying"
                row.fail("not delivered: \(error)", fix: ValidationReport.fix(error) + "; tagwire serve keeps retrying")
            case .queued:
                row.conversionsAPI = "queued"
                row.fail(
                    "not delivered within \(ValidationReport.seconds(timeout))",
                    fix: "give it longer (--timeout) or check the Graph API's address (\(graphURL))"
                )
            }
            let copyName = copy.event["event_name"]?.stringValue
            if let id = row.pixelEventID, id == row.conversionsAPIEventID, copyName == name {
                row.deduplicated = true
            } else if row.pixelEventID != nil {
                row.fail(
                    "the two copies differ: Pixel \(name) \(row.pixelEventID ?? "") and Conversions API \(copyName ?? "") \(row.conversionsAPIEventID ?? "")",
                    fix: "both must carry the same event name and event id, or Meta counts the event twice"
                )
            }
        } else {
            row.fail(
                "the edge made a Conversions API event that was never stored",
                fix: "check the edge property's meta-capi settings (pixel id, access token)"
            )
        }
        return row
    }
}
