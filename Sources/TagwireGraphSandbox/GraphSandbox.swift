import Foundation
import HTTPTypes
import Hummingbird
import Logging
import TagwireHashing
import TagwireJSON
import TagwireMeta

/// A local stand-in for Meta's Graph API Conversions endpoint (reference §9), for development and tests.
///
/// Routes:
/// - `POST /v{N}.{M}/{pixel}/events` and `POST /{pixel}/events`: JSON or form bodies, token from the
///   `Authorization: Bearer|OAuth` header, the `access_token` query parameter or body field; every §9.4 validation
///   with Meta's error envelope and codes; success `{"events_received", "messages", "fbtrace_id"}`.
/// - `GET /v{N}.{M}/{pixel}?fields=…`: the pixel node (`id`, `name`, `creation_time`, `last_fired_time`,
///   `is_unavailable`), for a token that may use the pixel.
/// - `GET|POST /tr?id={pixel}&ev={event}&eid={event id}`: a Pixel beacon, recorded as a browser copy.
/// - `GET /__sandbox/events[?pixel=]`: what was received; `GET /__sandbox/dedup[?pixel=]`: the dedup model's
///   counts; `POST /__sandbox/faults`: inject faults; `POST /__sandbox/reset`.
public enum GraphSandbox {
    /// The router over a state.
    public static func router(state: SandboxState) -> Router<BasicRequestContext> {
        let router = Router()
        let validator = GraphValidator(strictHashes: state.configuration.strictHashes)
        // Hummingbird requires one parameter name per path position: `first` is the version in
        // `/v26.0/{pixel}/events` and the pixel in the unversioned `/{pixel}/events`.
        router.post("/{first}/{pixel}/events") { request, context in
            let version = context.parameters.get("first") ?? ""
            guard isVersion(version) else {
                return await errorResponse(
                    GraphError(message: "Unknown path components: /\(version)", code: 2500),
                    state
                )
            }
            return await events(
                request,
                context,
                pixel: context.parameters.get("pixel") ?? "",
                version: version,
                state: state,
                validator: validator
            )
        }
        router.post("/{first}/events") { request, context in
            await events(
                request,
                context,
                pixel: context.parameters.get("first") ?? "",
                version: "v26.0",
                state: state,
                validator: validator
            )
        }
        for method: HTTPRequest.Method in [.get, .put, .delete, .patch] {
            router.on("/{first}/{pixel}/events", method: method) { _, _ in
                await errorResponse(
                    GraphError(
                        message: "Unsupported \(method.rawValue.lowercased()) request.",
                        type: "GraphMethodException",
                        code: 100,
                        subcode: 33
                    ),
                    state
                )
            }
        }
        router.get("/{first}/dataset_quality") { request, _ in await datasetQuality(request, state) }
        router.get("/{first}/{pixel}") { request, context in
            await pixel(
                request,
                version: context.parameters.get("first") ?? "",
                id: context.parameters.get("pixel") ?? "",
                state
            )
        }
        // A stand-in for Meta's fbevents.js: a web library whose meta-pixel `scriptUrl` points here sends its Pixel
        // events to /tr below.
        router.get("/en_US/fbevents.js") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/javascript; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.fbevents_js))
            )
        }
        router.get("/tr") { request, _ in await beacon(request.uri.queryParameters, state) }
        router.post("/tr") { request, _ in await beacon(request.uri.queryParameters, state) }
        router.get("/__sandbox/events") { request, _ in
            let pixel = request.uri.queryParameters["pixel"].map(String.init)
            let list = await state.received(pixel: pixel)
            let requests = await state.requests
            let items: [JSONValue] = list.map { e in
                var m: [(String, JSONValue)] = [
                    ("pixel", .string(e.pixel)), ("event_name", .string(e.eventName)), ("source", .string(e.source)),
                    ("received_at", .number(e.receivedAt)),
                ]
                if let id = e.eventID { m.append(("event_id", .string(id))) }
                if let t = e.eventTime { m.append(("event_time", .number(t))) }
                if let c = e.testEventCode { m.append(("test_event_code", .string(c))) }
                if let p = e.partnerAgent { m.append(("partner_agent", .string(p))) }
                m.append(("event", e.event))
                return .object(JSONObject(m))
            }
            return json(200, .object(JSONObject([("requests", .number(Double(requests))), ("events", .array(items))])))
        }
        router.get("/__sandbox/dedup") { request, _ in
            let pixel = request.uri.queryParameters["pixel"].map(String.init)
            let s = await state.dedupSummary(pixel: pixel)
            return json(
                200,
                [
                    "unique": .number(Double(s.unique)), "copies": .number(Double(s.copies)),
                    "duplicates": .number(Double(s.duplicates)), "browserWins": .number(Double(s.browserWins)),
                ]
            )
        }
        router.post("/__sandbox/reset") { _, _ in
            await state.reset()
            return json(200, ["reset": true])
        }
        router.post("/__sandbox/faults") { request, context in
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let spec = try? JSONReader.parse(Array(buffer: body)), let fault = fault(from: spec) else {
                return json(
                    400,
                    [
                        "error":
                            "expected {\"fault\": \"http500|html502|drop|slow|throttle|transient|code\", \"count\": n, ...}"
                    ]
                )
            }
            await state.inject(fault, count: Int(spec["count"]?.numberValue ?? 1))
            return json(200, ["injected": true])
        }
        return router
    }

    /// An application on `host:port` (port 0 picks a free one; `onRunning` receives the bound port).
    public static func application(
        state: SandboxState,
        host: String = "127.0.0.1",
        port: Int = 0,
        logger: Logger? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(state: state),
            configuration: .init(address: .hostname(host, port: port), serverName: "tagwire-graph-sandbox"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    static func isVersion(_ s: String) -> Bool {
        guard s.hasPrefix("v") else { return false }
        let parts = s.dropFirst().split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    static func fault(from spec: JSONValue) -> SandboxFault? {
        switch spec["fault"]?.stringValue {
        case "http500":
            return .graphError(
                GraphError(
                    status: 500,
                    message: "An unexpected error has occurred. Please retry your request later.",
                    code: 2,
                    isTransient: true
                )
            )
        case "unknown":
            return .graphError(
                GraphError(status: 500, message: "An unknown error occurred", code: 1, isTransient: true)
            )
        case "html502": return .htmlBadGateway
        case "drop": return .dropConnection
        case "slow": return .delay(Int(spec["delayMs"]?.numberValue ?? 2000))
        case "throttle":
            let code = Int(spec["code"]?.numberValue ?? 17)
            let subcode: Int? = code == 17 ? 2_446_079 : (code == 613 ? 1_487_742 : nil)
            return .graphError(
                GraphError(
                    message: "(#\(code)) User request limit reached",
                    code: code,
                    subcode: subcode,
                    isTransient: true
                )
            )
        case "transient":
            return .graphError(
                GraphError(
                    message: "Temporary error",
                    code: 100,
                    isTransient: true,
                    userTitle: "Temporary Error",
                    userMessage: "Please retry"
                )
            )
        case "code":
            guard let code = spec["code"]?.numberValue else { return nil }
            return .graphError(
                GraphError(
                    status: Int(spec["status"]?.numberValue ?? 400),
                    message: spec["message"]?.stringValue ?? "Injected error",
                    code: Int(code),
                    subcode: spec["subcode"]?.numberValue.map { Int($0) },
                    isTransient: spec["is_transient"]?.boolValue
                )
            )
        default:
            return nil
        }
    }

    static func json(_ status: Int, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=UTF-8"
        return Response(
            status: .init(code: status),
            headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(value)))
        )
    }

    static func errorResponse(_ error: GraphError, _ state: SandboxState) async -> Response {
        let trace = await state.traceID()
        var headers: HTTPFields = [:]
        if let name = HTTPField.Name("x-fb-trace-id") { headers[name] = trace }
        if [4, 17, 32, 613].contains(error.code) || (80000...80014).contains(error.code),
            let usage = HTTPField.Name("x-business-use-case-usage")
        {
            headers[usage] =
                #"{"call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":1}"#
        }
        return json(error.status, error.envelope(traceID: trace), headers: headers)
    }
}
