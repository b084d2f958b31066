import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TagwireHashing
import TagwireJSON
import TagwireMeta
import TagwireRuntime

/// What became of a delivery: Meta has it, it may be retried, or Meta refused it for good.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered(eventsReceived: Int, traceID: String?, messages: [String])
    /// Try again later; `after` is a hint (throttling asks for longer waits).
    case retryable(after: Duration?, reason: String, traceID: String?)
    /// Do not retry: the request or the setup is wrong (`code`/`subcode` from Meta when it said).
    case rejected(reason: String, code: Int?, subcode: Int?, traceID: String?)

    /// A JSON summary (no secrets).
    public var json: JSONValue {
        switch self {
        case .delivered(let n, let trace, let messages):
            var m: [(String, JSONValue)] = [("outcome", "delivered"), ("eventsReceived", .number(Double(n)))]
            if let trace { m.append(("fbtraceId", .string(trace))) }
            if !messages.isEmpty { m.append(("messages", .array(messages.map(JSONValue.string)))) }
            return .object(JSONObject(m))
        case .retryable(let after, let reason, let trace):
            var m: [(String, JSONValue)] = [("outcome", "retryable"), ("reason", .string(reason))]
            if let after { m.append(("retryAfterSeconds", .number(Double(after.components.seconds)))) }
            if let trace { m.append(("fbtraceId", .string(trace))) }
            return .object(JSONObject(m))
        case .rejected(let reason, let code, let subcode, let trace):
            var m: [(String, JSONValue)] = [("outcome", "rejected"), ("reason", .string(reason))]
            if let code { m.append(("code", .number(Double(code)))) }
            if let subcode { m.append(("subcode", .number(Double(subcode)))) }
            if let trace { m.append(("fbtraceId", .string(trace))) }
            return .object(JSONObject(m))
        }
    }
}

/// Meta refused a Graph API read (the Dataset Quality API, a pixel node).
public struct DatasetQualityError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var code: Int?
    public var subcode: Int?
    /// What was read, for the description.
    public var what = "Dataset Quality API"
    public var description: String { "\(what): \(message)\(code.map { " (code \($0))" } ?? "")" }
}

/// Where and how Conversions API requests are sent.
public struct ConversionsAPIConfiguration: Sendable {
    /// The Graph API base URL: `TAGWIRE_META_GRAPH_URL`, else `https://graph.facebook.com`.
    public var baseURL: String
    /// The Graph API version used when a dispatch names none.
    public var defaultVersion: String
    /// Meta recommends 1.5 s.
    public var timeout: Duration

    /// A configuration; the base URL comes from `TAGWIRE_META_GRAPH_URL` unless given, the timeout from
    /// `TAGWIRE_META_TIMEOUT_MS` (default 1,500 ms, as Meta recommends).
    public init(baseURL: String? = nil, defaultVersion: String = GraphAPIVersions.default, timeout: Duration? = nil) {
        let env = ProcessInfo.processInfo.environment
        self.baseURL = baseURL ?? env["TAGWIRE_META_GRAPH_URL"] ?? "https://graph.facebook.com"
        self.defaultVersion = defaultVersion
        self.timeout =
            timeout ?? env["TAGWIRE_META_TIMEOUT_MS"].flatMap(Int.init).map { .milliseconds(max(1, $0)) }
            ?? .milliseconds(1500)
    }
}

/// Sends Conversions API requests and classifies Meta's answers (reference §1.8).
public struct ConversionsAPISender: Sendable {
    public let configuration: ConversionsAPIConfiguration
    let client: HTTPClient

    /// A sender over an HTTP client (the shared one by default).
    public init(
        configuration: ConversionsAPIConfiguration = ConversionsAPIConfiguration(),
        client: HTTPClient = .shared
    ) {
        self.configuration = configuration
        self.client = client
    }

    /// `{base}/{version}/{pixel}/events`, with `appsecret_proof` when an app secret is set.
    public func url(pixelID: String, version: String?, accessToken: String, appSecret: String?) -> String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let pixel = pixelID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? pixelID
        var url = "\(base)/\(version ?? configuration.defaultVersion)/\(pixel)/events"
        if let appSecret, !appSecret.isEmpty {
            url += "?appsecret_proof=" + SHA256.hmacHex(key: appSecret, message: accessToken)
        }
        return url
    }

    /// Sends one request body (`data`, `partner_agent`, `test_event_code`) for a pixel.
    public func send(
        pixelID: String,
        payload: JSONValue,
        accessToken: String,
        appSecret: String? = nil,
        version: String? = nil
    ) async -> DeliveryOutcome {
        await send(
            pixelID: pixelID,
            body: JSONWriter().bytes(payload),
            accessToken: accessToken,
            appSecret: appSecret,
            version: version
        )
    }

    /// Sends a request body already written as JSON bytes.
    public func send(
        pixelID: String,
        body: [UInt8],
        accessToken: String,
        appSecret: String? = nil,
        version: String? = nil
    ) async -> DeliveryOutcome {
        var request = HTTPClientRequest(
            url: url(pixelID: pixelID, version: version, accessToken: accessToken, appSecret: appSecret)
        )
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "User-Agent", value: "tagwire")
        request.body = .bytes(body)
        let timeout = TimeAmount(configuration.timeout)
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: 1024 * 1024)
            return Self.classify(
                status: Int(response.status.code),
                contentType: response.headers.first(name: "content-type"),
                body: Array(buffer: body)
            )
        } catch {
            return .retryable(after: nil, reason: "network: \(Self.describe(error))", traceID: nil)
        }
    }

    /// A description of a transport error that names no URL (URLs can carry the app secret proof).
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout { return "timed out" }
            if e == .remoteConnectionClosed { return "connection closed by the server" }
            return e.shortDescription
        }
        return String(describing: type(of: error))
    }

    /// Codes Meta documents as temporary (reference §1.8).
    static let retryableCodes: Set<Int> = [1, 2, 4, 17, 32, 341, 613, 21009, 5000]
    static let throttleCodes: Set<Int> = [4, 17, 32, 613]

    /// Classifies an answer: 2xx with JSON is delivered; HTML, 5xx, throttling and `is_transient` are retryable;
    /// other Graph errors (bad parameters, tokens, permissions) are rejected.
    public static func classify(status: Int, contentType: String?, body: [UInt8]) -> DeliveryOutcome {
        let parsed = try? JSONReader.parse(body, options: JSONReaderOptions(maxDepth: 32, maxBytes: 1024 * 1024))
        if (200..<300).contains(status) {
            guard let json = parsed, json.objectValue != nil else {
                return .retryable(after: nil, reason: "HTTP \(status) without a JSON body", traceID: nil)
            }
            return .delivered(
                eventsReceived: Int(json["events_received"]?.numberValue ?? 0),
                traceID: json["fbtrace_id"]?.stringValue,
                messages: json["messages"]?.arrayValue?.compactMap(\.stringValue) ?? []
            )
        }
        guard let error = parsed?["error"], error.objectValue != nil else {
            return .retryable(
                after: nil,
                reason:
                    "HTTP \(status) with a \(contentType?.split(separator: ";").first.map(String.init) ?? "non-JSON") body",
                traceID: nil
            )
        }
        let code = error["code"]?.numberValue.map { Int($0) }
        let subcode = error["error_subcode"]?.numberValue.map { Int($0) }
        let trace = error["fbtrace_id"]?.stringValue
        var reason = "HTTP \(status), code \(code.map(String.init) ?? "?")"
        if let subcode { reason += "/\(subcode)" }
        if let title = error["error_user_title"]?.stringValue {
            reason += ": \(title)"
        } else if let m = error["message"]?.stringValue {
            reason += ": \(m)"
        }
        if let code, throttleCodes.contains(code) || (80000...80014).contains(code) {
            return .retryable(after: .seconds(60), reason: reason, traceID: trace)
        }
        if error["is_transient"]?.boolValue == true || code.map(retryableCodes.contains) == true || status >= 500 {
            return .retryable(after: nil, reason: reason, traceID: trace)
        }
        return .rejected(reason: reason, code: code, subcode: subcode, traceID: trace)
    }

    /// Reads Meta's Dataset Quality API for a dataset (pixel): `GET {base}/{version}/dataset_quality`.
    public func datasetQuality(pixelID: String, accessToken: String, version: String? = nil) async throws -> JSONValue {
        let fields =
            "web{event_name,event_match_quality{composite_score,match_key_feedback{identifier,coverage{percentage}}},dedupe_key_feedback{dedupe_key,browser_events_with_dedupe_key,server_events_with_dedupe_key}}"
        return try await read(
            "dataset_quality",
            query: "dataset_id=\(Self.encoded(pixelID))&agent_name=tagwire&fields=\(Self.encoded(fields))",
            accessToken: accessToken,
            version: version,
            what: "Dataset Quality API"
        )
    }

    /// The pixel (dataset) node: `id`, `name`, `creation_time`, `last_fired_time`, `is_unavailable` as far as the
    /// token may read them.
    public func readPixel(pixelID: String, accessToken: String, version: String? = nil) async throws -> JSONValue {
        try await read(
            Self.encoded(pixelID),
            query: "fields=" + Self.encoded("id,name,creation_time,last_fired_time,is_unavailable"),
            accessToken: accessToken,
            version: version,
            what: "pixel \(pixelID)"
        )
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    /// A Graph API GET of `path` with the token in the `Authorization` header; Meta's error envelope is thrown.
    func read(_ path: String, query: String, accessToken: String, version: String?, what: String) async throws
        -> JSONValue
    {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: "\(base)/\(version ?? configuration.defaultVersion)/\(path)?\(query)")
        request.headers.add(name: "Authorization", value: "Bearer \(accessToken)")
        request.headers.add(name: "User-Agent", value: "tagwire")
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 * 1024 * 1024)
        let json: JSONValue
        do {
            json = try JSONReader.parse(
                Array(buffer: body),
                options: JSONReaderOptions(maxDepth: 32, maxBytes: 4 * 1024 * 1024)
            )
        } catch {
            throw DatasetQualityError(message: "HTTP \(response.status.code), not JSON", code: nil, what: what)
        }
        if let error = json["error"] {
            throw DatasetQualityError(
                message: error["message"]?.stringValue ?? "HTTP \(response.status.code)",
                code: error["code"]?.numberValue.map { Int($0) },
                subcode: error["error_subcode"]?.numberValue.map { Int($0) },
                what: what
            )
        }
        return json
    }
}
