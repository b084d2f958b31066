import TagwireJSON

/// The source maps of a property's files, to turn a file and JSON pointer into a line and column.
public struct SourceFiles: Sendable {
    private var maps: [String: SourceMap] = [:]

    /// No files.
    public init() {}

    /// Registers a file's source map under its property-relative path.
    public mutating func add(_ file: String, _ map: SourceMap) {
        maps[file] = map
    }

    /// The source map of a file.
    public func map(_ file: String) -> SourceMap? { maps[file] }

    /// The same files named `prefix/<file>` (diagnostics of a property named relative to the current directory).
    public func prefixed(_ prefix: String) -> SourceFiles {
        var copy = SourceFiles()
        for (file, map) in maps { copy.maps[prefix + "/" + file] = map }
        return copy
    }

    /// A location for the value at `pointer` of `file` (or its nearest recorded ancestor).
    /// With `key: true`, the location of the member's name instead of its value.
    public func locate(_ file: String, _ pointer: String, key: Bool = false) -> SourceLocation {
        var loc = SourceLocation(file: file, pointer: pointer)
        guard let map = maps[file] else { return loc }
        let offset = key ? (map.keyOffset(pointer) ?? map.nearestValueOffset(pointer)) : map.nearestValueOffset(pointer)
        if let offset {
            let (line, column) = map.lineColumn(ofOffset: offset)
            loc.line = line
            loc.column = column
        }
        return loc
    }

    /// A location at a byte offset of `file`.
    public func locate(_ file: String, offset: Int, pointer: String = "") -> SourceLocation {
        var loc = SourceLocation(file: file, pointer: pointer)
        if let map = maps[file] {
            let (line, column) = map.lineColumn(ofOffset: offset)
            loc.line = line
            loc.column = column
        }
        return loc
    }

    /// The text of a line of a file, for snippets.
    public func lineText(_ file: String, _ line: Int) -> String? {
        maps[file]?.lineText(line)
    }
}
