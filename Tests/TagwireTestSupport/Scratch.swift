import Foundation

/// Scratch places for tests that run the binaries or a database.
public enum Scratch {
    /// A new, empty directory under the system's temporary directory (the caller removes it).
    public static func directory(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "tagwire-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A table name no other test uses (letters, digits and `_`).
    public static func tableName(_ prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }
}
