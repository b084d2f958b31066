/// The reader's parser over one buffer: every value, with positions, limits and the projection.
struct Parser: ~Copyable {
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
            throw JSONIssue(
                id: "json.unexpected-end",
                message: "the input is empty; expected a JSON value",
                offset: pos
            )
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
            throw JSONIssue(
                id: "json.unexpected-end",
                message: "unexpected end of input; expected a JSON value",
                offset: pos
            )
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
        case 0x74:
            try literal("true")
            return .bool(true)
        case 0x66:
            try literal("false")
            return .bool(false)
        case 0x6E:
            try literal("null")
            return .null
        case 0x2D, 0x30...0x39:
            let start = pos
            let n = try parseNumber()
            // An integer a Double cannot hold exactly keeps its digits (ids must not lose any).
            if abs(n) >= 9_007_199_254_740_992, isIntegerLiteral(start..<pos) {
                return .bigInteger(String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self))
            }
            return .number(n)
        default:
            throw JSONIssue(
                id: "json.unexpected-character",
                message: "unexpected \(describe(pos)); expected a JSON value",
                offset: pos
            )
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
                throw JSONIssue(
                    id: "json.unexpected-end",
                    message: "unexpected end of input inside an array; expected ',' or ']'",
                    offset: pos
                )
            }
            let c = buf[pos]
            if c == 0x2C {
                let commaAt = pos
                pos += 1
                skipWhitespace()
                if pos < buf.count, buf[pos] == 0x5D {
                    try note(
                        JSONIssue(
                            id: "json.trailing-comma",
                            message: "trailing comma after the last array element",
                            offset: commaAt,
                            help: "remove the comma before ']'",
                            fatal: false
                        )
                    )
                    pos += 1
                    return .array(scratchValues.popArray(from: base))
                }
                continue
            }
            if c == 0x5D {
                pos += 1
                return .array(scratchValues.popArray(from: base))
            }
            throw JSONIssue(
                id: "json.unexpected-character",
                message: "unexpected \(describe(pos)) in an array; expected ',' or ']'",
                offset: pos
            )
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
                throw JSONIssue(
                    id: "json.unexpected-end",
                    message: "unexpected end of input inside an object; expected a member name",
                    offset: pos
                )
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
                    throw JSONIssue(
                        id: "json.unexpected-end",
                        message: "unexpected end of input; expected ':' after member name",
                        offset: pos
                    )
                }
                throw JSONIssue(
                    id: "json.unexpected-character",
                    message: "unexpected \(describe(pos)); expected ':' after member name '\(key)'",
                    offset: pos
                )
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
                for i in namesBase..<scratchKeys.count
                where scratchKeys[i].utf8.count == keyLength && scratchKeys[i] == key {
                    duplicateOf = i - namesBase
                    break
                }
                if count >= 32 {
                    var s: [String: Int] = [:]
                    for i in namesBase..<scratchKeys.count where s[scratchKeys[i]] == nil {
                        s[scratchKeys[i]] = i - namesBase
                    }
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
                    for i in base..<scratchMembers.count where s[scratchMembers[i].key] == nil {
                        s[scratchMembers[i].key] = i - base
                    }
                    seen = s
                }
            }
            if let first = duplicateOf {
                try note(
                    JSONIssue(
                        id: "json.duplicate-key",
                        message: "duplicate member name '\(key)'",
                        offset: keyAt,
                        help: "JSON readers disagree about which value wins; keep one",
                        noteMessage: "first defined here",
                        noteOffset: scratchKeyOffsets[keyBase + first],
                        fatal: false
                    )
                )
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
                throw JSONIssue(
                    id: "json.unexpected-end",
                    message: "unexpected end of input inside an object; expected ',' or '}'",
                    offset: pos
                )
            }
            let c = buf[pos]
            if c == 0x2C {
                let commaAt = pos
                pos += 1
                skipWhitespace()
                if pos < buf.count, buf[pos] == 0x7D {
                    try note(
                        JSONIssue(
                            id: "json.trailing-comma",
                            message: "trailing comma after the last object member",
                            offset: commaAt,
                            help: "remove the comma before '}'",
                            fatal: false
                        )
                    )
                    pos += 1
                    return .object(JSONObject(uniqueMembers: scratchMembers.popArray(from: base)))
                }
                continue
            }
            if c == 0x7D {
                pos += 1
                return .object(JSONObject(uniqueMembers: scratchMembers.popArray(from: base)))
            }
            throw JSONIssue(
                id: "json.unexpected-character",
                message: "unexpected \(describe(pos)) in an object; expected ',' or '}'",
                offset: pos
            )
        }
    }
}
