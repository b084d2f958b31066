import Foundation

/// Where tests find the repository's files and the package's built executables.
public enum Repository {
    /// The repository root (this file is `Tests/TagwireTestSupport/Repository.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The absolute path of a file or directory given relative to the root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// An executable product built beside the test bundle that is running (the package's own build path, whatever
    /// the configuration or scratch folder).
    public static func executable(_ name: String) -> String {
        let runner = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        // The test runner is the bundle `…/debug/tagwirePackageTests.xctest`, or a file inside it.
        var bundle = runner
        while bundle.path != "/", bundle.pathExtension != "xctest" { bundle = bundle.deletingLastPathComponent() }
        let dir = bundle.path == "/" ? runner.deletingLastPathComponent() : bundle.deletingLastPathComponent()
        let beside = dir.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return root.appendingPathComponent(".build/debug/\(name)").path
    }
}
