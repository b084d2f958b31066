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

/// Health, readiness, metrics and the admin routes (reload, manifest, outbox figures).
extension EventServer {
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
        } catch is any HTTPResponseError {
            return Self.json(
                413,
                RequestError(413, "payload_too_large", "a reload request body is at most 64 KiB").json
            )
        } catch {
            return Self.json(
                400,
                RequestError(400, "malformed_body", "the request body is not valid HTTP/1.1 (\(error))").json
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
        // Compiling reads files: off the event loops and the cooperative pool, so health checks and events go on.
        let store = self.store
        let requested = path
        let result = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: store.reload(from: requested)) }
        }
        switch result {
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
}
