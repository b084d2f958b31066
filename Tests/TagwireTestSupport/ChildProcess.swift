import Dispatch
import Foundation

/// Child processes for async tests. Waiting for a process blocks a thread, so it happens on a Dispatch queue, never
/// on the cooperative pool that the in-process servers and clients need (the machine has two cores).
public enum ChildProcess {
    /// Runs to completion; returns the exit status and standard output.
    public static func run(_ executable: String, _ arguments: [String], directory: URL, environment: [String: String])
        async throws -> (Int32, Data)
    {
        let p = try start(executable, arguments, directory: directory, environment: environment, captureOutput: true)
        return await wait(p)
    }

    /// Starts a process (output captured when asked, else discarded).
    public static func start(
        _ executable: String,
        _ arguments: [String],
        directory: URL,
        environment: [String: String],
        captureOutput: Bool
    ) throws -> Process {
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
    public static func wait(_ p: Process) async -> (Int32, Data) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let data = (p.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
                p.waitUntilExit()
                continuation.resume(returning: (p.terminationStatus, data))
            }
        }
    }
}

/// Standard output of a started process, read line by line off the cooperative pool.
public final class OutputLines: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()

    /// Lines of `process`'s captured standard output.
    public init(_ process: Process) {
        handle = (process.standardOutput as? Pipe)?.fileHandleForReading ?? FileHandle.nullDevice
    }

    /// The first line containing `text`, or nil at end of output or after `timeout` seconds.
    public func first(containing text: String, timeout: Double = 60) async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(timeout)
                while Date() < deadline {
                    while let newline = self.buffer.firstIndex(of: 0x0A) {
                        let line = String(decoding: self.buffer[self.buffer.startIndex..<newline], as: UTF8.self)
                        self.buffer.removeSubrange(self.buffer.startIndex...newline)
                        if line.contains(text) {
                            continuation.resume(returning: line)
                            return
                        }
                    }
                    let chunk = self.handle.availableData
                    if chunk.isEmpty {
                        continuation.resume(returning: nil)
                        return
                    }
                    self.buffer.append(chunk)
                }
                continuation.resume(returning: nil)
            }
        }
    }
}
