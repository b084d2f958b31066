import ArgumentParser
import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireJSON
import TagwireModel
import TagwireWeb

/// `tagwire build <property-dir> --out DIR`: compile one library into a published, content-addressed artifact.
public struct Build: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Compile a library into a deterministic, content-addressed artifact and print its path.",
        discussion: "Example:\n  tagwire build Properties/meta-quickstart-edge --environment production --out out/"
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

    @Option(
        help: ArgumentHelp(
            "Where a web library's files are hosted (a URL or path; the embed code loads <base>/<property>/<file>).",
            valueName: "URL"
        )
    )
    var assetBase = ""

    public init() {}

    public func run() async throws {
        let (dir, web) = try Self.publish(
            property: property,
            library: library,
            environment: environment,
            out: out,
            assetBase: assetBase,
            format: format,
            warningsAsErrors: warningsAsErrors
        )
        // Standard output carries the artifact path alone, for scripts; the embed code is for the person.
        if let web {
            Output.err(
                """
                Embed code (in the <head> of every page; upload \(web.minifiedName) to <asset base>/\(web.folder)/):
                  \(web.embedCode(base: assetBase))
                Or, to keep the page unchanged across publishes, the per-environment name (short cache lifetime):
                  \(web.stableEmbedCode(base: assetBase))
                For `_tagwire.track` calls made before the library loads, put this before the embed code:
                  \(WebLibrary.queueSnippet)

                """
            )
        }
        Output.out(dir + "\n")
    }

    /// Compiles and writes a library's artifact (and a web property's browser files); its directory and, for a web
    /// property, its browser library. Problems are reported on standard error (exit 1).
    static func publish(
        property: String,
        library: String?,
        environment: String?,
        out: String,
        assetBase: String,
        format: DiagnosticFormat,
        warningsAsErrors: Bool
    ) throws -> (dir: String, web: WebLibrary?) {
        guard let load = PropertyInput.load(property) else { throw ExitCode(1) }
        let result = Compiler.compile(
            load,
            options: CompileOptions(library: library, environment: environment),
            registry: BuiltInExtensions.all.contracts
        )
        if !result.diagnostics.isEmpty {
            PropertyInput.report(result.diagnostics, sources: result.sources, format: format, property: property)
        }
        let warningsFail = warningsAsErrors && result.diagnostics.contains { $0.severity == .warning }
        guard let graph = result.graph, !warningsFail else { throw ExitCode(1) }
        var published = PublishedLibrary(graph: graph, sourceRevision: PropertyInput.gitRevision(property))
        var files: [(String, [UInt8])] = [("library.json", published.libraryBytes)]
        var web: WebLibrary?
        if graph.isWeb {
            do {
                let library = try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
                files += [
                    (library.readableName, library.readable), (library.minifiedName, library.minified),
                    (library.stableName, library.minified),
                    ("embed.html", Array((library.embedCode(base: assetBase) + "\n").utf8)),
                ]
                published.manifest = Self.withBrowserFiles(published.manifest, library)
                web = library
            } catch {
                Output.err("error: \(property): \(error.message)\n")
                throw ExitCode(1)
            }
        }
        files.append(("manifest.json", published.manifestBytes))
        let dir = (out as NSString).appendingPathComponent(published.directoryName)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (name, bytes) in files {
                try Data(bytes).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(name)))
            }
        } catch {
            Output.err("error: cannot write the artifact to '\(dir)': \(error.localizedDescription)\n")
            throw ExitCode(1)
        }
        return (dir, web)
    }

    /// The manifest with the names and integrity of the browser files.
    static func withBrowserFiles(_ manifest: JSONValue, _ library: WebLibrary) -> JSONValue {
        guard case .object(var o) = manifest else { return manifest }
        o["browser"] = .object(
            JSONObject([
                ("folder", .string(library.folder)),
                ("readable", .string(library.readableName)), ("minified", .string(library.minifiedName)),
                ("stable", .string(library.stableName)), ("integrity", .string(library.integrity)),
            ])
        )
        return .object(o)
    }
}
