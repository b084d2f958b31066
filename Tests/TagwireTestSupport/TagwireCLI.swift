import Foundation

/// Runs the built `tagwire` executable and captures its output.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// The built `tagwire`, run from the repository root.
public enum TagwireCLI {
    /// Runs it with `arguments`, `environment` added to this process's (less the variables in `unset`), and
    /// `stdin` as standard input.
    public static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        unset: [String] = [],
        stdin: String? = nil
    ) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repository.executable("tagwire"))
        p.arguments = arguments
        p.currentDirectoryURL = Repository.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        for k in unset { env[k] = nil }
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CommandResult(
            status: p.terminationStatus,
            stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self)
        )
    }

    /// ``run(_:environment:unset:stdin:)`` waited for off the cooperative pool, for tests that serve the command
    /// from the same process (a blocked pool thread would leave the in-process server without one).
    public static func runOffPool(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> CommandResult
    {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(arguments, environment: environment) })
            }
        }
    }
}
