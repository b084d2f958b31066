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

    /// Every regular file below `dir`, by path relative to it, with its bytes.
    public static func files(under dir: String) throws -> [String: Data] {
        guard let walk = FileManager.default.enumerator(atPath: dir) else { return [:] }
        var out: [String: Data] = [:]
        while let path = walk.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + path, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                out[path] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + path))
            }
        }
        return out
    }
}
