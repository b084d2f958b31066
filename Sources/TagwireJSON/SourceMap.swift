/// Where the values and keys of a document are, found on demand from its text, with line and column lookup.
///
/// Positions are located only when a diagnostic or an origin needs one: the reader records nothing while it
/// parses, so loading a property costs no more than parsing it.
public struct SourceMap: Sendable {
    private let text: [UInt8]
    private let lineStarts: [Int]

    /// A map over a document's bytes.
    public init(text: [UInt8]) {
        self.text = text
        var starts = [0]
        for (i, b) in text.enumerated() where b == 0x0A { starts.append(i + 1) }
        lineStarts = starts
    }

    /// 1-based line and column (in Unicode scalars) of a byte offset.
    public func lineColumn(ofOffset offset: Int) -> (line: Int, column: Int) {
        let clamped = max(0, min(offset, text.count))
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
        }
        var column = 1
        var i = lineStarts[lo]
        while i < clamped {
            if text[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return (lo + 1, column)
    }

    /// The text of a 1-based line, without its line break.
    public func lineText(_ line: Int) -> String? {
        guard line >= 1, line <= lineStarts.count else { return nil }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : text.count
        if end > start, text[end - 1] == 0x0D { end -= 1 }
        guard end >= start else { return "" }
        return String(decoding: text[start..<end], as: UTF8.self)
    }

    /// The byte offset of the value at `pointer`, if the document has it.
    public func valueOffset(_ pointer: String) -> Int? {
        let found = locate(pointer)
        return found.complete ? found.value : nil
    }

    /// The byte offset of the member name whose value is at `pointer`, if the document has it.
    public func keyOffset(_ pointer: String) -> Int? {
        let found = locate(pointer)
        return found.complete ? found.key : nil
    }

    /// The offset of the value at `pointer`, or of its deepest ancestor the document has.
    public func nearestValueOffset(_ pointer: String) -> Int? {
        text.isEmpty ? nil : locate(pointer).value
    }

    /// Walks the text along the pointer's reference tokens (RFC 6901). Where a key appears twice, the first
    /// occurrence is the one the reader kept.
    private func locate(_ pointer: String) -> (value: Int, key: Int?, complete: Bool) {
        var tokens: [String] = []
        if !pointer.isEmpty {
            tokens = pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
                unescapePointerToken(String($0))
            }
        }
        return text.withUnsafeBufferPointer { buf in
            var scanner = Scanner(buf: buf)
            scanner.skipWhitespace()
            var valueAt = scanner.pos
            var keyAt: Int? = nil
            for token in tokens {
                guard scanner.pos < buf.count else { return (valueAt, keyAt, false) }
                if buf[scanner.pos] == 0x7B {
                    guard let (k, v) = scanner.findMember(token) else { return (valueAt, keyAt, false) }
                    keyAt = k
                    valueAt = v
                } else if buf[scanner.pos] == 0x5B, let index = JSONValue.arrayIndex(token) {
                    guard let v = scanner.findElement(index) else { return (valueAt, keyAt, false) }
                    keyAt = nil
                    valueAt = v
                } else {
                    return (valueAt, keyAt, false)
                }
            }
            return (valueAt, keyAt, true)
        }
    }
}

/// Undoes RFC 6901 escaping (`~1` → `/`, `~0` → `~`).
public func unescapePointerToken(_ token: String) -> String {
    guard token.utf8.contains(0x7E) else { return token }
    var out = ""
    var it = token.makeIterator()
    while let c = it.next() {
        if c == "~", let n = it.next() {
            out.append(n == "1" ? "/" : (n == "0" ? "~" : n))
        } else {
            out.append(c)
        }
    }
    return out
}

/// A forgiving scanner over text the reader already accepted: it skips values without building them.
private struct Scanner {
    let buf: UnsafeBufferPointer<UInt8>
    var pos = 0

    init(buf: UnsafeBufferPointer<UInt8>) {
        self.buf = buf
        if buf.count >= 3, buf[0] == 0xEF, buf[1] == 0xBB, buf[2] == 0xBF { pos = 3 }
    }

    mutating func skipWhitespace() {
        while pos < buf.count, buf[pos] == 0x20 || buf[pos] == 0x0A || buf[pos] == 0x0D || buf[pos] == 0x09 { pos += 1 }
    }

    /// Reads a string at `pos` (which is a quote) and returns its decoded text.
    mutating func readString() -> String {
        pos += 1
        let start = pos
        var escaped = false
        while pos < buf.count, buf[pos] != 0x22 {
            if buf[pos] == 0x5C {
                escaped = true
                pos += 1
            }
            pos += 1
        }
        let end = min(pos, buf.count)
        pos = min(pos + 1, buf.count)
        let raw = UnsafeBufferPointer(rebasing: buf[start..<end])
        if !escaped { return String(decoding: raw, as: UTF8.self) }
        // Rare: let the reader decode the escapes.
        var quoted: [UInt8] = [0x22]
        quoted.append(contentsOf: raw)
        quoted.append(0x22)
        return (try? JSONReader.parse(quoted))?.stringValue ?? String(decoding: raw, as: UTF8.self)
    }

    mutating func skipValue() {
        skipWhitespace()
        guard pos < buf.count else { return }
        switch buf[pos] {
        case 0x22:
            _ = readString()
        case 0x7B, 0x5B:
            var depth = 0
            while pos < buf.count {
                let b = buf[pos]
                if b == 0x22 {
                    _ = readString()
                    continue
                }
                if b == 0x7B || b == 0x5B { depth += 1 }
                if b == 0x7D || b == 0x5D {
                    depth -= 1
                    if depth == 0 {
                        pos += 1
                        return
                    }
                }
                pos += 1
            }
        default:
            while pos < buf.count {
                let b = buf[pos]
                if b == 0x2C || b == 0x7D || b == 0x5D || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { return }
                pos += 1
            }
        }
    }

    /// At an object: finds member `name`; returns its key and value offsets and leaves `pos` at the value.
    mutating func findMember(_ name: String) -> (Int, Int)? {
        pos += 1
        while pos < buf.count {
            skipWhitespace()
            guard pos < buf.count, buf[pos] == 0x22 else { return nil }
            let keyAt = pos
            let key = readString()
            skipWhitespace()
            guard pos < buf.count, buf[pos] == 0x3A else { return nil }
            pos += 1
            skipWhitespace()
            if key == name { return (keyAt, pos) }
            skipValue()
            skipWhitespace()
            guard pos < buf.count, buf[pos] == 0x2C else { return nil }
            pos += 1
        }
        return nil
    }

    /// At an array: finds element `index`; returns its offset and leaves `pos` there.
    mutating func findElement(_ index: Int) -> Int? {
        pos += 1
        var i = 0
        while pos < buf.count {
            skipWhitespace()
            guard pos < buf.count, buf[pos] != 0x5D else { return nil }
            if i == index { return pos }
            skipValue()
            skipWhitespace()
            guard pos < buf.count, buf[pos] == 0x2C else { return nil }
            pos += 1
            i += 1
        }
        return nil
    }
}
