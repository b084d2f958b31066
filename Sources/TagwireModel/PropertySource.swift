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

    /// The most files a property directory may hold; listing stops there.
    public static let maxFiles = 5_000
    /// The largest file read (the property file limit); a larger one is reported, not read.
    public static let maxFileBytes = 4 << 20

    /// Reads every regular file under `directory`, skipping hidden entries, `fixtures/` and `site/` (tests and demo pages, not property files).
    ///
    /// What a pull request could use to read files outside the property (a link to `/proc/self/environ` or
    /// `/etc/shadow`) is refused before anything is read: a link whose target lies outside the directory is reported
    /// with its target, never followed; an entry that is not a regular file (a FIFO, a device) is reported; a file
    /// over ``maxFileBytes`` is reported by its size; listing stops after ``maxFiles`` files.
    public static func directory(_ directory: String) throws -> PropertySource {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw PropertySourceError(message: "'\(directory)' is not a property directory")
        }
        let base = URL(fileURLWithPath: directory).standardizedFileURL
        let realBase = base.resolvingSymlinksInPath().path
        var files: [File] = []
        var problems: [(String, String)] = []
        var listed = 0
        func walk(_ url: URL, _ relative: String, depth: Int) {
            guard depth < 4 else { return }
            let names: [String]
            do {
                names = try fm.contentsOfDirectory(atPath: url.path)
            } catch {
                problems.append((relative, "cannot list directory '\(relative)'"))
                return
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let rel = relative.isEmpty ? name : relative + "/" + name
                if rel == "fixtures" || rel == "site" { continue }
                guard listed < maxFiles else {
                    problems.append((rel, "the property has more than \(maxFiles) files; the rest were not read"))
                    return
                }
                let child = url.appendingPathComponent(name)
                var st = stat()
                guard lstat(child.path, &st) == 0 else { continue }
                var target = child.path
                if st.st_mode & S_IFMT == S_IFLNK {
                    // Followed only when what it points at, every link resolved, lies inside the property.
                    let written = (try? fm.destinationOfSymbolicLink(atPath: child.path)) ?? "?"
                    let real = child.resolvingSymlinksInPath().path
                    guard real.hasPrefix(realBase + "/"), stat(real, &st) == 0 else {
                        problems.append(
                            (rel, "'\(rel)' is a link to '\(written)', outside the property directory; it was not read")
                        )
                        continue
                    }
                    target = real
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    walk(URL(fileURLWithPath: target), rel, depth: depth + 1)
                case S_IFREG:
                    listed += 1
                    guard Int(st.st_size) <= maxFileBytes else {
                        problems.append(
                            (rel, "'\(rel)' is \(st.st_size) bytes, over the limit of \(maxFileBytes); it was not read")
                        )
                        continue
                    }
                    if let data = fm.contents(atPath: target), data.count <= maxFileBytes {
                        files.append(File(path: rel, bytes: [UInt8](data)))
                    } else {
                        problems.append((rel, "cannot read file '\(rel)'"))
                    }
                default:
                    problems.append((rel, "'\(rel)' is not a regular file (a device, socket or pipe); it was not read"))
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
