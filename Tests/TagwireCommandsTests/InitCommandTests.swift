import Foundation
import TagwireJSON
import TagwireTestSupport
import Testing

/// `tagwire init`: a new property that validates, builds and passes its own fixture case as it is.
struct InitCommandTests {
    @Test(arguments: ["web", "edge"])
    func aNewPropertyValidatesBuildsAndPassesItsCase(_ platform: String) throws {
        let root = try Scratch.directory("init")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/props/shop-\(platform)"
        let made = try TagwireCLI.run(["init", dir, "--platform", platform])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stdout.contains(dir + "/property.json\n"))
        #expect(made.stdout.contains(dir + "/environments/production.json\n"))

        let validate = try TagwireCLI.run(["validate", dir])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout.hasPrefix("ok: 1 property, 1 rule, "))
        #expect(validate.stderr.isEmpty, "no warnings either: \(validate.stderr)")
        let build = try TagwireCLI.run(["build", dir, "--out", root + "/out"])
        #expect(build.status == 0, "\(build.stderr)")
        let test = try TagwireCLI.run(["test", dir, "--coverage", "--threshold", "100"])
        #expect(test.status == 0, "\(test.stdout)")
        #expect(test.stdout.hasSuffix("1 passed, 0 failed\n"))

        // Every $schema link names a schema file, written beside the property since none was above it.
        #expect(FileManager.default.fileExists(atPath: root + "/props/Schemas/rule.schema.json"))
        var links = 0
        for (path, bytes) in try Scratch.files(under: dir) where path.hasSuffix(".json") {
            let file = dir + "/" + path
            let doc = try JSONReader.parse([UInt8](bytes))
            let link = try #require(doc["$schema"]?.stringValue, "\(path)")
            let target = ((file as NSString).deletingLastPathComponent as NSString).appendingPathComponent(link)
            #expect(FileManager.default.fileExists(atPath: target), "\(path): \(link)")
            links += 1
        }
        #expect(links >= 6)
        // Named after the directory.
        let property = try JSONReader.parse(try String(contentsOfFile: dir + "/property.json", encoding: .utf8))
        #expect(property["name"] == .string("shop-\(platform)"))
        #expect(property["platform"] == .string(platform))
    }

    @Test
    func theNearestSchemasAboveAreLinkedAndANonEmptyDirectoryIsRefused() throws {
        let root = try Scratch.directory("init")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.copyItem(atPath: Repository.path("Schemas"), toPath: root + "/Schemas")
        let dir = root + "/properties/deep/acme"
        let made = try TagwireCLI.run(["init", dir, "--platform", "edge", "--name", "acme-edge"])
        #expect(made.status == 0, "\(made.stderr)")
        let rule = try JSONReader.parse(try String(contentsOfFile: dir + "/rules/lead.json", encoding: .utf8))
        #expect(rule["$schema"] == "../../../../Schemas/rule.schema.json")
        #expect(!FileManager.default.fileExists(atPath: root + "/properties/deep/Schemas"))

        let again = try TagwireCLI.run(["init", dir, "--platform", "edge"])
        #expect(again.status == 64)
        #expect(again.stderr.contains("'\(dir)' exists and is not empty"))
        let badPlatform = try TagwireCLI.run(["init", root + "/x", "--platform", "server"])
        #expect(badPlatform.status == 64)
        #expect(badPlatform.stderr.contains("server"))
    }
}
