import Foundation
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire diff`: two versions of a property replayed over the same events.
struct DiffCommandTests {
    static let events =
        [
            #"{"data":{"eventName":"Purchase","meta":{"userData":{"email":"jane@example.com","externalId":"c-1"},"conversionData":{"eventId":"o-1","customData":{"currency":"USD","value":10}}}},"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/thanks"}}},"request":{"ip":"203.0.113.9","headers":{"user-agent":"UA"}}}"#,
            #"{"data":{"eventName":"Lead","meta":{"userData":{"email":"max@example.de"},"conversionData":{"eventId":"l-1"}}},"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/"}}},"request":{"ip":"203.0.113.9","headers":{"user-agent":"UA"}}}"#,
            #"{"data":{"eventName":"ViewContent"},"request":{"ip":"203.0.113.9","headers":{"user-agent":"UA"}}}"#,
        ].joined(separator: "\n") + "\n"

    /// A scratch directory with `old` and `new` copies of the example edge property and the events.
    static func scratch() throws -> String {
        let dir = try Scratch.directory("diff")
        for side in ["old", "new"] {
            try FileManager.default.copyItem(
                atPath: Repository.path("Properties/meta-quickstart-edge"),
                toPath: dir + "/" + side
            )
        }
        try events.write(toFile: dir + "/events.ndjson", atomically: true, encoding: .utf8)
        return dir
    }

    /// Changes `rules/<file>` of a property with `edit` on its JSON.
    static func edit(_ property: String, rule file: String, _ edit: (inout JSONObject) -> Void) throws {
        let path = property + "/rules/" + file
        guard case .object(var o) = try JSONReader.parse(try String(contentsOfFile: path, encoding: .utf8)) else {
            Issue.record("\(path) is not an object")
            return
        }
        edit(&o)
        try JSONWriter(pretty: true).string(.object(o)).write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func settings(_ o: inout JSONObject, _ change: (inout JSONObject) -> Void) {
        guard case .array(var actions)? = o["actions"], case .object(var action)? = actions.first,
            case .object(var s)? = action["settings"]
        else { return }
        change(&s)
        action["settings"] = .object(s)
        actions[0] = .object(action)
        o["actions"] = .array(actions)
    }

    func diff(_ dir: String, _ extra: [String] = []) throws -> CommandResult {
        try TagwireCLI.run(
            ["diff", dir + "/old", dir + "/new", "--events", dir + "/events.ndjson", "--now", "1765000000"] + extra,
            unset: ["META_ACCESS_TOKEN"]
        )
    }

    @Test
    func nothingChangedExitsZero() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try diff(dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "no changes: 3 events replayed\n")
    }

    @Test
    func changedFieldsRulesAndDispatchesAreReportedWithoutHashedValues() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.edit(dir + "/new", rule: "metacapi-lead.json") { $0["enabled"] = false }
        try Self.edit(dir + "/new", rule: "metacapi-purchase.json") { rule in
            Self.settings(&rule) { s in
                s["email"] = "someone.else@example.com"
                s["customData"] = .object(JSONObject([("currency", "EUR"), ("value", 10)]))
            }
        }
        let r = try diff(dir)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("event 0 (line 1):\n"))
        #expect(
            r.stdout.contains(
                "  ~ changed: meta-capi pixel 1234567890123456 (MetaCAPI_Purchase): Purchase event_id o-1"
            )
        )
        #expect(r.stdout.contains("      /payload/data/0/custom_data/currency: \"usd\" -> \"eur\"\n"))
        #expect(r.stdout.contains("      /payload/data/0/user_data/em/0: hashed value changed\n"))
        #expect(r.stdout.contains("  rule MetaCAPI_Lead: fired -> skipped\n"))
        #expect(r.stdout.contains("  - removed: meta-capi pixel 1234567890123456 (MetaCAPI_Lead): Lead event_id l-1"))
        #expect(r.stdout.contains("rule MetaCAPI_Lead: conditionNotMet -> skipped in 2 events"))
        #expect(r.stdout.hasSuffix("3 of 3 events changed\n"))
        // No digest of customer information, in either direction.
        let hex = try NSRegularExpression(pattern: "[0-9a-f]{64}")
        #expect(hex.firstMatch(in: r.stdout, range: NSRange(r.stdout.startIndex..., in: r.stdout)) == nil)

        let json = try diff(dir, ["--format", "json"])
        #expect(json.status == 1)
        let doc = try JSONReader.parse(json.stdout)
        #expect(doc["events"] == 3)
        #expect(doc["changedEvents"] == 3)
        let summary = try #require(doc["summary"]?.arrayValue)
        #expect(
            summary.contains {
                $0["rule"] == "MetaCAPI_Purchase" && $0["changed"] == 1 && $0["destination"] == "meta-capi"
            }
        )
        #expect(summary.contains { $0["rule"] == "MetaCAPI_Lead" && $0["removed"] == 1 })
        let fields = try #require(
            doc["dispatches"]?.arrayValue?.first { $0["change"] == "changed" }?["fields"]?.arrayValue
        )
        let email = try #require(fields.first { $0["pointer"] == "/payload/data/0/user_data/em/0" })
        #expect(email["hashed"] == true)
        #expect(email["old"] == nil && email["new"] == nil)
    }

    @Test
    func builtArtifactsCompareAsTheirDirectoriesDo() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.edit(dir + "/new", rule: "metacapi-lead.json") { $0["enabled"] = false }
        var artifacts: [String] = []
        for side in ["old", "new"] {
            let built = try TagwireCLI.run(["build", dir + "/" + side, "--out", dir + "/build-" + side])
            #expect(built.status == 0, "\(built.stderr)")
            artifacts.append(built.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let fromArtifacts = try TagwireCLI.run(
            ["diff"] + artifacts + ["--events", dir + "/events.ndjson", "--now", "1765000000"],
            unset: ["META_ACCESS_TOKEN"]
        )
        let fromDirectories = try diff(dir)
        #expect(fromArtifacts.status == 1)
        #expect(fromArtifacts.stdout == fromDirectories.stdout)
        #expect(fromArtifacts.stdout.contains("rule MetaCAPI_Lead: fired -> skipped"))
    }

    @Test
    func aSecretIsNeverShown() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The new version would send its token in custom data: refused or masked, never shown.
        try Self.edit(dir + "/new", rule: "metacapi-lead.json") { rule in
            Self.settings(&rule) { s in
                s["customData"] = .object(JSONObject([("note", "{{Meta Access Token}}")]))
            }
        }
        let r = try TagwireCLI.run(
            ["diff", dir + "/old", dir + "/new", "--events", dir + "/events.ndjson", "--now", "1765000000"],
            environment: ["META_ACCESS_TOKEN": "canary-token-5b1f"]
        )
        #expect(r.status == 1 || r.status == 2, "\(r.stderr)")
        #expect(!r.stdout.contains("canary-token-5b1f"))
        #expect(!r.stderr.contains("canary-token-5b1f"))
    }

    @Test
    func gitRevisionsAndErrors() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func git(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", dir] + args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "git \(args)")
        }
        try git(["init", "-q"])
        try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "add", "new"])
        try git(["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "edge property"])
        try Self.edit(dir + "/new", rule: "metacapi-purchase.json") { $0["enabled"] = false }
        let r = try TagwireCLI.run([
            "diff", "git:HEAD", dir + "/new", "--events", dir + "/events.ndjson", "--now", "1765000000",
        ])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("rule MetaCAPI_Purchase: fired -> skipped"))
        let same = try TagwireCLI.run([
            "diff", "git:HEAD:\(dir)/new", "git:HEAD", "--events", dir + "/events.ndjson",
        ])
        #expect(same.status == 2, "git:HEAD on both sides names no directory for the second")
        let unknown = try TagwireCLI.run([
            "diff", "git:no-such-rev", dir + "/new", "--events", dir + "/events.ndjson",
        ])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no-such-rev"))
        let missing = try TagwireCLI.run(["diff", dir + "/old", dir + "/new", "--events", dir + "/nothing.ndjson"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nothing.ndjson"))
        let usage = try TagwireCLI.run(["diff", dir + "/old"])
        #expect(usage.status == 2)
    }
}
