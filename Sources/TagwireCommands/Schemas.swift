import ArgumentParser
import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireJSON

/// `tagwire schemas --out DIR`: write the JSON Schemas of every property file kind.
public struct Schemas: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Write the JSON Schemas (2020-12) of property files, generated from the built-in extensions.",
        discussion: "Example:\n  tagwire schemas --out Schemas"
    )

    @Option(help: "Directory to write the schemas into.")
    var out: String = "Schemas"

    public init() {}

    public func run() async throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (name, schema) in SchemaGenerator.schemas(registry: BuiltInExtensions.all.contracts) {
            let path = (out as NSString).appendingPathComponent(name)
            try Data(PropertyFiles.jsonFile(schema)).write(to: URL(fileURLWithPath: path))
            Output.out(path + "\n")
        }
    }
}
