import Foundation
import TagwireCompiler
import TagwireModel
import TagwireTestSupport

/// The example properties, relative to the repository root.
enum Repo {
    static let examples = ["Properties/meta-quickstart-web", "Properties/meta-quickstart-edge"]
}

/// A temporary directory removed at the end of a test.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "tagwire-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs the built `tagwire` executable and captures its output.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Tagwire {
    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) throws
        -> CommandResult
    {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repository.executable("tagwire"))
        p.arguments = arguments
        p.currentDirectoryURL = Repository.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
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
}
