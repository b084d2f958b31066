import ArgumentParser
import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireModel

/// `tagwire build <property-dir> --out DIR`: compile one library into a published, content-addressed artifact.
public struct Build: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Compile a library into a deterministic, content-addressed artifact and print its path."
    )

    @Argument(help: "The property directory.")
    var property: String

    @Option(help: "The library to build (default: main).")
    var library: String?

    @Option(help: "The environment to build for (default: development).")
    var environment: String?

    @Option(help: "Directory the artifact is written under.")
    var out: String

    @Option(help: "Diagnostic format: text or json.")
    var format: DiagnosticFormat = .text

    @Flag(help: "Treat warnings as errors.")
    var warningsAsErrors = false

    public init() {}

    public func run() async throws {
        guard let load = PropertyInput.load(property) else { throw ExitCode(1) }
        let result = Compiler.compile(
            load,
            options: CompileOptions(library: library, environment: environment),
            registry: BuiltInExtensions.all.contracts
        )
        if !result.diagnostics.isEmpty {
            PropertyInput.report(result.diagnostics, sources: result.sources, format: format, prefix: nil)
        }
        let warningsFail = warningsAsErrors && result.diagnostics.contains { $0.severity == .warning }
        guard let graph = result.graph, !warningsFail else { throw ExitCode(1) }
        let published = PublishedLibrary(graph: graph, sourceRevision: PropertyInput.gitRevision(property))
        let dir = (out as NSString).appendingPathComponent(published.directoryName)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(published.libraryBytes).write(
                to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("library.json"))
            )
            try Data(published.manifestBytes).write(
                to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("manifest.json"))
            )
        } catch {
            Output.err("error: cannot write the artifact to '\(dir)': \(error.localizedDescription)\n")
            throw ExitCode(1)
        }
        Output.out(dir + "\n")
    }
}
