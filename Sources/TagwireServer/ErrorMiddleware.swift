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

/// Turns Hummingbird's own errors (unknown route, method) into the server's JSON errors and counts statuses.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServeContext
    let server: EventServer

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response)
        async throws -> Response
    {
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            let code = status == 404 ? "not_found" : (status == 405 ? "method_not_allowed" : "http_\(status)")
            let message =
                status == 404
                ? "no such endpoint: \(request.method.rawValue) \(request.uri.path)"
                : "the request was refused (\(error.status.reasonPhrase))"
            response = EventServer.json(status, RequestError(status, code, message).json)
        } catch {
            server.logger.error(
                "unhandled error",
                metadata: ["path": .string(request.uri.path), "error": .string(String(describing: error))]
            )
            response = EventServer.json(500, RequestError(500, "internal", "the request could not be handled").json)
        }
        server.metrics.recordStatus(Int(response.status.code))
        return response
    }
}
