import Foundation
import TagwireTestSupport
import Testing

/// What the command line says when it is used wrongly, and its help.
struct CLIMannersTests {
    @Test
    func anUnknownVerbIsNamedWithTheVerbsThereAre() throws {
        let r = try TagwireCLI.run(["vaildate", "Properties/meta-quickstart-web"])
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("error: 'vaildate' is not a tagwire command; did you mean 'validate'?\n"))
        let listed = r.stderr.split(separator: "\n").first { $0.hasPrefix("commands: ") } ?? ""
        for verb in ["quickstart", "init", "validate", "build", "run", "test", "diff", "connect", "serve", "outbox"] {
            #expect(listed.contains(verb + ","), "\(listed)")
        }
    }

    @Test
    func outboxCommandsRefuseADataDirectoryWithoutAnOutbox() throws {
        let root = try Scratch.directory("manners")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let missing = root + "/mistyped"
        for verb in [
            ["outbox", "stats"], ["outbox", "dead-letters"], ["outbox", "requeue"], ["outbox", "purge", "--yes"],
        ] {
            let r = try TagwireCLI.run(verb + ["--data-dir", missing])
            #expect(r.status == 64, "\(verb)")
            #expect(r.stderr.contains("'\(missing)' holds no outbox"), "\(verb): \(r.stderr)")
            #expect(r.stderr.contains("Usage: tagwire \(verb.prefix(2).joined(separator: " "))"), "\(r.stderr)")
        }
        let deliver = try TagwireCLI.run(
            [
                "deliver", "Properties/meta-quickstart-edge", "--data-dir", missing, "--until-empty",
            ],
            environment: ["META_ACCESS_TOKEN": "t"]
        )
        #expect(deliver.status == 64)
        #expect(deliver.stderr.contains("'\(missing)' holds no outbox"))
        #expect(!FileManager.default.fileExists(atPath: missing), "nothing was created")
    }

    @Test
    func purgeWithoutYesSaysWhatIsMissingWithItsOwnUsage() throws {
        let r = try TagwireCLI.run(["outbox", "purge"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("Error: purging deletes dead letters for good; add --yes\n"))
        #expect(r.stderr.contains("Usage: tagwire outbox purge"))
        #expect(r.stderr.contains("See 'tagwire outbox purge --help' for examples."))
    }

    @Test
    func everyCommandsHelpHasAnExample() throws {
        let root = try TagwireCLI.run(["--help"])
        // The SUBCOMMANDS section lists each verb first on its line.
        let section = try #require(root.stdout.components(separatedBy: "SUBCOMMANDS:").last)
        var verbs = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        verbs.removeAll { $0 == "See" }
        #expect(verbs.contains("test"))
        #expect(verbs.count >= 9)
        for verb in verbs {
            let help = try TagwireCLI.run([verb, "--help"])
            #expect(help.stdout.contains("Example:\n  tagwire \(verb)"), "tagwire \(verb) --help")
        }
        for (group, verb) in [
            ("outbox", "stats"), ("outbox", "dead-letters"), ("outbox", "requeue"), ("outbox", "purge"),
            ("quickstart", "validate"),
        ] {
            let help = try TagwireCLI.run([group, verb, "--help"])
            #expect(help.stdout.contains("Example:\n  tagwire \(group) \(verb)"), "tagwire \(group) \(verb) --help")
        }
    }
}
