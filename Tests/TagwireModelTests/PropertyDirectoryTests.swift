import Foundation
import TagwireDiagnostics
import TagwireModel
import TagwireTestSupport
import Testing

/// Reading a property directory from a pull request: nothing outside it is read, nothing that is not a regular file,
/// nothing too large, and what is reported never shows bytes that are not text.
struct PropertyDirectoryTests {
    static let property = #"{"name": "shop", "platform": "edge"}"#

    static func withProperty(_ body: (String) throws -> Void) throws {
        let dir = try Scratch.directory("property")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/p/rules", withIntermediateDirectories: true)
        try Self.property.write(toFile: dir + "/p/property.json", atomically: true, encoding: .utf8)
        try body(dir)
    }

    /// `tagwire validate`'s text for the property at `dir/p`.
    static func rendered(_ dir: String) throws -> (text: String, ids: [String], paths: [String]) {
        let source = try PropertySource.directory(dir + "/p")
        let load = PropertyLoader.load(source)
        let diagnostics = load.diagnostics.diagnostics
        return (
            TextDiagnosticRenderer(sources: load.sources).render(diagnostics), diagnostics.map(\.id),
            source.files.map(\.path)
        )
    }

    @Test(arguments: ["/proc/self/environ", "outside.json", "../outside.json"])
    func aLinkOutOfThePropertyIsNamedAndNeverRead(_ target: String) throws {
        try Self.withProperty { dir in
            try #"{"name": "SECRET-VALUE"}"#.write(toFile: dir + "/outside.json", atomically: true, encoding: .utf8)
            let written = target == "outside.json" ? dir + "/outside.json" : target
            try FileManager.default.createSymbolicLink(atPath: dir + "/p/rules/evil.json", withDestinationPath: written)
            let (text, ids, paths) = try Self.rendered(dir)
            #expect(ids == ["model.unreadable-file"])
            #expect(!paths.contains("rules/evil.json"))
            #expect(
                text.contains(
                    "error[model.unreadable-file]: 'rules/evil.json' is a link to '\(written)', outside the property directory; it was not read"
                ),
                "\(text)"
            )
            #expect(!text.contains("SECRET-VALUE") && !text.contains("PATH="))
        }
    }

    @Test
    func aLinkInsideThePropertyIsRead() throws {
        try Self.withProperty { dir in
            try FileManager.default.createDirectory(atPath: dir + "/p/shared", withIntermediateDirectories: true)
            try
                #"{"name": "Lead", "actions": [{"type": "http.send-request", "settings": {"url": "https://x.example/"}}]}"#
                .write(toFile: dir + "/p/shared/lead.json", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(
                atPath: dir + "/p/rules/lead.json",
                withDestinationPath: "../shared/lead.json"
            )
            let (_, _, paths) = try Self.rendered(dir)
            #expect(paths.contains("rules/lead.json"))
        }
    }

    @Test
    func aPipeIsReportedNotRead() throws {
        try Self.withProperty { dir in
            #expect(mkfifo(dir + "/p/rules/pipe.json", 0o600) == 0)
            let (text, ids, _) = try Self.rendered(dir)
            #expect(ids == ["model.unreadable-file"])
            #expect(text.contains("'rules/pipe.json' is not a regular file"))
        }
    }

    @Test
    func aFileOverTheLimitIsReportedByItsSizeWithoutReadingIt() throws {
        try Self.withProperty { dir in
            let path = dir + "/p/rules/huge.json"
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            // A sparse file: its size is set, nothing is written.
            #expect(truncate(path, off_t(PropertySource.maxFileBytes + 1)) == 0)
            let (text, ids, paths) = try Self.rendered(dir)
            #expect(ids == ["model.unreadable-file"])
            #expect(!paths.contains("rules/huge.json"))
            #expect(text.contains("'rules/huge.json' is \(PropertySource.maxFileBytes + 1) bytes, over the limit"))
        }
    }

    @Test
    func listingStopsAfterTheMostFilesAProperyMayHold() throws {
        try Self.withProperty { dir in
            for i in 0..<PropertySource.maxFiles {
                #expect(FileManager.default.createFile(atPath: dir + "/p/rules/r\(i).txt", contents: Data("x".utf8)))
            }
            let (text, _, paths) = try Self.rendered(dir)
            #expect(paths.count == PropertySource.maxFiles)
            #expect(text.contains("the property has more than \(PropertySource.maxFiles) files"))
        }
    }

    @Test
    func snippetsShowNoControlBytesAndStayNarrow() throws {
        try Self.withProperty { dir in
            var bytes = Array("{\"name\": \"Lead\", \"x\": \"".utf8)
            bytes += Array(repeating: 0x41, count: 10_000) + [0x00, 0x01, 0xFF, 0x1B] + Array("\"".utf8)
            #expect(FileManager.default.createFile(atPath: dir + "/p/rules/lead.json", contents: Data(bytes)))
            let (text, ids, _) = try Self.rendered(dir)
            #expect(!ids.isEmpty)
            let snippet = try #require(text.split(separator: "\n").first { $0.hasPrefix("   | ") && $0.contains("A") })
            #expect(snippet.unicodeScalars.count <= TextDiagnosticRenderer.snippetWidth + 7)
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        }
    }

    @Test
    func aLongLineIsCutAroundTheColumnWithTheCaretUnderIt() throws {
        let line = String(repeating: "a", count: 300) + "X" + String(repeating: "b", count: 300)
        let (text, caret) = TextDiagnosticRenderer.snippet(line, column: 301)
        #expect(text.hasPrefix("…") && text.hasSuffix("…"))
        let scalars = Array(text.unicodeScalars)
        let at = try #require(caret)
        #expect(scalars[at] == "X")
        #expect(TextDiagnosticRenderer.snippet("a\u{0}b\tc", column: 1).text == "a\u{FFFD}b c")
    }
}
