import ArgumentParser
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireModel

/// `tagwire validate <property-dir>...`: every problem of every property, at once.
public struct Validate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Check properties and report every problem with file, line, column and JSON pointer.",
        discussion: "Exit status: 0 when there are no errors, 1 when there are, 64 for usage errors."
    )

    @Argument(help: "Property directories.")
    var properties: [String]

    @Option(help: "Diagnostic format: text or json.")
    var format: DiagnosticFormat = .text

    @Flag(help: "Treat warnings as errors.")
    var warningsAsErrors = false

    public init() {}

    public func validate() throws {
        if properties.isEmpty { throw ValidationError("give at least one property directory") }
    }

    public func run() async throws {
        var failed = false
        var all: [Diagnostic] = []
        for dir in properties {
            guard let load = PropertyInput.load(dir) else {
                failed = true
                continue
            }
            let result = Compiler.validate(load, registry: BuiltInExtensions.all.contracts)
            let prefix = properties.count > 1 ? dir : nil
            if format == .text {
                PropertyInput.report(result.diagnostics, sources: result.sources, format: .text, prefix: prefix)
            } else {
                all +=
                    prefix.map { p in result.diagnostics.map { PropertyInput.prefixed($0, p) } } ?? result.diagnostics
            }
            if result.hasErrors || (warningsAsErrors && result.diagnostics.contains { $0.severity == .warning }) {
                failed = true
            }
        }
        if format == .json {
            PropertyInput.report(all, sources: SourceFiles(), format: .json, prefix: nil)
        }
        if failed { throw ExitCode(1) }
    }
}
