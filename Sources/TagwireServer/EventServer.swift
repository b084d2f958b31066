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
/// - `GET /libraries/{property}/{file}`: the hosted web libraries (``WebLibraryHost``).
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
    public func deliveryService(
        flushInterval: Duration = .seconds(1),
        lease: Double = 60,
        batchLimit: Int = 1000,
        sender: ConversionsAPISender = ConversionsAPISender()
    ) -> DeliveryService {
        DeliveryService(
            outbox: outbox,
            store: store,
            metrics: metrics,
            signal: signal,
            flushInterval: flushInterval,
            lease: lease,
            batchLimit: batchLimit,
            logger: logger,
            sender: sender
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
        Application(
            router: router(),
            server: .http1OnEventLoops(configuration: .init(idleTimeout: TimeAmount(options.limits.idleTimeout))),
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
        router.get("/libraries/{property}/{file}") { request, context in
            self.options.libraries.response(
                folder: context.parameters.get("property") ?? "",
                name: context.parameters.get("file") ?? "",
                request: request
            )
        }
        router.get("/demo") { _, _ in self.options.pages.response(name: nil) }
        router.get("/demo/{file}") { _, context in self.options.pages.response(name: context.parameters.get("file")) }
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

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    static func json(_ status: Int, _ value: JSONValue) -> Response {
        Response(
            status: .init(code: status),
            headers: jsonHeaders,
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(value)))
        )
    }
}
