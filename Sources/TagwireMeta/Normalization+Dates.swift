import Foundation
import TagwireHashing

/// Dates of birth in the many ways people write them, to Meta's `YYYYMMDD`.
extension Normalization {
    /// Date of birth: `YYYYMMDD` from common formats (`YYYYMMDD`, `YYYY-MM-DD`, `YYYY/MM/DD`, `MM/DD/YYYY`,
    /// `MM-DD-YYYY`, `DD.MM.YYYY`, month names), year 1900 to `currentYear`.
    public static func dateOfBirth(_ raw: String, currentYear: Int = 2100) -> String? {
        if let ascii = TextTools.asciiTrimmedLowercased(raw) {
            return asciiDateOfBirth(Array(ascii.utf8), currentYear: currentYear)
        }
        return dateOfBirthByCharacters(raw, currentYear: currentYear)
    }

    /// Year, month and day from the three parts of a written date (how both date paths read them): `Y M D`
    /// (`M` a number or a month name), `M D Y`, `D M Y` (`M` a name, or dotted dates), `M D Y` with the two swapped
    /// when the first cannot be a month.
    static func dateFromParts<P>(
        _ parts: [P],
        count: (P) -> Int,
        number: (P) -> Int?,
        month: (P) -> Int?,
        dotted: Bool
    ) -> (y: Int, m: Int, d: Int)? {
        guard parts.count == 3 else { return nil }
        if count(parts[0]) == 4, let y = number(parts[0]) {
            return (y, month(parts[1]) ?? 0, number(parts[2]) ?? 0)
        }
        guard count(parts[2]) == 4, let y = number(parts[2]) else { return nil }
        if number(parts[0]) == nil { return (y, month(parts[0]) ?? 0, number(parts[1]) ?? 0) }
        if number(parts[1]) == nil { return (y, month(parts[1]) ?? 0, number(parts[0]) ?? 0) }
        if dotted { return (y, number(parts[1]) ?? 0, number(parts[0]) ?? 0) }
        var m = number(parts[0]) ?? 0
        var d = number(parts[1]) ?? 0
        if m > 12, d <= 12 { swap(&m, &d) }
        return (y, m, d)
    }

    static let asciiMonthNames: [[UInt8]] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ].map { Array($0.utf8) }

    /// ``dateOfBirth(_:currentYear:)`` over the bytes of trimmed, lowercased ASCII text.
    static func asciiDateOfBirth(_ s: [UInt8], currentYear: Int) -> String? {
        func number(_ p: ArraySlice<UInt8>) -> Int? {
            // What `Int(String)` accepts: an optional sign, then digits; nil on overflow.
            var i = p.startIndex
            var negative = false
            if i < p.endIndex, p[i] == 0x2B || p[i] == 0x2D {
                negative = p[i] == 0x2D
                i += 1
            }
            guard i < p.endIndex else { return nil }
            var n = 0
            while i < p.endIndex {
                let b = p[i]
                guard b >= 0x30, b <= 0x39 else { return nil }
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
                guard !o1, !o2 else { return nil }
                n = a
                i += 1
            }
            return negative ? -n : n
        }
        let monthNames = asciiMonthNames
        func month(_ p: ArraySlice<UInt8>) -> Int? {
            if let n = number(p) { return n }
            return monthNames.firstIndex { p.starts(with: $0) }.map { $0 + 1 }
        }
        var y = 0
        var m = 0
        var d = 0
        if s.count == 8, s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            y = number(s[0..<4]) ?? 0
            m = number(s[4..<6]) ?? 0
            d = number(s[6..<8]) ?? 0
        } else {
            let parts = s.split(whereSeparator: { $0 == 0x2D || $0 == 0x2F || $0 == 0x2E || $0 == 0x20 || $0 == 0x2C })
            guard let ymd = dateFromParts(parts, count: \.count, number: number, month: month, dotted: s.contains(0x2E))
            else { return nil }
            (y, m, d) = ymd
        }
        return formattedDate(y, m, d, currentYear: currentYear)
    }

    static func formattedDate(_ y: Int, _ m: Int, _ d: Int, currentYear: Int) -> String? {
        guard (1900...currentYear).contains(y), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let digits: [UInt8] = [
            UInt8(y / 1000 % 10), UInt8(y / 100 % 10), UInt8(y / 10 % 10), UInt8(y % 10), UInt8(m / 10), UInt8(m % 10),
            UInt8(d / 10), UInt8(d % 10),
        ].map { $0 + 0x30 }
        return String(decoding: digits, as: UTF8.self)
    }

    /// The general path of ``dateOfBirth(_:currentYear:)``, for text that is not ASCII (kept to check the byte path
    /// against).
    static func dateOfBirthByCharacters(_ raw: String, currentYear: Int = 2100) -> String? {
        let s = base(raw)
        var y = 0
        var m = 0
        var d = 0
        let digitsOnly = s.allSatisfy(\.isNumber)
        if digitsOnly, s.count == 8 {
            y = Int(s.prefix(4)) ?? 0
            m = Int(s.dropFirst(4).prefix(2)) ?? 0
            d = Int(s.suffix(2)) ?? 0
        } else {
            let seps: Set<Character> = ["-", "/", ".", " ", ","]
            let parts = s.split(whereSeparator: { seps.contains($0) }).map(String.init)
            let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            func month(_ p: String) -> Int? {
                if let n = Int(p) { return n }
                return monthNames.firstIndex { p.hasPrefix($0) }.map { $0 + 1 }
            }
            guard
                let ymd = dateFromParts(
                    parts,
                    count: \.count,
                    number: { Int($0) },
                    month: month,
                    dotted: s.contains(".")
                )
            else { return nil }
            (y, m, d) = ymd
        }
        return formattedDate(y, m, d, currentYear: currentYear)
    }
}
