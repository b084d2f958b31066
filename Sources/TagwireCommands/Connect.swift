import ArgumentParser
import Foundation
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaSender
import TagwireModel

/// `tagwire connect [<edge property>] --pixel-id N --access-token-env VAR`: what a Meta Business login gives, from
/// the command line: checks the token against the pixel, sends a test event, reads live Event Match Quality, and
/// writes the pixel id and the token's secret reference (never the token) into the property.
public struct Connect: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract:
            "Check a Meta token against a pixel, show live Event Match Quality, and wire both into an edge property.",
        discussion: """
            Reads the pixel (GET /<version>/<pixel>), sends one test event when --test-event-code is given (Events \
            Manager → Test events), and reads the Dataset Quality API, against TAGWIRE_META_GRAPH_URL (default \
            https://graph.facebook.com). Each check that fails names Meta's error and how to fix it. When the token \
            works, the environment's file gets the secret reference {"env": VAR} for the token the meta-capi \
            extension reads, and the pixel id goes where the extension reads it; the token itself is written \
            nowhere. Exit 1 when a check failed.

            Example:
              tagwire connect Properties/meta-quickstart-edge --pixel-id 1234567890123456 --access-token-env META_ACCESS_TOKEN --test-event-code TEST12345
            """
    )

    @Argument(help: "The edge property directory (default: the current directory).")
    var property = "."

    @Option(help: "The Meta pixel (dataset) id.")
    var pixelId: String

    @Option(help: "The environment variable holding the access token.")
    var accessTokenEnv: String

    @Option(help: "The environment whose file gets the token's secret reference.")
    var environment = "development"

    @Option(help: "Events Manager's test event code: a test event is sent with it.")
    var testEventCode: String?

    @Option(help: "Output: text or json.")
    var format: DiagnosticFormat = .text

    public init() {}

    public func validate() throws {
        try OptionCheck.pixelID(pixelId)
        try OptionCheck.environmentVariable(accessTokenEnv, option: "--access-token-env")
    }

    /// One thing checked against Meta.
    struct Check {
        enum Outcome: String { case ok, warning, failed, skipped }
        var name: String
        var outcome: Outcome
        var detail: String
        var fix: String?
        /// Meta's error code when Meta refused.
        var code: Int?

        var json: JSONValue {
            var m: [(String, JSONValue)] = [
                ("check", .string(name)), ("outcome", .string(outcome.rawValue)), ("detail", .string(detail)),
            ]
            if let fix { m.append(("fix", .string(fix))) }
            return .object(JSONObject(m))
        }
    }

    public func run() async throws {
        guard let token = ProcessInfo.processInfo.environment[accessTokenEnv], !token.isEmpty else {
            throw ValidationError(
                "environment variable \(accessTokenEnv) is not set; export the access token in it (Events Manager → Settings → Conversions API → Generate access token)"
            )
        }
        let setup = try PropertySetup(directory: property, environment: environment)
        let version = setup.graphApiVersion ?? GraphAPIVersions.default
        // One check, not a stream of deliveries: wait for Meta longer than delivery's 1.5 s, unless told otherwise.
        let timeout: Duration? =
            ProcessInfo.processInfo.environment["TAGWIRE_META_TIMEOUT_MS"] == nil ? .seconds(10) : nil
        let sender = ConversionsAPISender(configuration: ConversionsAPIConfiguration(timeout: timeout))
        var checks: [Check] = []

        var pixelName: String?
        do {
            let node = try await sender.readPixel(pixelID: pixelId, accessToken: token, version: version)
            pixelName = node["name"]?.stringValue
            var detail = pixelName.map { "'\($0)'" } ?? "readable"
            if let created = node["creation_time"]?.stringValue { detail += ", created \(created.prefix(10))" }
            if node["is_unavailable"] == true { detail += ", marked unavailable by Meta" }
            checks.append(
                Check(name: "read the pixel", outcome: node["is_unavailable"] == true ? .warning : .ok, detail: detail)
            )
        } catch let e as DatasetQualityError {
            checks.append(Self.failure("read the pixel", e.message, code: e.code, subcode: e.subcode))
        } catch {
            checks.append(Check(name: "read the pixel", outcome: .failed, detail: "\(error)", fix: Self.unreachableFix))
        }

        if let code = testEventCode {
            let outcome = await sender.send(
                pixelID: pixelId,
                payload: Self.testEvent(code: code, now: Date().timeIntervalSince1970),
                accessToken: token,
                version: version
            )
            switch outcome {
            case .delivered(let received, _, let messages):
                var detail =
                    "\(received) received with test event code \(code); it shows in Events Manager → Test events"
                if !messages.isEmpty { detail += " (\(messages.joined(separator: "; ")))" }
                checks.append(Check(name: "send a test event", outcome: .ok, detail: detail))
            case .rejected(let reason, let c, let s, _):
                // The reason already names Meta's code.
                checks.append(Self.failure("send a test event", reason, code: c, subcode: s, namingCode: false))
            case .retryable(_, let reason, _):
                checks.append(
                    Check(name: "send a test event", outcome: .failed, detail: reason, fix: Self.unreachableFix)
                )
            }
        } else {
            checks.append(
                Check(
                    name: "send a test event",
                    outcome: .skipped,
                    detail: "no --test-event-code",
                    fix: "give Events Manager's test event code (Test events tab) to send one"
                )
            )
        }
        // An Events Manager token may send without reading the pixel node: that is no failure.
        if checks[0].outcome == .failed, checks[0].code == 100, checks[1].outcome == .ok {
            checks[0].outcome = .warning
            checks[0].fix = "the token can send but not read the pixel, as Events Manager tokens do: nothing to fix"
        }

        var quality: [String: JSONValue] = [:]
        do {
            let report = try await sender.datasetQuality(pixelID: pixelId, accessToken: token, version: version)
            for row in report["web"]?.arrayValue ?? [] {
                if let name = row["event_name"]?.stringValue { quality[name] = row }
            }
            checks.append(
                Check(
                    name: "read Dataset Quality",
                    outcome: .ok,
                    detail: "\(quality.count) event name\(quality.count == 1 ? "" : "s") with data"
                )
            )
        } catch let e as DatasetQualityError {
            checks.append(Self.failure("read Dataset Quality", e.message, code: e.code, subcode: e.subcode))
        } catch {
            checks.append(
                Check(name: "read Dataset Quality", outcome: .failed, detail: "\(error)", fix: Self.unreachableFix)
            )
        }

        let failed = checks.contains { $0.outcome == .failed }
        var wrote: [String] = []
        if !failed {
            wrote = try setup.write(pixelID: pixelId, variable: accessTokenEnv)
        }
        let rows = setup.eventNames.map { name -> (String, String, Double?, Double?, Double?) in
            let row = quality[name]
            let dedupe = row?["dedupe_key_feedback"]?.arrayValue?.first
            return (
                name, setup.rules[name] ?? "-", row?["event_match_quality"]?["composite_score"]?.numberValue,
                dedupe?["browser_events_with_dedupe_key"]?.numberValue,
                dedupe?["server_events_with_dedupe_key"]?.numberValue
            )
        }
        func text(_ n: Double?, decimals: Bool = false) -> String {
            n.map { decimals ? String(format: "%.1f", $0) : String(Int($0)) } ?? "-"
        }
        switch format {
        case .text:
            var s =
                "pixel \(pixelId)\(pixelName.map { " ('\($0)')" } ?? ""), Graph API \(version), property \(PropertyInput.shown(property))\n"
            for c in checks {
                s += "  \(c.outcome.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))\(c.name): \(c.detail)\n"
                if let fix = c.fix, c.outcome != .ok { s += "          fix: \(fix)\n" }
            }
            s +=
                "\n"
                + TextTable.render(
                    [["event name", "rule", "live EMQ", "event ids (browser/server)"]]
                        + rows.map { [$0.0, $0.1, text($0.2, decimals: true), text($0.3) + "/" + text($0.4)] }
                )
            s +=
                "  (live EMQ is Meta's score out of 10 for the last days of server events; '-' where Meta has none yet)\n"
            for w in wrote { s += "wrote \(w)\n" }
            if failed { s += "nothing written: fix what failed and run connect again\n" }
            Output.out(s)
        case .json:
            let doc: JSONValue = .object(
                JSONObject([
                    ("pixelId", .string(pixelId)), ("pixelName", pixelName.map(JSONValue.string) ?? .null),
                    ("graphApiVersion", .string(version)), ("checks", .array(checks.map(\.json))),
                    (
                        "eventMatchQuality",
                        .array(
                            rows.map {
                                .object(
                                    JSONObject([
                                        ("eventName", .string($0.0)), ("rule", .string($0.1)),
                                        ("liveScore", $0.2.map(JSONValue.number) ?? .null),
                                        ("browserEventIds", $0.3.map(JSONValue.number) ?? .null),
                                        ("serverEventIds", $0.4.map(JSONValue.number) ?? .null),
                                    ])
                                )
                            }
                        )
                    ),
                    ("wrote", .array(wrote.map(JSONValue.string))),
                ])
            )
            Output.out(JSONWriter(pretty: true).string(doc) + "\n")
        }
        if failed { throw ExitCode(1) }
    }

    static let unreachableFix = "check TAGWIRE_META_GRAPH_URL and the network, then run connect again"

    /// A failed check naming Meta's error and how to fix it.
    static func failure(_ name: String, _ message: String, code: Int?, subcode: Int?, namingCode: Bool = true) -> Check
    {
        var detail = message
        if namingCode, let code { detail += " (code \(code)\(subcode.map { ", subcode \($0)" } ?? ""))" }
        let fix: String
        switch (code, subcode) {
        case (190?, _):
            fix =
                "the token is not valid (expired, revoked or mistyped): generate a new one in Events Manager → Settings → Conversions API, or use a system user's token"
        case (100?, 33?):
            fix =
                "the token may not use this pixel: in Business Settings → System users → Assign assets → Pixels, give the token's user the pixel with 'Manage pixel', or check the pixel id"
        case (10?, _), (200?, _), (294?, _), (3?, _):
            fix =
                "the token lacks a permission the Conversions API needs: generate it with ads_management (a system user's token) or from Events Manager"
        case (104?, _):
            fix = "no token reached Meta: check the environment variable"
        default:
            fix =
                "see Meta's message; the Graph API error codes are listed under 'Handling errors' in Meta's Conversions API docs"
        }
        return Check(name: name, outcome: .failed, detail: detail, fix: fix, code: code)
    }

    /// One test event: a PageView from this command, with what Meta needs of a website event and nothing personal.
    static func testEvent(code: String, now: Double) -> JSONValue {
        let event: JSONValue = [
            "event_name": "PageView", "event_time": .number(now.rounded(.down)),
            "event_id": .string("tagwire-connect-\(Int(now))"), "action_source": "website",
            "event_source_url": "https://tagwire.invalid/connect",
            "user_data": ["client_user_agent": "tagwire connect", "client_ip_address": "192.0.2.1"],
        ]
        return [
            "data": [event], "test_event_code": .string(code),
            "partner_agent": .string("tagwire-\(TagwireVersion.current)"),
        ]
    }
}

/// What `connect` reads of an edge property and the files it writes: the environment's secret reference for the
/// token, and the pixel id where the meta-capi extension reads it.
struct PropertySetup {
    let directory: String
    let set: PropertySet
    let environment: EnvironmentDefinition
    /// The pinned Graph API version, when the extension names one.
    let graphApiVersion: String?
    /// The secret the extension's token reads (`{{Data Element}}` of a core.secret).
    let secretName: String?
    /// Event names the property's meta-capi actions send, with their rule.
    let eventNames: [String]
    let rules: [String: String]

    init(directory: String, environment name: String) throws {
        let source: PropertySource
        do {
            source = try PropertySource.directory(directory)
        } catch {
            throw ValidationError("cannot read the property '\(directory)': \(error)")
        }
        let load = PropertyLoader.load(source)
        guard let set = load.propertySet, !load.diagnostics.hasErrors else {
            throw ValidationError("'\(directory)' has errors; `tagwire validate \(directory)` shows them")
        }
        guard set.property.platform == .edge else {
            throw ValidationError(
                "'\(directory)' is a \(set.property.platform.rawValue) property; connect works on the edge property that sends the Conversions API events"
            )
        }
        guard let env = set.environments.first(where: { $0.name == name }) else {
            throw ValidationError(
                "'\(directory)' has no environment '\(name)'; it has \(set.environments.map { "'\($0.name)'" }.joined(separator: ", "))"
            )
        }
        guard let ext = set.extensions.first(where: { $0.name == "meta-capi" }) else {
            throw ValidationError("'\(directory)' does not install the meta-capi extension (extensions/meta-capi.json)")
        }
        self.directory = directory
        self.set = set
        environment = env
        graphApiVersion = ext.settings["graphApiVersion"]?.stringValue
        secretName = Self.token(ext.settings["accessToken"]).flatMap { element in
            set.dataElements.first { $0.name == element && $0.type == "core.secret" }?.settings["secret"]?.stringValue
        }
        var names: [String] = []
        var rules: [String: String] = [:]
        for rule in set.rules {
            for action in rule.actions where action.type == "meta-capi.send-event" {
                guard let name = action.settings["eventName"]?.stringValue, !TokenScanner.mayContainToken(name) else {
                    continue
                }
                if rules[name] == nil { names.append(name) }
                rules[name] = rules[name].map { $0 + ", " + rule.name } ?? rule.name
            }
        }
        eventNames = names
        self.rules = rules
    }

    /// The data element name of a setting that is exactly one token.
    static func token(_ value: JSONValue?) -> String? {
        guard let s = value?.stringValue, s.hasPrefix("{{"), s.hasSuffix("}}"), s.count > 4 else { return nil }
        let inner = String(s.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces)
        return inner.contains("{") || inner.contains("}") ? nil : inner
    }

    /// Writes the secret reference and the pixel id; the files written, with what.
    func write(pixelID: String, variable: String) throws -> [String] {
        var wrote: [String] = []
        let secret = secretName ?? "meta-access-token"
        let envFile = environment.origin.file
        try update(envFile) { o in
            var secrets = o["secrets"]?.objectValue ?? JSONObject()
            secrets[secret] = .object(JSONObject([("env", .string(variable))]))
            o["secrets"] = .object(secrets)
        }
        wrote.append("\(envFile): secret '\(secret)' read from $\(variable)")
        guard let ext = set.extensions.first(where: { $0.name == "meta-capi" }) else { return wrote }
        let pixelSetting = ext.settings["pixelId"]
        if let element = Self.token(pixelSetting),
            let de = set.dataElements.first(where: { $0.name == element && $0.type == "core.constant" })
        {
            try update(de.origin.file) { o in
                var settings = o["settings"]?.objectValue ?? JSONObject()
                settings["value"] = .string(pixelID)
                o["settings"] = .object(settings)
            }
            wrote.append("\(de.origin.file): pixel id \(pixelID) ('\(element)')")
        } else if pixelSetting?.stringValue.map({ !TokenScanner.mayContainToken($0) }) ?? true {
            try update(ext.origin.file) { o in
                var settings = o["settings"]?.objectValue ?? JSONObject()
                settings["pixelId"] = .string(pixelID)
                o["settings"] = .object(settings)
            }
            wrote.append("\(ext.origin.file): pixel id \(pixelID)")
        }
        return wrote
    }

    /// Rewrites a property file (formatted as Tagwire writes them) after `change`.
    func update(_ file: String, _ change: (inout JSONObject) -> Void) throws {
        let path = (directory as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path),
            case .object(var o) = try JSONReader.parse([UInt8](data))
        else {
            throw ValidationError("cannot read '\(path)'")
        }
        change(&o)
        try Data(PropertyFiles.jsonFile(.object(o))).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
