import Foundation
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire quickstart`: the example properties are what it generates; its output is deterministic; bad inputs are
/// refused with what was expected.
struct QuickstartCommandTests {
    static let arguments = [
        "quickstart", "--domain", "shop.example.com", "--pixel-id", "1234567890123456", "--access-token-env",
        "META_ACCESS_TOKEN", "--name", "meta-quickstart",
    ]

    /// Runs quickstart into `<root>/Properties`, with the repository's Schemas beside it as in the repository.
    static func generate(_ root: String, _ extra: [String] = []) throws -> CommandResult {
        if !FileManager.default.fileExists(atPath: root + "/Schemas") {
            try FileManager.default.copyItem(atPath: Repository.path("Schemas"), toPath: root + "/Schemas")
        }
        return try TagwireCLI.run(
            Self.arguments + ["--out", root + "/Properties", "--build-dir", root + "/build"] + extra
        )
    }

    @Test
    func theExamplePropertiesAreWhatQuickstartGenerates() throws {
        let root = try Scratch.directory("quickstart")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try Self.generate(root)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for side in ["web", "edge"] {
            let generated = try Scratch.files(under: root + "/Properties/meta-quickstart-\(side)")
            let committed = try Scratch.files(under: Repository.path("Properties/meta-quickstart-\(side)"))
            #expect(generated.count >= 20)
            for (path, bytes) in generated {
                #expect(
                    committed[path] == bytes,
                    "Properties/meta-quickstart-\(side)/\(path) differs from what quickstart writes"
                )
            }
            // The examples add only a demo shop and more fixture cases.
            for path in committed.keys where generated[path] == nil {
                #expect(path.hasPrefix("site/") || path.hasPrefix("fixtures/"), "\(path)")
            }
        }
    }

    @Test
    func theOutputIsDeterministicAndTheGeneratedPropertiesPassTheirCases() throws {
        let root = try Scratch.directory("quickstart")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let first = try Self.generate(root)
        #expect(first.status == 0, "\(first.stderr)")
        let files = try Scratch.files(under: root + "/Properties")
        let again = try Self.generate(root, ["--force"])
        #expect(again.status == 0)
        #expect(again.stdout == first.stdout)
        #expect(try Scratch.files(under: root + "/Properties") == files)
        try Golden.check(
            first.stdout.replacingOccurrences(of: root, with: "<out>"),
            against: Repository.root.appendingPathComponent("Tests/TagwireCommandsTests/Goldens/quickstart.txt")
        )
        let json = try Self.generate(root, ["--force", "--format", "json"])
        #expect(json.status == 0)
        try Golden.check(
            json.stdout.replacingOccurrences(of: root, with: "<out>"),
            against: Repository.root.appendingPathComponent("Tests/TagwireCommandsTests/Goldens/quickstart.json")
        )
        let doc = try JSONReader.parse(json.stdout)
        let purchase = try #require(doc["contract"]?.arrayValue?.first { $0["event"] == "Purchase" })
        #expect(purchase["metaRequires"] == ["conversionData.customData.currency", "conversionData.customData.value"])
        // The build holds the web library; the generated cases pass with every rule covered.
        #expect(FileManager.default.fileExists(atPath: root + "/build"))
        let test = try TagwireCLI.run([
            "test", root + "/Properties/meta-quickstart-web", root + "/Properties/meta-quickstart-edge", "--coverage",
            "--threshold", "100",
        ])
        #expect(test.status == 0, "\(test.stdout)")
        // The token is a reference, never a value.
        let env = try JSONReader.parse(
            try String(
                contentsOfFile: root + "/Properties/meta-quickstart-edge/environments/production.json",
                encoding: .utf8
            )
        )
        #expect(env["secrets"]?["meta-access-token"] == .object(JSONObject([("env", "META_ACCESS_TOKEN")])))
    }

    @Test
    func badInputsAndExistingDirectoriesAreRefused() throws {
        let root = try Scratch.directory("quickstart")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let base = ["quickstart", "--out", root]
        let cases: [([String], String)] = [
            (
                ["--domain", "shop", "--pixel-id", "1234567890123456", "--access-token-env", "T"],
                "'shop' is not a host name"
            ),
            (
                ["--domain", "shop..example.com", "--pixel-id", "1234567890123456", "--access-token-env", "T"],
                "is not a host name"
            ),
            (
                ["--domain", "shop.example.com", "--pixel-id", "12x4", "--access-token-env", "T"],
                "'12x4' is not a pixel id"
            ),
            (
                ["--domain", "shop.example.com", "--pixel-id", "1234567890123456", "--access-token-env", "9TOKEN"],
                "is not an environment variable name"
            ),
            (
                [
                    "--domain", "shop.example.com", "--pixel-id", "1234567890123456", "--access-token-env", "T",
                    "--data-layer-path", "dataLayer.meta",
                ],
                "'dataLayer.meta' is not a path under window"
            ),
            (
                [
                    "--domain", "shop.example.com", "--pixel-id", "1234567890123456", "--access-token-env", "T",
                    "--endpoint", "ftp://x",
                ],
                "'ftp://x' is not an http or https URL"
            ),
        ]
        for (arguments, message) in cases {
            let r = try TagwireCLI.run(base + arguments)
            #expect(r.status == 64, "\(arguments)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/shop-example-com-web"), "nothing written")
        let ok = ["--domain", "www.shop.example.com", "--pixel-id", "1234567890123456", "--access-token-env", "T"]
        let made = try TagwireCLI.run(base + ok)
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains("shop-example-com-web"))
        let again = try TagwireCLI.run(base + ok)
        #expect(again.status == 64)
        #expect(again.stderr.contains("exists and is not empty; give --force"))
    }
}
