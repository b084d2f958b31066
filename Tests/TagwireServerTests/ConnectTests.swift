import Foundation
import TagwireGraphSandbox
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire connect` against the Graph API sandbox: the pixel read, a test event, Dataset Quality, what it writes,
/// and each refusal.
struct ConnectTests {
    static let pixel = "1234567890123456"
    static let token = "connect-token-7f3a"
    static let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    /// A scratch copy of the example edge property.
    static func property() throws -> (root: String, dir: String) {
        let root = try Scratch.directory("connect")
        let dir = root + "/edge"
        try FileManager.default.copyItem(atPath: Repository.path("Properties/meta-quickstart-edge"), toPath: dir)
        return (root, dir)
    }

    /// Every file of a property, by path, as text.
    static func contents(_ dir: String) throws -> [String: String] {
        try Scratch.files(under: dir).mapValues { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs `connect` against a sandbox holding `state`, with the scratch directory and fbtrace ids masked.
    static func connect(_ arguments: [String], state: SandboxState, token: String = token) async throws -> CommandResult
    {
        try await Fixture.withSandbox(state) { port in
            try await TagwireCLI.runOffPool(
                ["connect"] + arguments,
                environment: [
                    "TAGWIRE_META_GRAPH_URL": "http://127.0.0.1:\(port)", "CONNECT_TOKEN": token,
                    "TAGWIRE_META_TIMEOUT_MS": "15000",
                ]
            )
        }
    }

    static func masked(_ text: String, _ dir: String) -> String {
        text.replacingOccurrences(of: dir, with: "<property>")
    }

    @Test
    func aWorkingTokenIsCheckedAndWiredIntoTheProperty() async throws {
        let (root, dir) = try Self.property()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let before = try Self.contents(dir)
        let state = SandboxState(configuration: SandboxConfiguration(tokens: [Self.token: [Self.pixel]]))
        let r = try await Self.connect(
            [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN", "--test-event-code", "TEST4242"],
            state: state
        )
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        try Golden.check(Self.masked(r.stdout, dir), against: Self.goldens.appendingPathComponent("connect.txt"))
        // The test event reached the sandbox with its code, and shows in the live EMQ table.
        let received = await state.received(pixel: Self.pixel)
        #expect(received.count == 1)
        #expect(received.first?.eventName == "PageView")
        // Only the environment's secret reference changed; the token is nowhere.
        let after = try Self.contents(dir)
        #expect(Set(after.keys) == Set(before.keys))
        for (path, text) in after where path != "environments/development.json" {
            #expect(text == before[path], "\(path)")
        }
        let env = try JSONReader.parse(try #require(after["environments/development.json"]))
        #expect(env["secrets"]?["meta-access-token"] == .object(JSONObject([("env", "CONNECT_TOKEN")])))
        #expect(!after.values.contains { $0.contains(Self.token) })
        #expect(!r.stdout.contains(Self.token) && !r.stderr.contains(Self.token))

        let json = try await Self.connect(
            [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN", "--format", "json"],
            state: state
        )
        #expect(json.status == 0)
        try Golden.check(Self.masked(json.stdout, dir), against: Self.goldens.appendingPathComponent("connect.json"))
    }

    @Test
    func aPixelIdWrittenInTheExtensionIsReplaced() async throws {
        let (root, dir) = try Self.property()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let file = dir + "/extensions/meta-capi.json"
        let text = try String(contentsOfFile: file, encoding: .utf8)
        try text.replacingOccurrences(of: "{{Meta Pixel ID}}", with: "1111").write(
            toFile: file,
            atomically: true,
            encoding: .utf8
        )
        try FileManager.default.removeItem(atPath: dir + "/data-elements/meta-pixel-id.json")
        let r = try await Self.connect(
            [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN", "--environment", "production"],
            state: SandboxState(configuration: SandboxConfiguration(tokens: [Self.token: [Self.pixel]]))
        )
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("wrote extensions/meta-capi.json: pixel id \(Self.pixel)"))
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains("\"pixelId\": \"\(Self.pixel)\""))
        #expect(r.stdout.contains("skipped send a test event: no --test-event-code"))
    }

    @Test
    func anInvalidTokenIsNamedWithItsFixAndNothingIsWritten() async throws {
        let (root, dir) = try Self.property()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let before = try Self.contents(dir)
        let r = try await Self.connect(
            [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN", "--test-event-code", "TEST4242"],
            state: SandboxState(configuration: SandboxConfiguration(tokens: [Self.token: [Self.pixel]])),
            token: "expired-token"
        )
        #expect(r.status == 1)
        try Golden.check(
            Self.masked(r.stdout, dir),
            against: Self.goldens.appendingPathComponent("connect-invalid-token.txt")
        )
        #expect(try Self.contents(dir) == before)
    }

    @Test
    func aPixelTheTokenMayNotUseAndAMissingPermissionAreNamed() async throws {
        let (root, dir) = try Self.property()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let other = try await Self.connect(
            [dir, "--pixel-id", "999999", "--access-token-env", "CONNECT_TOKEN", "--test-event-code", "T1"],
            state: SandboxState(configuration: SandboxConfiguration(tokens: [Self.token: [Self.pixel]]))
        )
        #expect(other.status == 1)
        #expect(other.stdout.contains("failed  read the pixel: Unsupported get request."))
        #expect(other.stdout.contains("the token may not use this pixel"))

        let state = SandboxState(configuration: SandboxConfiguration(tokens: [Self.token: [Self.pixel]]))
        await state.inject(
            .graphError(GraphError(message: "(#200) Permissions error", type: "OAuthException", code: 200))
        )
        let permission = try await Self.connect(
            [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN", "--test-event-code", "T1"],
            state: state
        )
        #expect(permission.status == 1)
        #expect(permission.stdout.contains("ok      read the pixel"))
        #expect(permission.stdout.contains("failed  send a test event:"))
        #expect(permission.stdout.contains("lacks a permission the Conversions API needs"))
    }

    @Test
    func refusals() async throws {
        let (root, dir) = try Self.property()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let state = SandboxState()
        let cases: [([String], String)] = [
            (
                ["Properties/meta-quickstart-web", "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN"],
                "is a web property"
            ),
            ([dir, "--pixel-id", "12ab", "--access-token-env", "CONNECT_TOKEN"], "'12ab' is not a pixel id"),
            (
                [dir, "--pixel-id", Self.pixel, "--access-token-env", "NOT-A-NAME"],
                "is not an environment variable name"
            ),
            (
                [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_UNSET_VARIABLE"],
                "CONNECT_UNSET_VARIABLE is not set"
            ),
            (
                [dir, "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN", "--environment", "qa"],
                "has no environment 'qa'"
            ),
            ([root + "/nowhere", "--pixel-id", Self.pixel, "--access-token-env", "CONNECT_TOKEN"], "nowhere"),
        ]
        for (arguments, message) in cases {
            let r = try await Self.connect(arguments, state: state)
            #expect(r.status == 64, "\(arguments)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
    }
}
