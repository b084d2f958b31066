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
        _ bytes: UnsafeBufferPointer<UInt8>, options: JSONReaderOptions = .event, keeping projection: JSONProjection? = nil
    ) throws(JSONIssue) -> JSONValue {
        if bytes.count > options.maxBytes {
            throw JSONIssue(id: "json.file-too-large", message: "input is \(bytes.count) bytes, over the limit of \(options.maxBytes) bytes", offset: 0)
        }
        var opts = options
        opts.recordPositions = false
        var parser = Parser(buf: bytes, options: opts, failFast: true)
        return try parser.parseDocument(projection)
    }

    /// Parses a byte array into a value without positions; the first issue of any kind is thrown.
    public static func parse(_ bytes: [UInt8], options: JSONReaderOptions = .event, keeping projection: JSONProjection? = nil) throws(JSONIssue) -> JSONValue {
        let result: Result<JSONValue, JSONIssue> = bytes.withUnsafeBufferPointer { buf in
            do throws(JSONIssue) { return .success(try parse(buf, options: options, keeping: projection)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Parses a string into a value without positions; the first issue of any kind is thrown.
    public static func parse(_ text: String, options: JSONReaderOptions = .event) throws(JSONIssue) -> JSONValue {
        try parse(Array(text.utf8), options: options)
    }
}

/// Escapes one reference token for a JSON pointer (RFC 6901: `~` → `~0`, `/` → `~1`).
public func escapePointerToken(_ token: String) -> String {
    if !token.utf8.contains(where: { $0 == 0x7E || $0 == 0x2F }) { return token }
    return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            result += rest[..<r.lowerBound]
            result += replacement
            rest = rest[r.upperBound...]
        }
        result += rest
        return result
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) {
                return i..<index(i, offsetBy: target.count)
            }
            i = index(after: i)
        }
        return nil
    }
}

private let pow10: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22,
]

private struct Parser: ~Copyable {
    let buf: UnsafeBufferPointer<UInt8>
    let options: JSONReaderOptions
    let failFast: Bool
    var pos = 0
    var depth = 0
    var issues: [JSONIssue] = []
    var scratchMembers = ScratchStack<JSONObject.Member>()
    var scratchKeyOffsets: [Int] = []
    var scratchValues = ScratchStack<JSONValue>()
    /// Every member name of the projected objects being read (kept or not), for the duplicate check.
    var scratchKeys: [String] = []
    /// The names (as byte ranges) of the objects being skimmed.
    var skimKeys: [Range<Int>] = []
    /// Set while a value skimming gave up on is read again.
    var skimmingOff = false

    init(buf: UnsafeBufferPointer<UInt8>, options: JSONReaderOptions, failFast: Bool = false) {
        self.buf = buf
        self.options = options
        self.failFast = failFast
    }

    mutating func parseDocument(_ projection: JSONProjection? = nil) throws(JSONIssue) -> JSONValue {
        if buf.count >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { pos = 3 }
        skipWhitespace()
        if pos >= buf.count {
            throw JSONIssue(id: "json.unexpected-end", message: "the input is empty; expected a JSON value", offset: pos)
        }
        let v = try parseValue(projection)
        skipWhitespace()
        if pos < buf.count {
            throw JSONIssue(
                id: "json.trailing-content",
                message: "unexpected \(describe(pos)) after the end of the JSON value",
                offset: pos,
                help: "a file holds exactly one JSON value; remove what follows it"
            )
        }
        return v
    }

    mutating func note(_ issue: JSONIssue) throws(JSONIssue) {
        if failFast { throw issue }
        issues.append(issue)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < buf.count {
            let b = buf[pos]
            if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { pos += 1 } else { return }
        }
    }

    func describe(_ at: Int) -> String {
        guard at < buf.count else { return "end of input" }
        let b = buf[at]
        if b >= 0x20 && b < 0x7F { return "character '\(Character(Unicode.Scalar(b)))'" }
        if b < 0x20 { return "control character U+\(String(b, radix: 16, uppercase: true).leftPad(4))" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    /// Reads one value, building what `p` keeps (`nil`: all of it). A value that is not kept reads as `null` or
    /// as an empty array or object.
    mutating func parseValue(_ p: JSONProjection? = nil) throws(JSONIssue) -> JSONValue {
        guard pos < buf.count else {
            throw JSONIssue(id: "json.unexpected-end", message: "unexpected end of input; expected a JSON value", offset: pos)
        }
        let b = buf[pos]
        switch b {
        case 0x7B, 0x5B:
            var resumeSkimming = false
            if let p, p.dropsAll, !skimmingOff {
                let start = pos
                if skimValue() { return .null }
                // Something out of the ordinary: read again the general way, which reports it as it would.
                pos = start
                skimmingOff = true
                resumeSkimming = true
            }
            defer { if resumeSkimming { skimmingOff = false } }
            return b == 0x7B ? try parseObject(p) : try parseArray(p)
        case 0x22:
            if let p, p.dropsAll {
                try skipString()
                return .null
            }
            return .string(try parseString())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x2D, 0x30...0x39: return .number(try parseNumber())
        default:
            throw JSONIssue(id: "json.unexpected-character", message: "unexpected \(describe(pos)); expected a JSON value", offset: pos)
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONIssue) {
        let start = pos
        let n = word.utf8CodeUnitCount
        let p = word.utf8Start
        for i in 0..<n {
            guard pos + i < buf.count, buf[pos + i] == p[i] else {
                throw JSONIssue(
                    id: "json.invalid-literal",
                    message: "invalid literal; expected '\(word)'",
                    offset: start,
                    help: "JSON literals are true, false and null, in lower case"
                )
            }
        }
        pos += n
    }

    mutating func enter() throws(JSONIssue) {
        depth += 1
        if depth > options.maxDepth {
            throw JSONIssue(
                id: "json.too-deep",
                message: "nesting is deeper than the limit of \(options.maxDepth) levels",
                offset: pos
            )
        }
    }

    mutating func parseArray(_ p: JSONProjection?) throws(JSONIssue) -> JSONValue {
        // Elements are read with the array's projection, unless it names elements by index: then all are kept.
        let elements = p?.namesIndex == true ? nil : p
        let keeps = !(elements?.dropsAll ?? false)
        try enter()
        defer { depth -= 1 }
        pos += 1
        skipWhitespace()
        if pos < buf.count, buf[pos] == 0x5D {
            pos += 1
            return .array([])
        }
        let base = scratchValues.count
        defer { scratchValues.truncate(to: base) }
        while true {
            skipWhitespace()
            let v = try parseValue(elements)
            if keeps { scratchValues.push(v) }
            skipWhitespace()
            guard pos < buf.count else {
                throw JSONIssue(id: "json.unexpected-end", message: "unexpected end of input inside an array; expected ',' or ']'", offset: pos)
            }
            let c = buf[pos]
            if c == 0x2C {
                let commaAt = pos
                pos += 1
                skipWhitespace()
                if pos < buf.count, buf[pos] == 0x5D {
                    try note(JSONIssue(
                        id: "json.trailing-comma",
                        message: "trailing comma after the last array element",
                        offset: commaAt,
                        help: "remove the comma before ']'",
                        fatal: false
                    ))
                    pos += 1
                    return .array(scratchValues.popArray(from: base))
                }
                continue
            }
            if c == 0x5D {
                pos += 1
                return .array(scratchValues.popArray(from: base))
            }
            throw JSONIssue(id: "json.unexpected-character", message: "unexpected \(describe(pos)) in an array; expected ',' or ']'", offset: pos)
        }
    }

    mutating func parseObject(_ p: JSONProjection?) throws(JSONIssue) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        pos += 1
        skipWhitespace()
        if pos < buf.count, buf[pos] == 0x7D {
            pos += 1
            return .object(JSONObject(uniqueMembers: []))
        }
        // Members gather on a scratch stack shared by every object of the document, then move into an array of
        // exactly the right size: one allocation per object.
        let base = scratchMembers.count
        let keyBase = scratchKeyOffsets.count
        // Under a projection every name is listed (kept or not) in `scratchKeys`, and `scratchKeyOffsets` follows it.
        let namesBase = scratchKeys.count
        defer {
            scratchMembers.truncate(to: base)
            scratchKeyOffsets.removeSubrange(keyBase...)
            if p != nil { scratchKeys.removeSubrange(namesBase...) }
        }
        var seen: [String: Int]? = nil
        while true {
            skipWhitespace()
            guard pos < buf.count else {
                throw JSONIssue(id: "json.unexpected-end", message: "unexpected end of input inside an object; expected a member name", offset: pos)
            }
            guard buf[pos] == 0x22 else {
                throw JSONIssue(
                    id: "json.expected-key",
                    message: "unexpected \(describe(pos)); expected a member name in double quotes",
                    offset: pos,
                    help: "object member names are JSON strings: \"name\": value"
                )
            }
            let keyAt = pos
            let key = try parseString()
            skipWhitespace()
            guard pos < buf.count, buf[pos] == 0x3A else {
                if pos >= buf.count {
                    throw JSONIssue(id: "json.unexpected-end", message: "unexpected end of input; expected ':' after member name", offset: pos)
                }
                throw JSONIssue(id: "json.unexpected-character", message: "unexpected \(describe(pos)); expected ':' after member name '\(key)'", offset: pos)
            }
            pos += 1
            skipWhitespace()
            // Duplicate detection: a scan for small objects, a dictionary past 32 members.
            var duplicateOf: Int? = nil
            let count = p == nil ? scratchMembers.count - base : scratchKeys.count - namesBase
            if let s = seen {
                duplicateOf = s[key]
            } else if p != nil {
                let keyLength = key.utf8.count
                for i in namesBase..<scratchKeys.count where scratchKeys[i].utf8.count == keyLength && scratchKeys[i] == key {
                    duplicateOf = i - namesBase
                    break
                }
                if count >= 32 {
                    var s: [String: Int] = [:]
                    for i in namesBase..<scratchKeys.count where s[scratchKeys[i]] == nil { s[scratchKeys[i]] = i - namesBase }
                    seen = s
                }
            } else {
                let keyLength = key.utf8.count
                for i in base..<scratchMembers.count {
                    let other = scratchMembers[i].key
                    if other.utf8.count == keyLength, other == key {
                        duplicateOf = i - base
                        break
                    }
                }
                if count >= 32 {
                    var s: [String: Int] = [:]
                    for i in base..<scratchMembers.count where s[scratchMembers[i].key] == nil { s[scratchMembers[i].key] = i - base }
                    seen = s
                }
            }
            if let first = duplicateOf {
                try note(JSONIssue(
                    id: "json.duplicate-key",
                    message: "duplicate member name '\(key)'",
                    offset: keyAt,
                    help: "JSON readers disagree about which value wins; keep one",
                    noteMessage: "first defined here",
                    noteOffset: scratchKeyOffsets[keyBase + first],
                    fatal: false
                ))
                // Keep the first value; parse the duplicate's value for its own errors, then drop it.
                _ = try parseValue(p == nil ? nil : .nothing)
            } else if let p {
                let child = p.member(key)
                scratchKeys.append(key)
                scratchKeyOffsets.append(keyAt)
                seen?[key] = count
                let v = try parseValue(child)
                if !(child?.dropsAll ?? false) { scratchMembers.push(JSONObject.Member(key: key, value: v)) }
            } else {
                let v = try parseValue()
                scratchMembers.push(JSONObject.Member(key: key, value: v))
                scratchKeyOffsets.append(keyAt)
                seen?[key] = count
            }
            skipWhitespace()
            guard pos < buf.count else {
                throw JSONIssue(id: "json.unexpected-end", message: "unexpected end of input inside an object; expected ',' or '}'", offset: pos)
            }
            let c = buf[pos]
            if c == 0x2C {
                let commaAt = pos
                pos += 1
                skipWhitespace()
                if pos < buf.count, buf[pos] == 0x7D {
                    try note(JSONIssue(
                        id: "json.trailing-comma",
                        message: "trailing comma after the last object member",
                        offset: commaAt,
                        help: "remove the comma before '}'",
                        fatal: false
                    ))
                    pos += 1
                    return .object(JSONObject(uniqueMembers: scratchMembers.popArray(from: base)))
                }
                continue
            }
            if c == 0x7D {
                pos += 1
                return .object(JSONObject(uniqueMembers: scratchMembers.popArray(from: base)))
            }
            throw JSONIssue(id: "json.unexpected-character", message: "unexpected \(describe(pos)) in an object; expected ',' or '}'", offset: pos)
        }
    }

    mutating func parseString() throws(JSONIssue) -> String {
        let open = pos
        pos += 1
        let start = pos
        // Fast path: no escapes. ASCII-only text (the common case) skips full UTF-8 validation.
        var highBits: UInt8 = 0
        while pos < buf.count {
            let b = buf[pos]
            if b == 0x22 {
                let slice = UnsafeBufferPointer(rebasing: buf[start..<pos])
                pos += 1
                if highBits & 0x80 == 0 { return String(decoding: slice, as: UTF8.self) }
                if let s = String(validating: slice, as: UTF8.self) { return s }
                throw invalidUTF8(in: slice, base: start)
            }
            if b == 0x5C { break }
            if b < 0x20 { throw controlCharacter(at: pos) }
            highBits |= b
            pos += 1
        }
        guard pos < buf.count else {
            throw JSONIssue(id: "json.unterminated-string", message: "string is not terminated", offset: open, help: "add the closing '\"'")
        }
        // Slow path with escapes.
        var bytes: [UInt8] = Array(UnsafeBufferPointer(rebasing: buf[start..<pos]))
        while pos < buf.count {
            let b = buf[pos]
            if b == 0x22 {
                pos += 1
                if let s = String(validating: bytes, as: UTF8.self) { return s }
                let invalid: JSONIssue = bytes.withUnsafeBufferPointer { invalidUTF8(in: $0, base: start) }
                throw invalid
            }
            if b < 0x20 { throw controlCharacter(at: pos) }
            if b != 0x5C {
                bytes.append(b)
                pos += 1
                continue
            }
            let escAt = pos
            pos += 1
            guard pos < buf.count else { break }
            let e = buf[pos]
            pos += 1
            switch e {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x2F: bytes.append(0x2F)
            case 0x62: bytes.append(0x08)
            case 0x66: bytes.append(0x0C)
            case 0x6E: bytes.append(0x0A)
            case 0x72: bytes.append(0x0D)
            case 0x74: bytes.append(0x09)
            case 0x75:
                var scalar = try hex4(escAt)
                if (0xD800...0xDBFF).contains(scalar) {
                    guard pos + 1 < buf.count, buf[pos] == 0x5C, buf[pos + 1] == 0x75 else {
                        throw JSONIssue(id: "json.invalid-escape", message: "unpaired UTF-16 surrogate in \\u escape", offset: escAt)
                    }
                    pos += 2
                    let low = try hex4(escAt)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONIssue(id: "json.invalid-escape", message: "unpaired UTF-16 surrogate in \\u escape", offset: escAt)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw JSONIssue(id: "json.invalid-escape", message: "unpaired UTF-16 surrogate in \\u escape", offset: escAt)
                }
                guard let u = Unicode.Scalar(scalar) else {
                    throw JSONIssue(id: "json.invalid-escape", message: "invalid \\u escape", offset: escAt)
                }
                bytes.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw JSONIssue(
                    id: "json.invalid-escape",
                    message: "invalid escape sequence '\\\(Character(Unicode.Scalar(e)))'",
                    offset: escAt,
                    help: "JSON escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"
                )
            }
        }
        throw JSONIssue(id: "json.unterminated-string", message: "string is not terminated", offset: open, help: "add the closing '\"'")
    }

    /// Reads over a string: ASCII text without escapes in one scan; anything else is read by ``parseString()``, so
    /// the checks and their issues are the same.
    mutating func skipString() throws(JSONIssue) {
        let open = pos
        if skimString() { return }
        pos = open
        _ = try parseString()
    }

    // MARK: skimming

    // Values nothing is kept of are skimmed: read on the well-formed path only (ASCII names without escapes,
    // compared as bytes for duplicates; strings without escapes; at most 32 members an object), without building
    // anything. At the first thing skimming does not handle it returns false and the value is read again by the
    // general path, which then finds any issue in the same order and reports it the same way.

    mutating func skimValue() -> Bool {
        guard pos < buf.count else { return false }
        switch buf[pos] {
        case 0x7B: return skimContainer(closing: 0x7D)
        case 0x5B: return skimContainer(closing: 0x5D)
        case 0x22: return skimString()
        case 0x74: return skimLiteral("true")
        case 0x66: return skimLiteral("false")
        case 0x6E: return skimLiteral("null")
        case 0x2D, 0x30...0x39:
            do throws(JSONIssue) {
                _ = try parseNumber()
                return true
            } catch {
                return false
            }
        default: return false
        }
    }

    /// Past a string of printable ASCII without escapes.
    mutating func skimString() -> Bool {
        pos += 1
        while pos < buf.count {
            let b = buf[pos]
            if b == 0x22 {
                pos += 1
                return true
            }
            if b == 0x5C || b < 0x20 || b >= 0x80 { return false }
            pos += 1
        }
        return false
    }

    mutating func skimLiteral(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard pos + n <= buf.count else { return false }
        for i in 0..<n where buf[pos + i] != word.utf8Start[i] { return false }
        pos += n
        return true
    }

    /// Past an array (`closing` ']') or an object ('}'), its members skimmed in turn.
    mutating func skimContainer(closing: UInt8) -> Bool {
        depth += 1
        defer { depth -= 1 }
        guard depth <= options.maxDepth else { return false }
        pos += 1
        skipWhitespace()
        if pos < buf.count, buf[pos] == closing {
            pos += 1
            return true
        }
        let names = skimKeys.count
        defer { skimKeys.removeSubrange(names...) }
        while true {
            skipWhitespace()
            if closing == 0x7D {
                guard skimName(since: names) else { return false }
            }
            guard skimValue() else { return false }
            skipWhitespace()
            guard pos < buf.count else { return false }
            if buf[pos] == closing {
                pos += 1
                return true
            }
            // A comma, and no trailing one.
            guard buf[pos] == 0x2C else { return false }
            pos += 1
            skipWhitespace()
            if pos < buf.count, buf[pos] == closing { return false }
        }
    }

    /// Past an object member's name (plain ASCII, not one of the names since `names` in ``skimKeys``: compared as
    /// bytes; at most 32 per object) and its ':'.
    mutating func skimName(since names: Int) -> Bool {
        guard pos < buf.count, buf[pos] == 0x22, skimKeys.count - names < 32 else { return false }
        let keyStart = pos + 1
        guard skimString() else { return false }
        let key = keyStart..<(pos - 1)
        for i in names..<skimKeys.count where skimKeys[i].count == key.count {
            let other = skimKeys[i].lowerBound
            var k = 0
            while k < key.count, buf[other + k] == buf[key.lowerBound + k] { k += 1 }
            if k == key.count { return false }
        }
        skimKeys.append(key)
        skipWhitespace()
        guard pos < buf.count, buf[pos] == 0x3A else { return false }
        pos += 1
        skipWhitespace()
        return true
    }

    mutating func hex4(_ escAt: Int) throws(JSONIssue) -> UInt32 {
        guard pos + 4 <= buf.count else {
            throw JSONIssue(id: "json.invalid-escape", message: "incomplete \\u escape; expected four hex digits", offset: escAt)
        }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buf[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default:
                throw JSONIssue(id: "json.invalid-escape", message: "invalid \\u escape; expected four hex digits", offset: escAt)
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    func controlCharacter(at: Int) -> JSONIssue {
        JSONIssue(
            id: "json.control-character",
            message: "unescaped \(describe(at)) in a string",
            offset: at,
            help: "write control characters as escapes, such as \\n or \\u0009"
        )
    }

    func invalidUTF8(in slice: UnsafeBufferPointer<UInt8>, base: Int) -> JSONIssue {
        // Find the first byte where decoding fails.
        var it = slice.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s):
                consumed += UTF8.width(s)
            case .emptyInput:
                break loop
            case .error:
                break loop
            }
        }
        return JSONIssue(
            id: "json.invalid-utf8",
            message: "string is not valid UTF-8",
            offset: base + consumed,
            help: "save the file as UTF-8"
        )
    }

    mutating func parseNumber() throws(JSONIssue) -> Double {
        let start = pos
        var negative = false
        if buf[pos] == 0x2D {
            negative = true
            pos += 1
        }
        guard pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 else {
            throw JSONIssue(id: "json.invalid-number", message: "invalid number; expected a digit after '-'", offset: start)
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        if buf[pos] == 0x30 {
            pos += 1
            if pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                throw JSONIssue(id: "json.invalid-number", message: "invalid number; leading zeros are not allowed", offset: start)
            }
        } else {
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(buf[pos] - 0x30)
                    digits += 1
                } else {
                    exponent += 1
                    digits += 1
                }
                pos += 1
            }
        }
        var isSimple = digits <= 19
        if pos < buf.count, buf[pos] == 0x2E {
            pos += 1
            guard pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 else {
                throw JSONIssue(id: "json.invalid-number", message: "invalid number; expected a digit after '.'", offset: start)
            }
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(buf[pos] - 0x30)
                    digits += 1
                    exponent -= 1
                } else {
                    isSimple = false
                }
                pos += 1
            }
        }
        if pos < buf.count, buf[pos] == 0x65 || buf[pos] == 0x45 {
            pos += 1
            var expNegative = false
            if pos < buf.count, buf[pos] == 0x2B || buf[pos] == 0x2D {
                expNegative = buf[pos] == 0x2D
                pos += 1
            }
            guard pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 else {
                throw JSONIssue(id: "json.invalid-number", message: "invalid number; expected a digit in the exponent", offset: start)
            }
            var e = 0
            while pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                if e < 100_000 { e = e * 10 + Int(buf[pos] - 0x30) }
                pos += 1
            }
            exponent += expNegative ? -e : e
        }
        if isSimple, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var v = Double(mantissa)
            if exponent < 0 { v /= pow10[-exponent] } else { v *= pow10[exponent] }
            return negative ? -v : v
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        guard let v = Double(text), v.isFinite else {
            throw JSONIssue(
                id: "json.number-out-of-range",
                message: "number \(text) is out of range",
                offset: start,
                help: "numbers must fit an IEEE 754 double (magnitude below 1.8e308)"
            )
        }
        return v
    }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String {
        count >= n ? self : String(repeating: "0", count: n - count) + self
    }
}
