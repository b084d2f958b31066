extension Parser {
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

}
