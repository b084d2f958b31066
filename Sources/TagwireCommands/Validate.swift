import ArgumentParser
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireJSON
import TagwireModel

/// `tagwire validate <property-dir>...`: every problem of every property, at once.
public struct Validate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Check properties and report every problem with file, line, column and JSON pointer.",
        discussion: """
            Diagnostics go to standard error, their files named relative to the current directory; a clean run \
            prints one line on standard output (ok: 2 properties, 20 rules, 15 data elements). Exit status: 0 when \
            there are no errors, 1 when there are, 64 for usage errors.

            Example:
              tagwire validate Properties/meta-quickstart-web Properties/meta-quickstart-edge
            """
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
        var json: [JSONValue] = []
        var counts = (properties: 0, rules: 0, dataElements: 0, warnings: 0)
        for dir in properties {
            guard let load = PropertyInput.load(dir) else {
                failed = true
                continue
            }
            let result = Compiler.validate(load, registry: BuiltInExtensions.all.contracts)
            switch format {
            case .text: PropertyInput.report(result.diagnostics, sources: result.sources, format: .text, property: dir)
            case .json: json += PropertyInput.json(result.diagnostics, property: dir)
            }
            let warnings = result.diagnostics.filter { $0.severity == .warning }.count
            if result.hasErrors || (warningsAsErrors && warnings > 0) { failed = true }
            counts.properties += 1
            counts.rules += load.propertySet?.rules.count ?? 0
            counts.dataElements += load.propertySet?.dataElements.count ?? 0
            counts.warnings += warnings
        }
        switch format {
        case .json: Output.err(JSONWriter(pretty: true).string(.array(json)) + "\n")
        case .text:
            if !failed {
                func count(_ n: Int, _ one: String, _ many: String) -> String { "\(n) \(n == 1 ? one : many)" }
                var line = "ok: " + count(counts.properties, "property", "properties")
                line += ", " + count(counts.rules, "rule", "rules") + ", "
                line += count(counts.dataElements, "data element", "data elements")
                if counts.warnings > 0 { line += " (" + count(counts.warnings, "warning", "warnings") + ")" }
                Output.out(line + "\n")
            }
        }
        if failed { throw ExitCode(1) }
    }
}
