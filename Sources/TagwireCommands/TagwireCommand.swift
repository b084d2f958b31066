import ArgumentParser
import Foundation
import TagwireDiagnostics
import TagwireIR

/// The `tagwire` command: validate, build and run properties.
public struct TagwireCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tagwire",
        abstract: "Tag management and server-side event forwarding, with rules reviewed in git.",
        version: TagwireVersion.current,
        subcommands: [
            Quickstart.self, Init.self, Validate.self, Build.self, Run.self, Test.self, Diff.self, Connect.self,
            EMQ.self, Serve.self,
            Deliver.self,
            OutboxCommand.self,
            Schemas.self,
        ]
    )

    public init() {}

    /// The verbs, as typed.
    static var verbs: [String] { configuration.subcommands.map { $0._commandName } }

    /// Runs the command line. Unlike ArgumentParser's own `main`, an unknown verb is named with the verbs there are,
    /// and a usage error found while a command runs is shown with that command's usage, not the root's.
    public static func run(_ arguments: [String]) async {
        if let first = arguments.first, !first.hasPrefix("-"), first != "help", !verbs.contains(first) {
            var message = "error: '\(first)' is not a tagwire command"
            if let hint = Suggestions.didYouMean(first, in: verbs) { message += "; \(hint)" }
            message += "\ncommands: \(verbs.joined(separator: ", "))\nSee 'tagwire --help' for what each does.\n"
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            // `diff` keeps 1 for "something changed", so its usage errors exit 2, as diff(1)'s do.
            if arguments.first == Diff._commandName, exitCode(for: error) != .success {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        do {
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                var sync = command
                try sync.run()
            }
        } catch let error as ValidationError {
            let usage = usageString(for: type(of: command))
            let name = type(of: command)._commandName
            let text =
                "Error: \(error)\nUsage: \(usage)\n  See 'tagwire \(commandPath(of: type(of: command)) ?? name) --help' for examples.\n"
            FileHandle.standardError.write(Data(text.utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// `outbox purge` for the purge subcommand: the verbs leading to a command.
    static func commandPath(of command: any ParsableCommand.Type) -> String? {
        func search(_ node: any ParsableCommand.Type, _ path: [String]) -> String? {
            for sub in node.configuration.subcommands {
                let p = path + [sub._commandName]
                if sub == command { return p.joined(separator: " ") }
                if let found = search(sub, p) { return found }
            }
            return nil
        }
        return search(TagwireCommand.self, [])
    }
}

/// How diagnostics are written.
public enum DiagnosticFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case text, json
}
