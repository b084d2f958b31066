import ArgumentParser
import TagwireIR

/// The `tagwire` command: validate, build and run properties.
public struct TagwireCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tagwire",
        abstract: "Tag management and server-side event forwarding, with rules reviewed in git.",
        version: TagwireVersion.current,
        subcommands: [
            Validate.self, Build.self, Run.self, Test.self, EMQ.self, Serve.self, Deliver.self, OutboxCommand.self,
            Schemas.self,
        ]
    )

    public init() {}
}

/// How diagnostics are written.
public enum DiagnosticFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text, json
}
