/// The Marketing API's versions (the Conversions API is part of it) with their release and expiration dates, from
/// Meta's "Marketing API version history" page. Meta answers requests to an expired version with an error, so
/// `validate` warns about a property that pins one, or one that expires within ``warningDays``.
public enum GraphAPIVersions {
    /// A version's dates, as days since 1970-01-01 (UTC); `expires` is nil while Meta has not set it.
    public struct Entry: Sendable {
        public var version: String
        public var released: Int
        public var expires: Int?
    }

    /// The version requests use when a property names none: the newest Meta has released here that this build was
    /// tested against.
    public static let `default` = "v26.0"

    /// How close to its end of life a pinned version draws a warning.
    public static let warningDays = 90

    /// Newest first. Update with each release (Meta's changelog gives about two years of life per version).
    public static let table: [Entry] = [
        entry("v27.0", "2026-11-04", nil),
        entry("v26.0", "2026-07-29", nil),
        entry("v25.0", "2026-02-18", "2027-02-23"),
        entry("v24.0", "2025-10-08", "2026-11-10"),
        entry("v23.0", "2025-05-29", "2026-06-09"),
        entry("v22.0", "2025-01-21", "2026-02-19"),
        entry("v21.0", "2024-10-02", "2025-09-09"),
        entry("v20.0", "2024-05-21", "2025-05-06"),
        entry("v19.0", "2024-01-23", "2025-02-04"),
        entry("v18.0", "2023-09-12", "2024-08-13"),
        entry("v17.0", "2023-05-23", "2024-05-14"),
        entry("v16.0", "2023-02-02", "2024-02-06"),
        entry("v15.0", "2022-09-15", "2023-09-20"),
        entry("v14.0", "2022-05-25", "2023-09-20"),
        entry("v13.0", "2022-02-08", "2023-01-25"),
        entry("v12.0", "2021-09-14", "2022-08-09"),
        entry("v11.0", "2021-06-08", "2022-02-23"),
        entry("v10.0", "2021-02-23", "2021-10-04"),
    ]

    /// What a pinned version means on `day` (days since 1970-01-01).
    public enum Status: Equatable, Sendable {
        /// Supported, with no end of life within ``warningDays``.
        case supported
        /// Supported until `expires`, which is `daysLeft` days away.
        case expiresSoon(expires: String, daysLeft: Int)
        /// Past its end of life.
        case expired(on: String)
        /// Older than the oldest entry: expired long ago.
        case retired
        /// Newer than the table (a build older than the version): nothing to say.
        case unknown
        /// Not written as `v<major>.<minor>`.
        case malformed
    }

    public static func status(of version: String, onDay day: Int) -> Status {
        guard let value = number(version) else { return .malformed }
        if let e = table.first(where: { $0.version == version }) {
            guard let expires = e.expires else { return .supported }
            if day >= expires { return .expired(on: date(expires)) }
            if expires - day <= warningDays { return .expiresSoon(expires: date(expires), daysLeft: expires - day) }
            return .supported
        }
        guard let oldest = table.last.flatMap({ number($0.version) }),
            let newest = table.first.flatMap({ number($0.version) })
        else { return .unknown }
        if value < oldest { return .retired }
        if value > newest { return .unknown }
        // Between two known versions (such as v25.1): Meta has published no such version.
        return .malformed
    }

    /// `v26.0` → 26.0.
    static func number(_ version: String) -> Double? {
        guard version.hasPrefix("v") else { return nil }
        let digits = version.dropFirst()
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let major = Int(parts[0]), let minor = Int(parts[1])
        else { return nil }
        return Double(major) + Double(minor) / 100
    }

    static func entry(_ version: String, _ released: String, _ expires: String?) -> Entry {
        Entry(version: version, released: day(released) ?? 0, expires: expires.flatMap(day))
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
    public static func day(_ text: String) -> Int? {
        let p = text.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        // Howard Hinnant's days-from-civil.
        let (y0, m, d) = (p[0], p[1], p[2])
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD` of days since 1970-01-01.
    public static func date(_ day: Int) -> String {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
