let pow10: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
    1e20, 1e21, 1e22,
]

extension Parser {
    mutating func parseNumber() throws(JSONIssue) -> Double {
        let start = pos
        var negative = false
        if buf[pos] == 0x2D {
            negative = true
            pos += 1
        }
        guard pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 else {
            throw JSONIssue(
                id: "json.invalid-number",
                message: "invalid number; expected a digit after '-'",
                offset: start
            )
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        if buf[pos] == 0x30 {
            pos += 1
            if pos < buf.count, buf[pos] >= 0x30, buf[pos] <= 0x39 {
                throw JSONIssue(
                    id: "json.invalid-number",
                    message: "invalid number; leading zeros are not allowed",
                    offset: start
                )
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
                throw JSONIssue(
                    id: "json.invalid-number",
                    message: "invalid number; expected a digit after '.'",
                    offset: start
                )
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
                throw JSONIssue(
                    id: "json.invalid-number",
                    message: "invalid number; expected a digit in the exponent",
                    offset: start
                )
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

extension Parser {
    /// Whether the number just read was written as an integer: digits (after a `-`), no fraction and no exponent.
    func isIntegerLiteral(_ range: Range<Int>) -> Bool {
        buf[range].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}

extension String {
    func leftPad(_ n: Int) -> String {
        count >= n ? self : String(repeating: "0", count: n - count) + self
    }
}
