import Foundation

/// The files of a property directory, as property-relative paths and bytes, in a sorted, deterministic order.
public struct PropertySource: Sendable {
    /// One file of the property.
    public struct File: Sendable {
        public var path: String
        public var bytes: [UInt8]

        /// A file from its property-relative path and contents.
        public init(path: String, bytes: [UInt8]) {
            self.path = path
            self.bytes = bytes
        }
    }

    /// Where the property came from (a directory path), for messages.
    public var root: String
    /// Files sorted by path (byte order), whatever order the file system listed them in.
    public private(set) var files: [File]
    /// Problems met while listing (unreadable entries), as path and message.
    public var listingProblems: [(path: String, message: String)] = []

    /// A source from in-memory files (tests, benchmarks).
    public init(root: String, files: [File]) {
        self.root = root
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    /// Reads every regular file under `directory`, skipping hidden entries and `fixtures/`.
    public static func directory(_ directory: String) throws -> PropertySource {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw PropertySourceError(message: "'\(directory)' is not a property directory")
        }
        let base = URL(fileURLWithPath: directory).standardizedFileURL
        var files: [File] = []
        var problems: [(String, String)] = []
        func walk(_ url: URL, _ relative: String, depth: Int) {
            guard depth < 4 else { return }
            let names: [String]
            do {
                names = try fm.contentsOfDirectory(atPath: url.path)
            } catch {
                problems.append((relative, "cannot list directory"))
                return
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let rel = relative.isEmpty ? name : relative + "/" + name
                if rel == "fixtures" { continue }
                let child = url.appendingPathComponent(name)
                var childIsDir: ObjCBool = false
                guard fm.fileExists(atPath: child.path, isDirectory: &childIsDir) else { continue }
                if childIsDir.boolValue {
                    walk(child, rel, depth: depth + 1)
                } else if let data = fm.contents(atPath: child.path) {
                    files.append(File(path: rel, bytes: [UInt8](data)))
                } else {
                    problems.append((rel, "cannot read file"))
                }
            }
        }
        walk(base, "", depth: 0)
        var source = PropertySource(root: directory, files: files)
        source.listingProblems = problems
        return source
    }
}

/// A property directory that cannot be read at all.
public struct PropertySourceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
