import Foundation
import HTTPTypes
import Hummingbird
import TagwireHashing
import TagwireJSON
import TagwireMeta

/// What the routes answer: the Conversions API's events, the Dataset Quality API and Pixel beacons, with the form
/// bodies they read.
extension GraphSandbox {
    /// The pixels a read's token may use (the token from the `Authorization: Bearer` header, else the
    /// `access_token` query parameter), or Meta's error for a missing or invalid token.
    static func readerPixels(_ request: Request, _ state: SandboxState) -> Result<Set<String>, GraphError> {
        var token = request.uri.queryParameters["access_token"].map(String.init)
        if let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") { token = String(auth.dropFirst(7)) }
        guard let token else {
            return .failure(GraphError(message: "An access token is required to request this resource.", code: 104))
        }
        guard let pixels = state.configuration.tokens[token] else {
            return .failure(GraphError(message: "Invalid OAuth access token - Cannot parse access token", code: 190))
        }
        return .success(pixels)
    }

    /// The pixel node as Meta answers a read of it: the fields asked for, for a token that may use the pixel; the
    /// same errors as Meta for a missing or invalid token and for a pixel the token may not see.
    static func pixel(_ request: Request, version: String, id: String, _ state: SandboxState) async -> Response {
        guard isVersion(version) else {
            return await errorResponse(GraphError(message: "Unknown path components: /\(version)", code: 2500), state)
        }
        let pixels: Set<String>
        switch readerPixels(request, state) {
        case .success(let p): pixels = p
        case .failure(let e): return await errorResponse(e, state)
        }
        guard pixels.contains(id) else {
            return await errorResponse(
                GraphError(
                    message:
                        "Unsupported get request. Object with ID '\(id)' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                    type: "GraphMethodException",
                    code: 100,
                    subcode: 33
                ),
                state
            )
        }
        let received = await state.received(pixel: id)
        let all: [(String, JSONValue)] = [
            ("id", .string(id)), ("name", .string("Sandbox pixel \(id)")),
            ("creation_time", "2026-01-05T09:00:00+0000"),
            ("last_fired_time", received.isEmpty ? .null : "2026-12-01T00:00:00+0000"), ("is_unavailable", false),
        ]
        let asked = (request.uri.queryParameters["fields"].map(String.init) ?? "id,name")
            .split(separator: ",").map { String($0) }
        var out = JSONObject([("id", .string(id))])
        for (key, value) in all where asked.contains(key) && !value.isNull { out[key] = value }
        return json(200, .object(out))
    }

    /// A Dataset Quality API answer (`web`: one entry per event name) computed from what the sandbox received;
    /// its `composite_score` is Tagwire's heuristic, as the real formula is not public.
    static func datasetQuality(_ request: Request, _ state: SandboxState) async -> Response {
        let query = request.uri.queryParameters
        let pixels: Set<String>
        switch readerPixels(request, state) {
        case .success(let p): pixels = p
        case .failure(let e): return await errorResponse(e, state)
        }
        guard let dataset = query["dataset_id"].map(String.init), pixels.contains(dataset) else {
            return await errorResponse(
                GraphError(message: "Unsupported get request.", type: "GraphMethodException", code: 100, subcode: 33),
                state
            )
        }
        let received = await state.received(pixel: dataset)
        var report = EventMatchQuality()
        var browserIDs: [String: Int] = [:]
        var serverIDs: [String: Int] = [:]
        for e in received {
            if e.source == "server" {
                report.add(event: e.event)
                if e.eventID != nil { serverIDs[e.eventName, default: 0] += 1 }
            } else if e.eventID != nil {
                browserIDs[e.eventName, default: 0] += 1
            }
        }
        let web: [JSONValue] = report.rows.keys.sorted().compactMap { report.rows[$0] }.map { row in
            let feedback: [JSONValue] = EventMatchQuality.weights.compactMap { w in
                guard let id = EventMatchQuality.identifiers[w.key], row.share(w.key) > 0 else { return nil }
                return [
                    "identifier": .string(id),
                    "coverage": ["percentage": .number((row.share(w.key) * 1000).rounded() / 10)],
                ]
            }
            return [
                "event_name": .string(row.eventName),
                "event_match_quality": [
                    "composite_score": .number((row.score * 10).rounded() / 10), "match_key_feedback": .array(feedback),
                ],
                "dedupe_key_feedback": .array([
                    [
                        "dedupe_key": "event_id",
                        "browser_events_with_dedupe_key": .number(Double(browserIDs[row.eventName] ?? 0)),
                        "server_events_with_dedupe_key": .number(Double(serverIDs[row.eventName] ?? 0)),
                    ]
                ]),
            ]
        }
        return json(200, ["web": .array(web)])
    }

    static func beacon(_ query: Parameters, _ state: SandboxState) async -> Response {
        guard let pixel = query["id"].map(String.init), let name = query["ev"].map(String.init) else {
            return json(400, ["error": "a beacon needs id and ev"])
        }
        let now = await state.now()
        await state.accept([
            ReceivedEvent(
                pixel: pixel,
                eventName: name,
                eventID: query["eid"].map(String.init),
                eventTime: now,
                source: "browser",
                testEventCode: nil,
                partnerAgent: nil,
                receivedAt: now,
                event: .object(JSONObject())
            )
        ])
        return Response(
            status: .ok,
            headers: [.contentType: "image/gif"],
            body: .init(byteBuffer: ByteBuffer(bytes: [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]))
        )
    }

    /// Decodes the text fields of a `multipart/form-data` body (curl -F).
    static func multipart(_ text: String, boundary: String) -> [String: String] {
        var out: [String: String] = [:]
        for part in text.components(separatedBy: "--" + boundary) {
            guard let split = part.range(of: "\r\n\r\n") ?? part.range(of: "\n\n") else { continue }
            let head = part[..<split.lowerBound]
            var value = String(part[split.upperBound...])
            // "\r\n" is a single Character in Swift.
            if value.hasSuffix("\r\n") || value.hasSuffix("\n") { value.removeLast() }
            guard let nameRange = head.range(of: "name=\"") else { continue }
            let rest = head[nameRange.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { continue }
            out[String(rest[..<end])] = value
        }
        return out
    }

    /// Decodes `application/x-www-form-urlencoded` text.
    static func form(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ")
            }
            guard let key = kv.first?.removingPercentEncoding else { continue }
            out[key] = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
        }
        return out
    }

    static func events(
        _ request: Request,
        _ context: BasicRequestContext,
        pixel: String,
        version: String,
        state: SandboxState,
        validator: GraphValidator
    ) async -> Response {
        switch await state.nextFault() {
        case .graphError(let e)?: return await errorResponse(e, state)
        case .htmlBadGateway?:
            return Response(
                status: .badGateway,
                headers: [.contentType: "text/html"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body><h1>502 Bad Gateway</h1></body></html>"))
            )
        case .dropConnection?:
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "{\"events_rec"))
                    throw CancellationError()
                }
            )
        case .delay(let ms)?:
            try? await Task.sleep(for: .milliseconds(ms))
        case nil:
            break
        }
        // Body: JSON or form.
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            return await errorResponse(GraphError(status: 413, message: "Request body is too large", code: 1), state)
        }
        let bytes = Array(buffer: buffer)
        let contentType = request.headers[.contentType] ?? ""
        var fields: [String: JSONValue] = [:]
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            for (k, v) in form(String(decoding: bytes, as: UTF8.self)) { fields[k] = .string(v) }
        } else if contentType.hasPrefix("multipart/form-data") {
            guard
                let boundary = contentType.components(separatedBy: "boundary=").dropFirst().first?.trimmingCharacters(
                    in: CharacterSet(charactersIn: "\" ")
                )
            else {
                return await errorResponse(
                    .invalid("Invalid Body", "multipart/form-data needs a boundary", subcode: nil),
                    state
                )
            }
            for (k, v) in multipart(String(decoding: bytes, as: UTF8.self), boundary: boundary) {
                fields[k] = .string(v)
            }
        } else if !bytes.isEmpty {
            guard
                case .object(let o)? = try? JSONReader.parse(
                    bytes,
                    options: JSONReaderOptions(maxDepth: 64, maxBytes: 16 * 1024 * 1024)
                )
            else {
                return await errorResponse(
                    .invalid("Invalid JSON", "The request body is not a JSON object", subcode: nil),
                    state
                )
            }
            for m in o { fields[m.key] = m.value }
        }
        // Token: header, query, body.
        var token: String?
        if let auth = request.headers[.authorization] {
            for scheme in ["Bearer ", "OAuth "] where auth.hasPrefix(scheme) {
                token = String(auth.dropFirst(scheme.count))
            }
        }
        if token == nil { token = request.uri.queryParameters["access_token"].map(String.init) }
        if token == nil { token = fields["access_token"]?.stringValue }
        guard let token, !token.isEmpty else {
            return await errorResponse(
                GraphError(message: "An access token is required to request this resource.", code: 104),
                state
            )
        }
        let config = state.configuration
        if config.expiredTokens.contains(token) {
            return await errorResponse(
                GraphError(message: "Error validating access token: Session has expired.", code: 190, subcode: 463),
                state
            )
        }
        guard let pixels = config.tokens[token] else {
            return await errorResponse(
                GraphError(message: "Invalid OAuth access token - Cannot parse access token", code: 190),
                state
            )
        }
        let proof =
            request.uri.queryParameters["appsecret_proof"].map(String.init) ?? fields["appsecret_proof"]?.stringValue
        if let secret = config.appSecret {
            if let proof, proof != SHA256.hmacHex(key: secret, message: token) {
                return await errorResponse(
                    GraphError(
                        message: "Invalid appsecret_proof provided in the API argument",
                        type: "GraphMethodException",
                        code: 100
                    ),
                    state
                )
            }
            if proof == nil, config.requireProof {
                return await errorResponse(
                    GraphError(
                        message: "API calls from the server require an appsecret_proof argument",
                        type: "GraphMethodException",
                        code: 100
                    ),
                    state
                )
            }
        }
        guard pixels.contains(pixel) else {
            return await errorResponse(
                GraphError(
                    message:
                        "Unsupported post request. Object with ID '\(pixel)' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                    type: "GraphMethodException",
                    code: 100,
                    subcode: 33
                ),
                state
            )
        }
        // data: an array of objects, or JSON text of one; each element may itself be JSON text.
        var data = fields["data"]
        if case .string(let text)? = data { data = try? JSONReader.parse(text) }
        guard case .array(var list)? = data else {
            return await errorResponse(
                .invalid("Missing data parameter", "The data parameter must be an array of events", subcode: nil),
                state
            )
        }
        if list.count > 1000 {
            return await errorResponse(
                .invalid("Too Many Events", "At most 1,000 events per request", subcode: 2_804_999),
                state
            )
        }
        for (i, element) in list.enumerated() {
            if case .string(let text) = element {
                guard let parsed = try? JSONReader.parse(text), parsed.objectValue != nil else {
                    return await errorResponse(.invalid("Invalid Event", "data[\(i)] is not an object"), state)
                }
                list[i] = parsed
            }
        }
        let now = await state.now()
        var messages: [String] = []
        for (i, event) in list.enumerated() {
            do {
                messages += try validator.validate(event, index: i, now: now)
            } catch {
                return await errorResponse(error, state)
            }
        }
        let testCode = fields["test_event_code"]?.stringValue
        let agent = fields["partner_agent"]?.stringValue
        await state.accept(
            list.map { e in
                ReceivedEvent(
                    pixel: pixel,
                    eventName: e["event_name"]?.stringValue ?? "",
                    eventID: e["event_id"]?.stringValue,
                    eventTime: e["event_time"]?.numberValue,
                    source: "server",
                    testEventCode: testCode,
                    partnerAgent: agent,
                    receivedAt: now,
                    event: e
                )
            }
        )
        let trace = await state.traceID()
        var headers: HTTPFields = [:]
        if let name = HTTPField.Name("x-fb-trace-id") { headers[name] = trace }
        if let name = HTTPField.Name("facebook-api-version") { headers[name] = version }
        return json(
            200,
            [
                "events_received": .number(Double(list.count)), "messages": .array(messages.map(JSONValue.string)),
                "fbtrace_id": .string(trace),
            ],
            headers: headers
        )
    }
}
