import Foundation
import TagwireJSON
import Testing

@testable import TagwireCommands

/// `quickstart validate`'s rows from what the page recorded, what the server received and what the outbox
/// delivered: each broken step fails its row with the step named and what to fix.
struct ValidationReportTests {
    static func record(_ rule: String, pixelID: String?, data: JSONValue?, kind: String = "fired") -> JSONValue {
        var dispatches: [JSONValue] = []
        var options = JSONObject()
        if let pixelID { options["eventID"] = .string(pixelID) }
        dispatches.append(
            [
                "destination": "meta-pixel", "rule": .string(rule),
                "call": ["trackSingle", "Purchase", [:], .object(options)],
            ]
        )
        if let data {
            dispatches.append(["destination": "edge", "endpoint": "http://127.0.0.1:1/v1/events", "data": data])
        }
        return [
            "kind": .string(kind), "page": "thank-you.html", "rule": .string(rule), "dispatches": .array(dispatches),
        ]
    }

    static func data(_ id: String) -> JSONValue {
        ["eventName": "Purchase", "meta": ["conversionData": ["eventId": .string(id)]]]
    }

    static func report(
        _ records: [JSONValue],
        receipts: [Receipt] = [],
        deliveries: [Int64: RecordingOutbox.Entry] = [:],
        expect: [String] = []
    ) -> ValidationReport {
        ValidationReport(
            origin: "http://127.0.0.1:1",
            graphURL: "http://127.0.0.1:2",
            pages: ["thank-you.html"],
            records: records,
            receipts: receipts,
            deliveries: deliveries,
            expect: expect,
            timeout: 5
        )
    }

    static func capi(_ id: String, _ status: RecordingOutbox.Status) -> RecordingOutbox.Entry {
        RecordingOutbox.Entry(
            event: [
                "event_name": "Purchase", "event_id": .string(id),
                "user_data": ["em": .string(String(repeating: "a", count: 64))],
            ],
            status: status
        )
    }

    static func receipt(_ id: String, eventIds: [String], failed: [JSONValue] = []) -> Receipt {
        Receipt(
            event: ["data": data(id)],
            outcome: ["eventIds": .array(eventIds.map(JSONValue.string)), "failed": .array(failed)]
        )
    }

    @Test func aCompleteEventPasses() {
        let r = Self.report(
            [Self.record("MetaConversion_Purchase", pixelID: "e1", data: Self.data("e1"))],
            receipts: [Self.receipt("e1", eventIds: ["e1"])],
            deliveries: [1: Self.capi("e1", .delivered)],
            expect: ["Purchase"]
        )
        #expect(r.rows.count == 1)
        #expect(r.rows[0].ok && r.rows[0].deduplicated && r.rows[0].forwarded)
        #expect(r.rows[0].conversionsAPI == "accepted")
        #expect(r.rows[0].emq == 2.0)
        #expect(r.failed == 0)
    }

    @Test func eachBrokenStepFailsItsRowWithAFix() {
        let cases: [(String, ValidationReport, String)] = [
            (
                "no event id",
                Self.report(
                    [Self.record("R", pixelID: nil, data: Self.data("e1"))],
                    receipts: [Self.receipt("e1", eventIds: ["e1"])],
                    deliveries: [1: Self.capi("e1", .delivered)]
                ),
                "the Pixel call has no event id"
            ),
            (
                "never received",
                Self.report([Self.record("R", pixelID: "e1", data: Self.data("e1"))]),
                "the edge endpoint did not receive it within 5 s"
            ),
            (
                "edge rule failed",
                Self.report(
                    [Self.record("R", pixelID: "e1", data: Self.data("e1"))],
                    receipts: [
                        Self.receipt(
                            "e1",
                            eventIds: [],
                            failed: [["rule": "MetaCAPI_Purchase", "reason": "secret not set"]]
                        )
                    ]
                ),
                "on the edge, MetaCAPI_Purchase failed: secret not set"
            ),
            (
                "no edge rule",
                Self.report(
                    [Self.record("R", pixelID: "e1", data: Self.data("e1"))],
                    receipts: [Self.receipt("e1", eventIds: [])]
                ),
                "no Conversions API rule fired on the edge for Purchase"
            ),
            (
                "refused",
                Self.report(
                    [Self.record("R", pixelID: "e1", data: Self.data("e1"))],
                    receipts: [Self.receipt("e1", eventIds: ["e1"])],
                    deliveries: [1: Self.capi("e1", .rejected("HTTP 400, code 100: Invalid parameter"))]
                ),
                "Meta refused the Conversions API event: HTTP 400, code 100"
            ),
            (
                "ids differ",
                Self.report(
                    [Self.record("R", pixelID: "e1", data: Self.data("e1"))],
                    receipts: [Self.receipt("e1", eventIds: ["e2"])],
                    deliveries: [1: Self.capi("e2", .delivered)]
                ),
                "the two copies differ"
            ),
            (
                "not forwarded",
                Self.report([Self.record("R", pixelID: "e1", data: nil)]),
                "the rule did not forward the event"
            ),
            (
                "condition",
                Self.report([Self.record("R", pixelID: nil, data: nil, kind: "conditionNotMet")]),
                "the rule's conditions were not met"
            ),
            ("expected", Self.report([], expect: ["Lead"]), "site/journey.json expects Lead, but no rule sent it"),
        ]
        for (name, report, problem) in cases {
            #expect(report.failed >= 1, "\(name)")
            let problems = report.rows.flatMap(\.problems)
            #expect(problems.contains { $0.problem.contains(problem) && !$0.fix.isEmpty }, "\(name): \(problems)")
            #expect(report.text.contains("to fix:"), "\(name)")
            #expect(report.json["failed"]?.numberValue == Double(report.failed), "\(name)")
        }
    }
}
