import Foundation
import TagwireIR
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire build`, `run` and `validate` as a user runs them: the built executable, its output and exit codes.
struct BuildAndValidateTests {
    static let examples = ["Properties/meta-quickstart-web", "Properties/meta-quickstart-edge"]

    /// A broken property of the compiler's golden cases.
    static func fixture(_ name: String) -> String {
        Repository.path("Tests/TagwireCompilerTests/Fixtures/diagnostics/\(name)/property")
    }

    @Test
    func noSecretValueIsEverInsideABuild() throws {
        let secret = "EAAG-super-secret-token-\(UUID().uuidString)"
        let tmp = try Scratch.directory("cli")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let result = try TagwireCLI.run(
            ["build", Self.examples[1], "--environment", "production", "--out", tmp],
            environment: ["META_ACCESS_TOKEN": secret]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let dir = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for file in ["library.json", "manifest.json"] {
            let text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            #expect(!text.contains(secret))
            #expect(!text.contains("super-secret"))
        }
        let manifest = try JSONReader.parse(
            Array(try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8).utf8)
        )
        #expect(manifest["stage"] == "production")
        #expect(manifest["platform"] == "edge")
        #expect(manifest["contentHash"]?.stringValue?.hasPrefix("sha256:") == true)
        #expect(manifest["tagwireVersion"] == .string(TagwireVersion.current))
        #expect(manifest["sourceRevision"] != nil)
    }

    @Test
    func buildPrintsTheArtifactPathAndRunAcceptsIt() throws {
        let tmp = try Scratch.directory("cli")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let built = try TagwireCLI.run(["build", Self.examples[1], "--out", tmp])
        #expect(built.status == 0)
        let dir = built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: dir + "/library.json"))
        let event =
            #"{"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/"}}},"data":{"eventName":"Lead","meta":{"userData":{"email":"a@b.co"},"conversionData":{"eventId":"e1"}}},"request":{"ip":"203.0.113.1","headers":{"user-agent":"UA"}}}"#
        let token = ["META_ACCESS_TOKEN": "t"]
        let fromArtifact = try TagwireCLI.run(
            ["run", dir, "--events", "-", "--now", "1764374400"],
            environment: token,
            stdin: event + "\n"
        )
        let fromSources = try TagwireCLI.run(
            ["run", Self.examples[1], "--events", "-", "--now", "1764374400"],
            environment: token,
            stdin: event + "\n"
        )
        #expect(fromArtifact.status == 0)
        #expect(fromArtifact.stdout == fromSources.stdout)
        #expect(fromArtifact.stdout.contains("\"destination\":\"meta-capi\""))
    }

    @Test
    func validateExitCodes() throws {
        let clean = try TagwireCLI.run(["validate"] + Self.examples)
        #expect(clean.status == 0)
        #expect(clean.stderr.isEmpty)
        func files(_ sub: String) throws -> Int {
            try Self.examples.reduce(0) {
                $0
                    + (try FileManager.default.contentsOfDirectory(atPath: Repository.path($1 + "/" + sub)).filter {
                        $0.hasSuffix(".json")
                    }.count)
            }
        }
        #expect(
            clean.stdout
                == "ok: \(Self.examples.count) properties, \(try files("rules")) rules, \(try files("data-elements")) data elements\n"
        )
        let broken = try TagwireCLI.run([
            "validate", Self.fixture("compile-unresolved-reference"),
        ])
        #expect(broken.status == 1)
        #expect(
            broken.stderr.contains(
                "Tests/TagwireCompilerTests/Fixtures/diagnostics/compile-unresolved-reference/property/rules/purchase.json:17:20: error[compile.unresolved-reference]: data element 'Cart Valeu' is not defined"
            )
        )
        let usage = try TagwireCLI.run(["validate"])
        #expect(usage.status == 64)
        let warnings = try TagwireCLI.run([
            "validate", "--warnings-as-errors",
            Self.fixture("compile-unused-data-element"),
        ])
        #expect(warnings.status == 1)
    }

    @Test
    func validateFormatJSONGivesTheSameDiagnostics() throws {
        let dir = Self.fixture("compile-unresolved-reference")
        let result = try TagwireCLI.run(["validate", "--format", "json", dir])
        #expect(result.status == 1)
        let list = try #require(try JSONReader.parse(Array(result.stderr.utf8)).arrayValue)
        #expect(list.count == 1)
        let d = try #require(list.first)
        #expect(d["id"] == "compile.unresolved-reference")
        // Named relative to the directory the command ran in (the repository), with the property.
        let property = "Tests/TagwireCompilerTests/Fixtures/diagnostics/compile-unresolved-reference/property"
        #expect(d["file"] == .string(property + "/rules/purchase.json"))
        #expect(d["property"] == .string(property))
        #expect(d["line"] == 17)
        #expect(d["column"] == 20)
        #expect(d["pointer"] == "/actions/0/settings/parameters/value")
        #expect(d["notes"]?.arrayValue?.first?["message"] == "did you mean 'Cart Value'?")
    }
}
