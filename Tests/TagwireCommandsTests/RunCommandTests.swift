import Foundation
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire run`: text and JSON output, exit statuses, and secrets that are not set.
struct RunCommandTests {
    static let journey = [
        "run", "Properties/meta-quickstart-web", "--then", "Properties/meta-quickstart-edge", "--events",
        "Properties/meta-quickstart-web/fixtures/page-events.ndjson", "--seed", "1", "--now", "1765000000",
    ]
    /// No token in the environment, whatever the shell running the tests has.
    static let noToken = ["META_ACCESS_TOKEN"]

    static func lines(_ stdout: String) throws -> [JSONValue] {
        try stdout.split(separator: "\n").map { try JSONReader.parse(String($0)) }
    }

    @Test
    func anUnsetSecretFailsTheRuleOfflineWithTheReasonSendingGives() throws {
        let offline = try TagwireCLI.run(Self.journey, unset: Self.noToken)
        #expect(offline.status == 0)
        let forwarded = try Self.lines(offline.stdout).flatMap { $0["forwarded"]?.arrayValue ?? [] }
        let fired = forwarded.flatMap { $0["rules"]?.arrayValue ?? [] }.filter { $0["status"] != "conditionNotMet" }
        #expect(fired.count == 6)
        #expect(fired.allSatisfy { $0["status"] == "failed" })
        let reason = try #require(fired.first?["reason"]?.stringValue)
        #expect(reason.hasSuffix("secret 'meta-access-token' is not set (environment variable META_ACCESS_TOKEN)"))
        #expect(forwarded.allSatisfy { $0["dispatches"]?.arrayValue?.isEmpty == true })
        let failOn = try TagwireCLI.run(Self.journey + ["--fail-on", "failed"], unset: Self.noToken)
        #expect(failOn.status == 1)

        // --send fails the same rules with the same reason, before anything is sent.
        let send = try TagwireCLI.run(
            Self.journey + ["--send", "--send-timeout", "1"],
            environment: ["TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:9"],
            unset: Self.noToken
        )
        let sendForwarded: [JSONValue] = try Self.lines(send.stdout).flatMap { $0["forwarded"]?.arrayValue ?? [] }
        let sendRules: [JSONValue] = sendForwarded.flatMap { $0["rules"]?.arrayValue ?? [] }
        let sendReasons: [JSONValue?] = sendRules.filter { $0["status"] == "failed" }.map { $0["reason"] }
        let offlineReasons: [JSONValue?] = fired.map { $0["reason"] }
        #expect(sendReasons == offlineReasons)
    }

    @Test
    func allowMissingSecretsWarnsInstead() throws {
        let r = try TagwireCLI.run(Self.journey + ["--allow-missing-secrets"], unset: Self.noToken)
        #expect(r.status == 0)
        let forwarded = try Self.lines(r.stdout).flatMap { $0["forwarded"]?.arrayValue ?? [] }
        let fired = forwarded.flatMap { $0["rules"]?.arrayValue ?? [] }.filter { $0["status"] == "fired" }
        #expect(fired.count == 6)
        #expect(
            fired.allSatisfy {
                $0["warnings"] == ["secret 'meta-access-token' is not set (environment variable META_ACCESS_TOKEN)"]
            }
        )
        #expect(!r.stdout.contains("*****"), "the placeholder never reaches a payload")
        let warn = try TagwireCLI.run(
            Self.journey + ["--allow-missing-secrets", "--fail-on", "warning"],
            unset: Self.noToken
        )
        #expect(warn.status == 1)
        let refused = try TagwireCLI.run(Self.journey + ["--allow-missing-secrets", "--send"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--allow-missing-secrets is for offline runs"))
    }

    @Test
    func textOutputHasALinePerEventAndOnePerDispatchWithoutCustomerInformation() throws {
        let json = try TagwireCLI.run(Self.journey, environment: ["META_ACCESS_TOKEN": "t"])
        let text = try TagwireCLI.run(Self.journey + ["--format", "text"], environment: ["META_ACCESS_TOKEN": "t"])
        #expect(text.status == 0)
        let results = try Self.lines(json.stdout)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let eventLines = lines.filter { $0.hasPrefix("#") }
        #expect(eventLines.count == results.count)
        for (line, result) in zip(eventLines, results) {
            let fired = (result["rules"]?.arrayValue ?? []).filter { $0["status"] == "fired" }.compactMap {
                $0["name"]?.stringValue
            }
            #expect(
                line == "#\(result["index"]?.numberValue.map { Int($0) } ?? -1) fired: \(fired.joined(separator: ", "))"
            )
        }
        let dispatchCount = results.reduce(0) {
            $0 + ($1["dispatches"]?.arrayValue?.count ?? 0)
                + ($1["forwarded"]?.arrayValue ?? []).reduce(0) { $0 + ($1["dispatches"]?.arrayValue?.count ?? 0) }
        }
        #expect(lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("-> ") }.count == dispatchCount)
        #expect(text.stdout.contains("-> meta-capi pixel 1234567890123456 (MetaCAPI_Purchase): Purchase event_id "))
        #expect(text.stdout.contains("user_data: em ph fn ln"))
        #expect(lines.last == "\(results.count) events: \(dispatchCount) dispatches, 0 failed rules, 0 warnings")
        // Field names only: no clear or hashed customer information on a terminal.
        #expect(!text.stdout.contains("Jane"))
        #expect(!text.stdout.contains("@"))
    }

    @Test
    func unreadableLinesAreReportedAndExitOne() throws {
        let r = try TagwireCLI.run(
            ["run", "Properties/meta-quickstart-edge", "--events", "-", "--format", "text"],
            stdin: "{\"data\":\n  {\"eventName\": \"Lead\"}}\n[1]\n"
        )
        #expect(r.status == 1)
        #expect(r.stdout.contains("#0 error: line 1: "))
        #expect(r.stdout.contains("#2 error: line 3: an event must be a JSON object, not array"))
        #expect(r.stderr.contains("error: 3 of 3 line(s) could not be run"))
        let missing = try TagwireCLI.run(["run", "Properties/meta-quickstart-edge", "--events", "no-such-file.ndjson"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("no-such-file.ndjson"))
    }

    /// Large edge runs are split across cores; the output is what one thread writes, generated ids included.
    @Test(arguments: [false, true])
    func largeEdgeRunsMatchARunInOneThread(drawsIds: Bool) throws {
        let dir = try Scratch.directory("run-parallel")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let property = dir + "/edge"
        try FileManager.default.copyItem(atPath: Repository.path("Properties/meta-quickstart-edge"), toPath: property)
        if drawsIds {
            try #"{"name": "Fresh Id", "type": "core.uuid", "settings": {}}"#.write(
                toFile: property + "/data-elements/fresh-id.json",
                atomically: true,
                encoding: .utf8
            )
            let rule = property + "/rules/metacapi-lead.json"
            let text = try String(contentsOfFile: rule, encoding: .utf8)
            try text.replacingOccurrences(of: "{{Meta Data Layer.conversionData.eventId}}", with: "{{Fresh Id}}")
                .write(toFile: rule, atomically: true, encoding: .utf8)
        }
        let event =
            #"{"data":{"eventName":"Lead","meta":{"userData":{"email":"a@b.co"}}},"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/"}}},"request":{"ip":"203.0.113.7","headers":{"user-agent":"UA"}}}"#
        let many = String(repeating: event + "\n", count: 12_000)
        try many.write(toFile: dir + "/many.ndjson", atomically: true, encoding: .utf8)
        try String(repeating: event + "\n", count: 50).write(
            toFile: dir + "/few.ndjson",
            atomically: true,
            encoding: .utf8
        )
        let args = ["run", property, "--now", "1765000000", "--seed", "9", "--format", "json", "--events"]
        let big = try TagwireCLI.run(args + [dir + "/many.ndjson"], environment: ["META_ACCESS_TOKEN": "t"])
        let small = try TagwireCLI.run(args + [dir + "/few.ndjson"], environment: ["META_ACCESS_TOKEN": "t"])
        #expect(big.status == 0)
        let lines = big.stdout.split(separator: "\n")
        #expect(lines.count == 12_000)
        #expect(Array(lines.prefix(50)) == small.stdout.split(separator: "\n"))
        for (i, line) in lines.enumerated() where i % 997 == 0 {
            #expect(line.hasPrefix("{\"index\":\(i),"))
        }
        if !drawsIds {
            // Every worker's engine (each has its own copy of the library) gives the first line's result.
            let rest = lines.map { $0.drop { $0 != "," } }
            #expect(Set(rest).count == 1)
        }
        if drawsIds {
            let ids = try lines.map { line -> String? in
                let dispatch = try JSONReader.parse(String(line))["dispatches"]?.arrayValue?.first
                return dispatch?["payload"]?["data"]?.arrayValue?.first?["event_id"]?.stringValue
            }
            #expect(Set(ids.compactMap { $0 }).count == 12_000, "every generated id differs")
        }
    }
}
