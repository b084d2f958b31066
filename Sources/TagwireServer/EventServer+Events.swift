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

/// `POST /v1/events`: read the body, evaluate every event, store what the rules produce, answer 202.
extension EventServer {
    // MARK: accepting events

    func acceptEvents(_ request: Request, _ context: ServeContext, property: String?) async -> Response {
        let origin = request.headers[.origin]
        do {
            guard let library = store.library else {
                throw RequestError(503, "no_library", "no library is loaded; load one with POST /admin/reload")
            }
            if let property, property != library.propertyName {
                throw RequestError(
                    404,
                    "unknown_property",
                    "this server serves property '\(library.propertyName)', not '\(property)'"
                )
            }
            if let origin, !originAllowed(origin, library: library) {
                throw RequestError(
                    403,
                    "origin_not_allowed",
                    "origin '\(origin)' is not one of the property's domains (\(library.allowedHosts.sorted().joined(separator: ", ")))"
                )
            }
            guard let kind = EventBody.kind(contentType: request.headers[.contentType]) else {
                throw RequestError(
                    415,
                    "unsupported_media_type",
                    "Content-Type '\(request.headers[.contentType] ?? "(none)")' is not accepted; send application/json (an event or an array of events), application/x-ndjson or text/plain"
                )
            }
            let limits = options.limits
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limits.maxBodyBytes {
                throw RequestError(
                    413,
                    "payload_too_large",
                    "the body is \(length) bytes; at most \(limits.maxBodyBytes) are accepted"
                )
            }
            let body = try await Self.collect(request.body, limit: limits.maxBodyBytes, timeout: limits.bodyTimeout)
            let events = try EventBody.events(body, kind: kind, limits: limits)
            let response = try await evaluateAndStore(events, library: library, request: request, context: context)
            return withCORS(response, origin: origin, library: library)
        } catch let error as RequestError {
            metrics.recordRejected(events: error.events, reason: error.code)
            logger.notice(
                "request refused",
                metadata: [
                    "path": .string(request.uri.path), "status": .stringConvertible(error.status),
                    "code": .string(error.code),
                ]
            )
            var response = Self.json(error.status, error.json)
            if error.status == 503 { response.headers[.retryAfter] = "5" }
            // The rest of a body that could not be read cannot be told from the next request.
            if error.status == 408 || error.code == "malformed_body" { response.headers[.connection] = "close" }
            return store.library.map { withCORS(response, origin: origin, library: $0) } ?? response
        } catch {
            metrics.recordRejected(events: 1, reason: "internal")
            logger.error(
                "request failed",
                metadata: ["path": .string(request.uri.path), "error": .string(String(describing: error))]
            )
            return Self.json(500, RequestError(500, "internal", "the request could not be handled").json)
        }
    }

    /// Reads the body, at most `limit` bytes, within `timeout`: a body that has not all arrived by then, whether
    /// its client trickles bytes or has stopped sending, is refused with 408 at the deadline. A body the HTTP parser
    /// cannot read (a chunk size that is not hexadecimal, a chunk without its CRLF) is refused with 400.
    public static func collect(_ body: RequestBody, limit: Int, timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { try await read(body, limit: limit) }
            group.addTask {
                try await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard let bytes = try await group.next() ?? nil else {
                throw RequestError(408, "request_timeout", "the body did not arrive within \(timeout); send it at once")
            }
            return bytes
        }
    }

    static func read(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await part in body {
                guard bytes.count + part.readableBytes <= limit else {
                    throw RequestError(
                        413,
                        "payload_too_large",
                        "the body is larger than \(limit) bytes, the most accepted"
                    )
                }
                if bytes.isEmpty { bytes.reserveCapacity(part.readableBytes) }
                part.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
            }
        } catch let error as RequestError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw RequestError(
                400,
                "malformed_body",
                "the request body is not valid HTTP/1.1 (\(error)); send a Content-Length body or well-formed chunks"
            )
        }
        return bytes
    }

    func evaluateAndStore(_ events: [JSONValue], library: ServedLibrary, request: Request, context: ServeContext)
        async throws -> Response
    {
        // One system random call per request seeds the receipt ids and the engine's session (generated event ids).
        var system = SystemRandomNumberGenerator()
        let evaluated = EvaluatedEvents(
            events,
            library: library,
            receivedAt: Date().timeIntervalSince1970,
            seed: system.next()
        ) {
            requestDescriptor(request, context)
        }
        do {
            _ = try await committer.store(evaluated.items)
        } catch {
            logger.error("outbox write failed; events refused", metadata: ["error": .string(String(describing: error))])
            throw RequestError(
                503,
                "outbox_unavailable",
                "the events could not be stored durably; nothing was accepted, send them again",
                events: events.count
            )
        }
        metrics.recordAccepted(events: events.count, evaluated)
        options.onAccepted?(events, evaluated.body)
        logger.debug(
            "events accepted",
            metadata: [
                "events": .stringConvertible(events.count), "enqueued": .stringConvertible(evaluated.items.count),
            ]
        )
        return Response(
            status: .accepted,
            headers: Self.jsonHeaders,
            body: .init(byteBuffer: ByteBuffer(bytes: evaluated.body))
        )
    }

    static let forwardedFor = HTTPField.Name("x-forwarded-for")
    /// Request headers an edge event's `request` carries, named once.
    static let forwardedHeaders: [(String, HTTPField.Name)] = ["user-agent", "referer", "accept-language", "origin"]
        .compactMap { name in
            HTTPField.Name(name).map { (name, $0) }
        }

    /// The `request` an edge event gets when it carries none: the client IP and the headers rules read.
    func requestDescriptor(_ request: Request, _ context: ServeContext) -> JSONValue {
        var ip: String?
        if options.trustForwardedFor, let name = Self.forwardedFor, let forwarded = request.headers[name] {
            ip = forwarded.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        if ip == nil { ip = context.remoteAddress?.ipAddress }
        var headers: [(String, JSONValue)] = []
        for (name, field) in Self.forwardedHeaders {
            if let v = request.headers[field] { headers.append((name, .string(v))) }
        }
        var m: [(String, JSONValue)] = []
        if let ip { m.append(("ip", .string(ip))) }
        m.append(("headers", .object(JSONObject(headers))))
        return .object(JSONObject(m))
    }
}
