import Foundation
import TagwireIR

/// Where a Conversions API event's access token comes from: the property, and the extension's `accessToken` setting
/// or the action whose own `accessToken` overrides it. Never the token or a digest of it: delivery reads the value
/// current when it sends, so events queued before a token was replaced leave with the new one.
///
/// Written as `<property>:meta-capi` or `<property>:<rule file>#<action pointer>`, with `%`, `|`, `:` and `#`
/// percent-escaped inside each part (a batch key separates its parts with `|`).
public struct CredentialsReference: Sendable, Hashable {
    public var property: String
    /// The action that names its own token (its file and pointer); nil for the extension's token.
    public var action: Origin?

    public init(property: String, action: Origin?) {
        self.property = property
        self.action = action
    }

    public var text: String {
        let place = action.map { Self.escape($0.file) + "#" + Self.escape($0.pointer) } ?? "meta-capi"
        return Self.escape(property) + ":" + place
    }

    /// What a reference names: the property and, for an action's own token, its file and pointer. Text without a
    /// property (an outbox item queued before references) names the extension's token of the library that sends.
    public static func parse(_ text: String) -> (property: String?, file: String, pointer: String)? {
        guard let colon = text.firstIndex(of: ":") else { return (nil, "", "") }
        let property = unescape(text[..<colon])
        let place = text[text.index(after: colon)...]
        if place == "meta-capi" { return (property, "", "") }
        guard let hash = place.firstIndex(of: "#") else { return nil }
        return (property, unescape(place[..<hash]), unescape(place[place.index(after: hash)...]))
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "%": out += "%25"
            case "|": out += "%7C"
            case ":": out += "%3A"
            case "#": out += "%23"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape(_ s: Substring) -> String {
        s.replacingOccurrences(of: "%23", with: "#").replacingOccurrences(of: "%3A", with: ":")
            .replacingOccurrences(of: "%7C", with: "|").replacingOccurrences(of: "%25", with: "%")
    }
}
