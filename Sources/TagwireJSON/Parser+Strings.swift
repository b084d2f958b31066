extension Parser {
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
            throw JSONIssue(
                id: "json.unterminated-string",
                message: "string is not terminated",
                offset: open,
                help: "add the closing '\"'"
            )
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
                        throw JSONIssue(
                            id: "json.invalid-escape",
                            message: "unpaired UTF-16 surrogate in \\u escape",
                            offset: escAt
                        )
                    }
                    pos += 2
                    let low = try hex4(escAt)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw JSONIssue(
                            id: "json.invalid-escape",
                            message: "unpaired UTF-16 surrogate in \\u escape",
                            offset: escAt
                        )
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw JSONIssue(
                        id: "json.invalid-escape",
                        message: "unpaired UTF-16 surrogate in \\u escape",
                        offset: escAt
                    )
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
        throw JSONIssue(
            id: "json.unterminated-string",
            message: "string is not terminated",
            offset: open,
            help: "add the closing '\"'"
        )
    }

    /// Reads over a string: ASCII text without escapes in one scan; anything else is read by ``parseString()``, so
    /// the checks and their issues are the same.
    mutating func skipString() throws(JSONIssue) {
        let open = pos
        if skimString() { return }
        pos = open
        _ = try parseString()
    }

    mutating func hex4(_ escAt: Int) throws(JSONIssue) -> UInt32 {
        guard pos + 4 <= buf.count else {
            throw JSONIssue(
                id: "json.invalid-escape",
                message: "incomplete \\u escape; expected four hex digits",
                offset: escAt
            )
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
                throw JSONIssue(
                    id: "json.invalid-escape",
                    message: "invalid \\u escape; expected four hex digits",
                    offset: escAt
                )
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

}
