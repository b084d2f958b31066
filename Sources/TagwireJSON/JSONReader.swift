/// A problem the JSON reader found, at a byte offset of its input.
///
/// `id` is a stable diagnostic identifier in the `json.` domain (for example `json.trailing-comma`). Fatal issues
/// stop the parse; the others (duplicate keys, trailing commas) are collected and the parse goes on, so one run
/// reports them all.
public struct JSONIssue: Error, Sendable, Hashable {
    public var id: String
    public var message: String
    public var offset: Int
    public var help: String?
    public var noteMessage: String?
    public var noteOffset: Int?
    public var fatal: Bool

    /// An issue with its location and optional help and note.
    public init(
        id: String,
        message: String,
        offset: Int,
        help: String? = nil,
        noteMessage: String? = nil,
        noteOffset: Int? = nil,
        fatal: Bool = true
    ) {
        self.id = id
        self.message = message
        self.offset = offset
        self.help = help
        self.noteMessage = noteMessage
        self.noteOffset = noteOffset
        self.fatal = fatal
    }
}

/// Limits and options for ``JSONReader``.
public struct JSONReaderOptions: Sendable {
    /// The deepest nesting of arrays and objects accepted (documented limit: 64 for property files and events).
    public var maxDepth: Int
    /// The largest input accepted, in bytes (documented limit: 4 MiB for property files).
    public var maxBytes: Int
    /// Keep the text so positions can be located for diagnostics (property files); off for events.
    public var recordPositions: Bool

    /// Options with the documented defaults.
    public init(maxDepth: Int = 64, maxBytes: Int = 4 * 1024 * 1024, recordPositions: Bool = false) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.recordPositions = recordPositions
    }

    /// The limits for property files: positions recorded.
    public static let propertyFile = JSONReaderOptions(recordPositions: true)
    /// The limits for incoming events: 1 MiB per event, no positions.
    public static let event = JSONReaderOptions(maxDepth: 64, maxBytes: 1024 * 1024, recordPositions: false)
}

/// A parsed document: its value (when the parse got that far), its source map and the issues found.
public struct JSONDocument: Sendable {
    public var value: JSONValue?
    public var sourceMap: SourceMap
    public var issues: [JSONIssue]
}

/// Tagwire's strict JSON reader (RFC 8259).
///
/// Stricter than Foundation's: duplicate keys, trailing commas, invalid UTF-8, numbers that do not fit a `Double`,
/// nesting deeper than ``JSONReaderOptions/maxDepth`` and inputs over ``JSONReaderOptions/maxBytes`` are errors, and
/// every error carries its byte offset. A leading UTF-8 byte-order mark is skipped.
public enum JSONReader {
    /// Parses a whole document, collecting recoverable issues and recording positions when asked.
    public static func read(_ bytes: [UInt8], options: JSONReaderOptions = .propertyFile) -> JSONDocument {
        let map = SourceMap(text: options.recordPositions ? bytes : [])
        if bytes.count > options.maxBytes {
            let issue = JSONIssue(
                id: "json.file-too-large",
                message: "input is \(bytes.count) bytes, over the limit of \(options.maxBytes) bytes",
                offset: 0,
                help: "split the content or keep files under \(options.maxBytes / 1024 / 1024) MiB"
            )
            return JSONDocument(value: nil, sourceMap: map, issues: [issue])
        }
        return bytes.withUnsafeBufferPointer { buf in
            var parser = Parser(buf: buf, options: options)
            do throws(JSONIssue) {
                let v = try parser.parseDocument()
                return JSONDocument(value: v, sourceMap: map, issues: parser.issues)
            } catch {
                return JSONDocument(value: nil, sourceMap: map, issues: parser.issues + [error])
            }
        }
    }

    /// Parses bytes into a value without positions; the first issue of any kind is thrown.
    ///
    /// With a `projection`, only the parts it keeps are built; the whole input is still checked, so what fails
    /// with a projection fails without one, with the same issue, and the reverse.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>,
        options: JSONReaderOptions = .event,
        keeping projection: JSONProjection? = nil
    ) throws(JSONIssue) -> JSONValue {
        if bytes.count > options.maxBytes {
            throw JSONIssue(
                id: "json.file-too-large",
                message: "input is \(bytes.count) bytes, over the limit of \(options.maxBytes) bytes",
                offset: 0
            )
        }
        var opts = options
        opts.recordPositions = false
        var parser = Parser(buf: bytes, options: opts, failFast: true)
        return try parser.parseDocument(projection)
    }

    /// Parses a byte array into a value without positions; the first issue of any kind is thrown.
    public static func parse(
        _ bytes: [UInt8],
        options: JSONReaderOptions = .event,
        keeping projection: JSONProjection? = nil
    ) throws(JSONIssue) -> JSONValue {
        let result: Result<JSONValue, JSONIssue> = bytes.withUnsafeBufferPointer { buf in
            do throws(JSONIssue) { return .success(try parse(buf, options: options, keeping: projection)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses a string into a value without positions; the first issue of any kind is thrown.
    public static func parse(_ text: String, options: JSONReaderOptions = .event) throws(JSONIssue) -> JSONValue {
        try parse(Array(text.utf8), options: options)
    }
}
