import Foundation
import TagwireTestSupport
import Testing

/// The README's main job, as a user runs it: the built `tagwire` executable.
struct MainJobTests {
    @Test
    func theMainJobCommandRunsFromTheCLI() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Repository.executable("tagwire")))
        let result = try TagwireCLI.run([
            "run", "Properties/meta-quickstart-web", "--then", "Properties/meta-quickstart-edge", "--events",
            "Properties/meta-quickstart-web/fixtures/page-events.ndjson", "--allow-missing-secrets",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.allSatisfy { $0.contains("\"destination\":\"meta-capi\"") })
    }
}
