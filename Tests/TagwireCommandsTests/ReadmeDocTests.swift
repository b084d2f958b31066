import Foundation
import TagwireTestSupport
import Testing

/// The README's shell examples, run as printed, so that they cannot rot: each `sh` block runs in `bash` with
/// `set -euo pipefail`, in a scratch directory holding a copy of `Properties/`, with the built binaries on `PATH` and
/// `swift run <product>` answered by the built product. Background jobs a block starts are stopped when it ends. A
/// block preceded by `<!-- doctest: skip (reason) -->` is not run. A block preceded by `<!-- doctest: serves URL -->`
/// ends with a server that runs until stopped: it is started in the background and the block passes when URL
/// answers. One block at a time: two use the same ports.
@Suite(.serialized)
struct ReadmeDocTests {
    struct Block: CustomTestStringConvertible, Sendable {
        var line: Int
        var code: String
        var testDescription: String { "README.md:\(line)" }
    }

    static var blocks: [Block] {
        guard let text = try? String(contentsOfFile: Repository.path("README.md"), encoding: .utf8) else { return [] }
        let lines = text.components(separatedBy: "\n")
        var blocks: [Block] = []
        var i = 0
        while i < lines.count {
            guard lines[i] == "```sh" else {
                i += 1
                continue
            }
            let start = i + 1
            let previous = lines[..<i].last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
            var end = start
            while end < lines.count, lines[end] != "```" { end += 1 }
            let serves =
                previous.hasPrefix("<!-- doctest: serves ")
                ? previous.dropFirst("<!-- doctest: serves ".count).split(separator: " ").first.map(String.init) : nil
            if !previous.hasPrefix("<!-- doctest: skip") {
                var code = lines[start..<end].joined(separator: "\n")
                if let serves {
                    code += " &\ncurl -fsS --retry-connrefused --retry 170 --retry-delay 1 \(serves)"
                }
                blocks.append(Block(line: start + 1, code: code))
            }
            i = end + 1
        }
        return blocks
    }

    @Test
    func theReadmeHasRunnableExamplesAndSaysWhySomeAreSkipped() throws {
        let text = try String(contentsOfFile: Repository.path("README.md"), encoding: .utf8)
        #expect(Self.blocks.count >= 4)
        for line in text.components(separatedBy: "\n") where line.hasPrefix("<!-- doctest:") {
            let skip = line.hasPrefix("<!-- doctest: skip (") && line.hasSuffix(") -->")
            let serves = line.hasPrefix("<!-- doctest: serves http") && line.hasSuffix(" -->")
            #expect(skip || serves, "\(line)")
        }
    }

    @Test(arguments: blocks)
    func runsAsPrinted(_ block: Block) throws {
        let dir = try Scratch.directory("readme")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: Repository.path("Properties"), toPath: dir + "/Properties")
        let bin = (Repository.executable("tagwire") as NSString).deletingLastPathComponent
        let shims = dir + "/.shims"
        try FileManager.default.createDirectory(atPath: shims, withIntermediateDirectories: true)
        let swift = """
            #!/bin/sh
            # `swift run <product> args` runs the product the tests built.
            if [ "$1" = run ]; then shift; product="$1"; shift; exec "\(bin)/$product" "$@"; fi
            echo "README doc test: only 'swift run <product>' is available here" >&2
            exit 1
            """
        try swift.write(toFile: shims + "/swift", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shims + "/swift")
        let script = """
            set -euo pipefail
            trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
            \(block.code)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["timeout", "180", "bash", "-c", script]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = shims + ":" + bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        env["META_ACCESS_TOKEN"] = nil
        p.environment = env
        let out = Pipe()
        let errorFile = dir + "/.stderr"
        #expect(FileManager.default.createFile(atPath: errorFile, contents: nil))
        let errors = try #require(FileHandle(forWritingAtPath: errorFile))
        p.standardOutput = out
        p.standardError = errors
        try p.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try errors.close()
        let stderr = (try? String(contentsOfFile: errorFile, encoding: .utf8)) ?? ""
        #expect(p.terminationStatus == 0, "README.md:\(block.line) exited \(p.terminationStatus)\n\(output)\n\(stderr)")
        #expect(!output.isEmpty, "README.md:\(block.line) printed nothing")
    }
}
