import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireTestSupport
import TagwireWeb
import Testing

/// Runs journeys in headless Chromium through Browser/journeys.py, and writes the properties the browser tests use.
enum ChromiumHarness {

    /// What journeys.py printed: the browser's user agent and the loopback port, then one result per job.
    struct Run {
        var userAgent: String
        var port: Int
        var results: [JSONValue]
    }

    static func run(_ jobs: [JSONValue], in scratch: String) async throws -> Run {
        let jobFile = scratch + "/jobs.json"
        try Data(JSONWriter().bytes(.array(jobs))).write(to: URL(fileURLWithPath: jobFile))
        let (status, output) = try await ChildProcess.run(
            "/usr/bin/env",
            ["python3", Repository.path("Tests/TagwireWebTests/Browser/journeys.py"), jobFile],
            directory: Repository.root,
            environment: [:]
        )
        #expect(status == 0, "journeys.py exited with \(status)")
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
        try #require(lines.count == jobs.count + 1, "journeys.py printed \(lines.count) lines for \(jobs.count) jobs")
        let header = try JSONReader.parse(Array(lines[0].utf8))
        return Run(
            userAgent: try #require(header["userAgent"]?.stringValue),
            port: Int(try #require(header["port"]?.numberValue)),
            results: try lines.dropFirst().map { try JSONReader.parse(Array($0.utf8)) }
        )
    }

    /// Writes a property's files (paths relative to `dir`) and compiles it.
    static func property(_ files: [String: JSONValue], in dir: String) throws -> RuleGraph {
        for (path, value) in files {
            let url = URL(fileURLWithPath: dir + "/" + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try Data(JSONWriter(pretty: true).bytes(value)).write(to: url)
        }
        let load = PropertyLoader.load(try PropertySource.directory(dir))
        let result = Compiler.compile(load, registry: BuiltInExtensions.all.contracts)
        return try #require(result.graph, "\(result.diagnostics.map { $0.message })")
    }

    /// Builds the graph's library and writes its readable or minified file; returns the path.
    static func library(_ graph: RuleGraph, readable: Bool, to path: String) throws -> String {
        let library = try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
        try Data(readable ? library.readable : library.minified).write(to: URL(fileURLWithPath: path))
        return path
    }
}
