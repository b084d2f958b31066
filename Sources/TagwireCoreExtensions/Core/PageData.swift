import Foundation
import TagwireIR
import TagwireJSON
import TagwireRuntime

/// Data elements reading the page: cookies, query parameters and page attributes (on the web from the page
/// state, else from the event's `cookies` and `url`).
enum PageData {
    static let attributes = ["url", "hostname", "pathname", "protocol", "referrer", "title"]

    /// `core.cookie`: the event's own cookie, else the one in `document.cookie`.
    struct Cookie: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            guard let name = settings["name"]?.stringValue else { return nil }
            return context.event["cookies"]?[name] ?? Self.fromDocument(context.window, name)
        }

        static func fromDocument(_ window: JSONValue, _ name: String) -> JSONValue? {
            guard let cookie = window["document"]?["cookie"]?.stringValue else { return nil }
            for part in cookie.split(separator: ";") {
                let kv = part.split(separator: "=", maxSplits: 1)
                if kv.count == 2, Coercion.trimmed(String(kv[0])) == name {
                    return .string(String(kv[1]).removingPercentEncoding ?? String(kv[1]))
                }
            }
            return nil
        }
    }

    /// `core.query-parameter`: a parameter of the page URL (empty text when it has no value).
    struct QueryParameter: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            guard let name = settings["name"]?.stringValue, let items = PageData.url(context)?.queryItems else {
                return nil
            }
            let ci = settings["caseInsensitive"]?.boolValue ?? false
            let item = items.first { ci ? $0.name.lowercased() == name.lowercased() : $0.name == name }
            return item.map { .string($0.value ?? "") }
        }
    }

    /// `core.page-info`: one attribute of the page.
    struct Info: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            let window = context.window
            let location = window["location"]
            let text: String?
            switch settings["attribute"]?.stringValue ?? "url" {
            case "url": text = location?["href"]?.stringValue ?? context.event["url"]?.stringValue
            case "hostname": text = location?["hostname"]?.stringValue ?? PageData.url(context)?.host
            case "pathname": text = location?["pathname"]?.stringValue ?? PageData.url(context)?.path
            case "protocol": text = location?["protocol"]?.stringValue ?? PageData.url(context)?.scheme.map { $0 + ":" }
            case "referrer": text = window["document"]?["referrer"]?.stringValue
            case "title": text = window["document"]?["title"]?.stringValue
            default: text = nil
            }
            return text.map(JSONValue.string)
        }
    }

    static func url(_ context: RuleContext) -> URLComponents? {
        guard let href = context.window["location"]?["href"]?.stringValue ?? context.event["url"]?.stringValue else {
            return nil
        }
        return URLComponents(string: href)
    }
}
