import Foundation

/// Page URLs as Meta should receive them: Meta flags events whose URLs carry personal data, so query parameters
/// holding an email address are removed from `event_source_url` and `referrer_url` (unless the extension keeps
/// them).
extension ConversionEventBuilder {
    /// `url` without the query parameters whose value (percent-decoded) is an email address, and how many went.
    /// Everything else, the order of what stays and the fragment included, is kept as written.
    static func withoutEmailParameters(_ url: String) -> (url: String, removed: Int) {
        // Most URLs have no `@` at all: a byte search first, so that they are not split.
        guard mayHoldEmail(url), let question = url.firstIndex(of: "?") else { return (url, 0) }
        let fragmentStart = url[question...].firstIndex(of: "#") ?? url.endIndex
        let query = url[url.index(after: question)..<fragmentStart]
        var kept: [Substring] = []
        var removed = 0
        for parameter in query.split(separator: "&", omittingEmptySubsequences: false) {
            let value = parameter.firstIndex(of: "=").map { parameter[parameter.index(after: $0)...] } ?? parameter
            let decoded = value.removingPercentEncoding ?? String(value)
            if Normalization.isEmail(TextTools.lowercased(TextTools.trimmed(decoded))) {
                removed += 1
            } else {
                kept.append(parameter)
            }
        }
        guard removed > 0 else { return (url, 0) }
        var out = String(url[..<question])
        if !kept.isEmpty { out += "?" + kept.joined(separator: "&") }
        out += url[fragmentStart...]
        return (out, removed)
    }

    /// Whether the URL's bytes hold `@` or `%40`.
    static func mayHoldEmail(_ url: String) -> Bool {
        var copy = url
        return copy.withUTF8 { buf -> Bool in
            for i in buf.indices {
                if buf[i] == 0x40 { return true }
                if buf[i] == 0x25, i + 2 < buf.count, buf[i + 1] == 0x34, buf[i + 2] == 0x30 { return true }
            }
            return false
        }
    }
}
