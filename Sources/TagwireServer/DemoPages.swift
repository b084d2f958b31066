import HTTPTypes
import Hummingbird
import NIOCore

/// The pages `tagwire serve --demo` hosts at `/demo/<file>`: a web property's `site/` folder, whose embed code
/// loads the library `tagwire serve` hosts and forwards to it, so a browser can walk the site on one origin.
/// `/demo` and `/demo/` lead to the first page.
public struct DemoPages: Sendable {
    var files: [String: ByteBuffer]
    var index: String?

    /// No pages.
    public init() {
        files = [:]
        index = nil
    }

    /// Pages by file name; `index` is where `/demo/` leads.
    public init(_ files: [String: [UInt8]], index: String?) {
        self.files = files.mapValues { ByteBuffer(bytes: $0) }
        self.index = index
    }

    /// Whether any page is hosted.
    public var isEmpty: Bool { files.isEmpty }

    /// The answer to `GET /demo/<name>` (`name` nil for `/demo` and `/demo/`).
    func response(name: String?) -> Response {
        guard let name, !name.isEmpty else {
            guard let index else {
                return EventServer.json(404, RequestError(404, "not_found", "no demo pages are served").json)
            }
            return Response(status: .found, headers: [.location: "/demo/" + index])
        }
        guard let body = files[name] else {
            return EventServer.json(404, RequestError(404, "not_found", "no demo page '\(name)'").json)
        }
        let headers: HTTPFields = [.contentType: Self.contentType(name), .cacheControl: "no-store"]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    static func contentType(_ name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "html", "htm": return "text/html; charset=utf-8"
        case "js": return "application/javascript; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        default: return "application/octet-stream"
        }
    }
}
