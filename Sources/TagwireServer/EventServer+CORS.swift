import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import TagwireDelivery
import TagwireHashing
import TagwireJSON
import TagwireMetaSender
import TagwireRuntime

/// Cross-origin requests from the property's own domains (browsers forwarding page events).
extension EventServer {
    // MARK: CORS

    /// Whether an `Origin` names one of the property's domains (scheme http or https, any port), or is one of the
    /// demo's origins.
    func originAllowed(_ origin: String, library: ServedLibrary) -> Bool {
        if options.demoOrigins.contains(origin) { return true }
        guard let url = URLComponents(string: origin), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http",
            let host = url.host?.lowercased()
        else { return false }
        return library.allowedHosts.contains(host)
    }

    func withCORS(_ response: Response, origin: String?, library: ServedLibrary) -> Response {
        guard let origin, originAllowed(origin, library: library) else { return response }
        var r = response
        r.headers[.accessControlAllowOrigin] = origin
        r.headers[.vary] = "Origin"
        return r
    }

    func preflight(_ request: Request) -> Response {
        guard let library = store.library else {
            return Self.json(503, RequestError(503, "no_library", "no library is loaded").json)
        }
        guard let origin = request.headers[.origin], originAllowed(origin, library: library) else {
            let shown = request.headers[.origin] ?? "(none)"
            return Self.json(
                403,
                RequestError(403, "origin_not_allowed", "origin '\(shown)' is not one of the property's domains").json
            )
        }
        var headers = HTTPFields()
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlAllowMethods] = "POST, OPTIONS"
        headers[.accessControlAllowHeaders] = "Content-Type"
        headers[.accessControlMaxAge] = "600"
        headers[.vary] = "Origin"
        return Response(status: .noContent, headers: headers)
    }
}
