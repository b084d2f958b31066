import Foundation
import TagwireTestSupport
import Testing

/// The README's main job, as a user runs it: the built `tagwire` executable.
struct MainJobTests {
    @Test
    func theMainJobCommandRunsFromTheCLI() throws {
        let tagwire = Repository.executable("tagwire")
        try #require(FileManager.default.isExecutableFile(atPath: tagwire))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tagwire)
        p.arguments = [
            "run", "Properties/meta-quickstart-web", "--then", "Properties/meta-quickstart-edge", "--events",
            "Properties/meta-quickstart-web/fixtures/page-events.ndjson",
        ]
        p.currentDirectoryURL = Repository.root
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.allSatisfy { $0.contains("\"destination\":\"meta-capi\"") })
    }
}
