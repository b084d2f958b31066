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

/// `tagwire serve`: receives events over HTTP, runs the served edge library, stores what it produces in the
/// outbox before answering, and delivers in the background.
///
/// Routes (documented in ``OpenAPIDocument``):
/// - `POST /v1/events`, `POST /v1/properties/{property}/events`: one event, a JSON array or NDJSON → `202`.
/// - `GET /healthz`, `GET /readyz`, `GET /metrics`, `GET /openapi.json`.
/// - `POST /admin/reload`, `GET /admin/manifest`, `GET /admin/outbox`: bearer token (`TAGWIRE_ADMIN_TOKEN`).
public final class EventServer: Sendable {
    public let store: LibraryStore
    public let outbox: any Outbox
    public let committer: GroupCommitter
    public let metrics: ServerMetrics
    public let signal: WakeSignal
    public let redactor: Redactor
    public let options: ServeOptions
    public let logger: Logger

    /// A server over a library store and an outbox.
    public init(
        store: LibraryStore,
        outbox: any Outbox,
        options: ServeOptions,
        redactor: Redactor = Redactor(),
        metrics: ServerMetrics = ServerMetrics(),
        logger: Logger
    ) {
        self.store = store
        self.outbox = outbox
        self.options = options
        self.redactor = redactor
        self.metrics = metrics
        self.logger = logger
        let signal = WakeSignal()
        self.signal = signal
        committer = GroupCommitter(outbox: outbox) {
            metrics.recordCommit()
            signal.notify()
        }
        if let token = options.adminToken { redactor.add([token]) }
        if let lib = store.library { redactor.add(lib.secretValues) }
    }

    // MARK: application

    /// The background delivery loop for this server.
    public func deliveryService(flushInterval: Duration = .seconds(1), lease: Double = 60, batchLimit: Int = 1000)
        -> DeliveryService
    {
        DeliveryService(
            outbox: outbox,
            store: store,
            metrics: metrics,
            signal: signal,
            flushInterval: flushInterval,
            lease: lease,
            batchLimit: batchLimit,
            logger: logger
        )
    }

    /// An HTTP/1.1 application on `host:port` (0 picks a free port; `onRunning` gets the bound one), running
    /// `services` (the delivery loop) beside the server. SIGTERM or SIGINT stops accepting, lets requests in flight
    /// finish (each one's events are committed before its answer), then stops the services.
    public func application(
        host: String,
        port: Int,
        services: [any Service] = [],
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let idle = options.limits.idleTimeout.components
        return Application(
            router: router(),
            server: .http1OnEventLoops(
                configuration: .init(
                    idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)
                )
            ),
            configuration: .init(address: .hostname(host, port: port), serverName: "tagwire"),
            services: services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// The router (in-process tests use it directly).
    public func router() -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        router.add(middleware: ErrorMiddleware(server: self))
        router.post("/v1/events") { request, context in await self.acceptEvents(request, context, property: nil) }
        router.post("/v1/properties/{property}/events") { request, context in
            await self.acceptEvents(request, context, property: context.parameters.get("property") ?? "")
        }
        router.on("/v1/events", method: .options) { request, _ in self.preflight(request) }
        router.on("/v1/properties/{property}/events", method: .options) { request, _ in self.preflight(request) }
        router.get("/healthz") { _, _ in Self.json(200, ["status": "ok"]) }
        router.get("/readyz") { _, _ in await Self.offLoop { await self.ready() } }
        router.get("/metrics") { _, _ in await Self.offLoop { await self.metricsResponse() } }
        router.get("/openapi.json") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok,
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.text))
            )
        }
        router.post("/admin/reload") { request, _ in
            await Self.offLoop { await self.admin(request) { await self.reload(request) } }
        }
        router.get("/admin/manifest") { request, _ in await self.admin(request) { self.manifest() } }
        router.get("/admin/outbox") { request, _ in
            await Self.offLoop { await self.admin(request) { await self.outboxStats() } }
        }
        return router
    }

    /// Runs a handler that may block (outbox figures wait for the outbox's lock; a reload compiles the property)
    /// on Swift's global executor, away from the event loop the connection runs on.
    static func offLoop(_ handler: () async -> Response) async -> Response {
        await withTaskExecutorPreference(globalConcurrentExecutor) { await handler() }
    }

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
            if let origin, !Self.originAllowed(origin, library: library) {
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

    /// Reads the body, at most `limit` bytes, refusing it when its last part arrives after `timeout`. A client
    /// that sends nothing at all is cut off by the connection's idle timeout; one that trickles bytes to keep the
    /// connection alive is refused here, so no request holds the server longer than `timeout` + idle timeout.
    static func collect(_ body: RequestBody, limit: Int, timeout: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var bytes: [UInt8] = []
        for try await part in body {
            guard bytes.count + part.readableBytes <= limit else {
                throw RequestError(
                    413,
                    "payload_too_large",
                    "the body is larger than \(limit) bytes, the most accepted"
                )
            }
            guard ContinuousClock.now <= deadline else {
                throw RequestError(408, "request_timeout", "the body did not arrive within \(timeout); send it at once")
            }
            if bytes.isEmpty { bytes.reserveCapacity(part.readableBytes) }
            part.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
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

    // MARK: CORS

    /// Whether an `Origin` names one of the property's domains (scheme http or https, any port).
    static func originAllowed(_ origin: String, library: ServedLibrary) -> Bool {
        guard let url = URLComponents(string: origin), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http",
            let host = url.host?.lowercased()
        else { return false }
        return library.allowedHosts.contains(host)
    }

    func withCORS(_ response: Response, origin: String?, library: ServedLibrary) -> Response {
        guard let origin, Self.originAllowed(origin, library: library) else { return response }
        var r = response
        r.headers[.accessControlAllowOrigin] = origin
        r.headers[.vary] = "Origin"
        return r
    }

    func preflight(_ request: Request) -> Response {
        guard let library = store.library else {
            return Self.json(503, RequestError(503, "no_library", "no library is loaded").json)
        }
        guard let origin = request.headers[.origin], Self.originAllowed(origin, library: library) else {
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

    // MARK: health, metrics

    func ready() async -> Response {
        let library = store.library
        let outboxUp = await queueFigures() != nil
        let body: JSONValue = [
            "ready": .bool(library != nil && outboxUp), "library": .bool(library != nil), "outbox": .bool(outboxUp),
        ]
        return Self.json(library != nil && outboxUp ? 200 : 503, body)
    }

    /// Outbox figures, or nil when the outbox does not answer within 2 s.
    func queueFigures() async -> [String: OutboxStats]? {
        let outbox = self.outbox
        return await withTaskGroup(of: [String: OutboxStats]?.self) { group in
            group.addTask { try? await outbox.stats(now: Date().timeIntervalSince1970) }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }

    func metricsResponse() async -> Response {
        let text = metrics.render(queue: await queueFigures(), library: store.library)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: admin

    func admin(_ request: Request, _ handler: () async -> Response) async -> Response {
        guard let expected = options.adminToken, !expected.isEmpty else {
            return Self.json(
                403,
                RequestError(
                    403,
                    "admin_disabled",
                    "admin endpoints are disabled; start the server with TAGWIRE_ADMIN_TOKEN set"
                ).json
            )
        }
        let given = request.headers[.authorization].flatMap { h -> String? in
            let parts = h.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1])
        }
        // Compare digests, so the time taken says nothing about the token.
        guard let given, SHA256.hexDigest(given) == SHA256.hexDigest(expected) else {
            logger.notice("admin request refused", metadata: ["path": .string(request.uri.path)])
            var r = Self.json(
                401,
                RequestError(401, "unauthorized", "admin endpoints need 'Authorization: Bearer <TAGWIRE_ADMIN_TOKEN>'")
                    .json
            )
            r.headers[.wwwAuthenticate] = "Bearer"
            return r
        }
        return await handler()
    }

    func reload(_ request: Request) async -> Response {
        var path: String?
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: 64 * 1024))
        } catch {
            return Self.json(
                413,
                RequestError(413, "payload_too_large", "a reload request body is at most 64 KiB").json
            )
        }
        if !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard let value = try? JSONReader.parse(body), case .object(let o) = value else {
                return Self.json(
                    400,
                    RequestError(
                        400,
                        "invalid_json",
                        "the reload body must be empty or {\"path\": \"<property dir or artifact>\"}"
                    ).json
                )
            }
            if let p = o["path"] {
                guard let s = p.stringValue, !s.isEmpty else {
                    return Self.json(
                        400,
                        RequestError(400, "invalid_request", "'path' must be a non-empty string").json
                    )
                }
                path = s
            }
        }
        switch store.reload(from: path) {
        case .success(let lib):
            redactor.add(lib.secretValues)
            metrics.recordReload("ok")
            logger.notice(
                "library reloaded",
                metadata: ["property": .string(lib.propertyName), "content_hash": .string(lib.contentHash)]
            )
            return Self.json(200, .object(JSONObject([("reloaded", .bool(true)), ("manifest", lib.manifest)])))
        case .failure(let error):
            metrics.recordReload("refused")
            logger.error(
                "library reload refused; the previous library keeps serving",
                metadata: ["reason": .string(error.message)]
            )
            return Self.json(
                422,
                RequestError(
                    422,
                    "library_has_errors",
                    "the library was not loaded (the previous one keeps serving): \(error.message)",
                    details: error.diagnostics
                ).json
            )
        }
    }

    func manifest() -> Response {
        guard let lib = store.library else {
            return Self.json(503, RequestError(503, "no_library", "no library is loaded").json)
        }
        return Self.json(
            200,
            .object(
                JSONObject([
                    ("manifest", lib.manifest), ("source", .string(lib.source)), ("loadedAt", .number(lib.loadedAt)),
                ])
            )
        )
    }

    func outboxStats() async -> Response {
        guard let figures = await queueFigures() else {
            return Self.json(503, RequestError(503, "outbox_unavailable", "the outbox did not answer").json)
        }
        let rows: [(String, JSONValue)] = figures.keys.sorted().map { key in
            let s = figures[key] ?? OutboxStats()
            return (
                key,
                [
                    "queued": .number(Double(s.queued)), "inFlight": .number(Double(s.inFlight)),
                    "retrying": .number(Double(s.retrying)), "deadLettered": .number(Double(s.deadLettered)),
                ]
            )
        }
        return Self.json(
            200,
            .object(
                JSONObject([
                    ("destinations", .object(JSONObject(rows))),
                    ("openCircuits", .array(metrics.openCircuits.sorted().map(JSONValue.string))),
                ])
            )
        )
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        Response(
            status: .init(code: status),
            headers: jsonHeaders,
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(value)))
        )
    }
}

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
