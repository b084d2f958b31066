import Dispatch
import Foundation

/// Child processes for async tests. Waiting for a process blocks a thread, so it happens on a Dispatch queue, never
/// on the cooperative pool that the in-process servers and clients need (the machine has two cores).
enum ChildProcess {
    /// Runs to completion; returns the exit status and standard output.
    static func run(_ executable: String, _ arguments: [String], directory: URL, environment: [String: String]) async throws -> (Int32, Data) {
        let p = try start(executable, arguments, directory: directory, environment: environment, captureOutput: true)
        return await wait(p)
    }

    /// Starts a process (output captured when asked, else discarded).
    static func start(_ executable: String, _ arguments: [String], directory: URL, environment: [String: String], captureOutput: Bool) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardOutput = captureOutput ? Pipe() : FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits for the process off the cooperative pool; returns its status and captured output.
    static func wait(_ p: Process) async -> (Int32, Data) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = (p.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
                p.waitUntilExit()
                continuation.resume(returning: (p.terminationStatus, data))
            }
        }
    }
}
