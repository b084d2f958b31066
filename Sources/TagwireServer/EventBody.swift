import TagwireJSON
import TagwireRuntime

/// Reads a `POST /v1/events` body into events: one JSON object, a JSON array of objects, or NDJSON (one object
/// per line). All or nothing: one unreadable event refuses the request, naming it, so a client can fix and resend
/// without duplicating the others.
public enum EventBody {
    /// The body kinds accepted, by media type.
    public enum Kind: Sendable {
        case json, ndjson, sniff
    }

    /// The kind for a `Content-Type` value, or nil when it is not accepted.
    public static func kind(contentType: String?) -> Kind? {
        guard let contentType else { return nil }
        // The common case without allocating.
        if contentType == "application/json" || contentType == "application/json; charset=utf-8" { return .json }
        let media =
            contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "application/json": return .json
        case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines": return .ndjson
        // navigator.sendBeacon with a string sends text/plain: sniffed.
        case "text/plain": return .sniff
        default: return nil
        }
    }

    /// The events of a body.
    public static func events(_ body: [UInt8], kind: Kind, limits: ServeLimits) throws(RequestError) -> [JSONValue] {
        let options = JSONReaderOptions(
            maxDepth: limits.maxDepth + 1,
            maxBytes: max(limits.maxBodyBytes, 1),
            recordPositions: false
        )
        switch kind {
        case .json:
            return try fromJSON(body, options: options, limits: limits)
        case .ndjson:
            return try fromNDJSON(body, options: options, limits: limits)
        case .sniff:
            // One JSON document when it parses as one; otherwise, object lines are NDJSON.
            do {
                return try fromJSON(body, options: options, limits: limits)
            } catch  where error.code == "invalid_json" || error.code == "too_deep" {
                let first = body.first { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
                guard first == 0x7B, EventRunner.lines(body).count > 1 else { throw error }
                return try fromNDJSON(body, options: options, limits: limits)
            }
        }
    }

    static func fromJSON(_ body: [UInt8], options: JSONReaderOptions, limits: ServeLimits) throws(RequestError)
        -> [JSONValue]
    {
        let value: JSONValue
        do {
            value = try JSONReader.parse(body, options: options)
        } catch {
            throw parseError(error, body: body, line: nil, limits: limits)
        }
        switch value {
        case .object:
            try check(value, index: 0, line: nil)
            return [value]
        case .array(let list):
            guard !list.isEmpty else {
                throw RequestError(
                    400,
                    "no_events",
                    "the body is an empty array; send at least one event object",
                    events: 0
                )
            }
            guard list.count <= limits.maxEvents else {
                throw RequestError(
                    400,
                    "too_many_events",
                    "the request carries \(list.count) events; at most \(limits.maxEvents) are accepted per request",
                    events: list.count
                )
            }
            for (i, e) in list.enumerated() { try check(e, index: i, line: nil, count: list.count) }
            return list
        default:
            throw RequestError(
                400,
                "invalid_event",
                "the body must be an event object, an array of event objects or NDJSON, not \(value.typeName)"
            )
        }
    }

    static func fromNDJSON(_ body: [UInt8], options: JSONReaderOptions, limits: ServeLimits) throws(RequestError)
        -> [JSONValue]
    {
        let lines = EventRunner.lines(body)
        guard !lines.isEmpty else {
            throw RequestError(400, "no_events", "the body holds no event; send one JSON object per line", events: 0)
        }
        guard lines.count <= limits.maxEvents else {
            throw RequestError(
                400,
                "too_many_events",
                "the request carries \(lines.count) events; at most \(limits.maxEvents) are accepted per request",
                events: lines.count
            )
        }
        var events: [JSONValue] = []
        events.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            let value: JSONValue
            do {
                value = try body.withUnsafeBufferPointer { buf throws(JSONIssue) in
                    try JSONReader.parse(UnsafeBufferPointer(rebasing: buf[line.range]), options: options)
                }
            } catch {
                var e = parseError(error, body: Array(body[line.range]), line: line.number, limits: limits)
                e.events = lines.count
                throw e
            }
            try check(value, index: i, line: line.number, count: lines.count)
            events.append(value)
        }
        return events
    }

    static func parseError(_ issue: JSONIssue, body: [UInt8], line: Int?, limits: ServeLimits) -> RequestError {
        if issue.id == "json.too-deep" {
            return RequestError(
                400,
                "too_deep",
                "an event nests arrays and objects deeper than the limit of \(limits.maxDepth) levels inside the event"
                    + (line.map { " (line \($0))" } ?? "")
            )
        }
        // Line and column of the offset (columns in bytes, 1-based).
        var l = 1
        var col = 1
        for b in body.prefix(issue.offset) {
            if b == 0x0A {
                l += 1
                col = 1
            } else {
                col += 1
            }
        }
        let at = line.map { "line \($0), column \(col)" } ?? "line \(l), column \(col)"
        return RequestError(400, "invalid_json", "malformed JSON at \(at): \(issue.message)")
    }

    /// An event must be an object; `xdm`, `data` and `request`, when present, objects; and it needs `xdm` or `data`.
    static func check(_ event: JSONValue, index: Int, line: Int?, count: Int = 1) throws(RequestError) {
        let place = line.map { "line \($0)" } ?? "event \(index)"
        guard case .object(let o) = event else {
            throw RequestError(
                400,
                "invalid_event",
                "\(place): an event must be a JSON object with 'xdm' and/or 'data', not \(event.typeName)",
                details: [detail(index, line)],
                events: count
            )
        }
        for key in ["xdm", "data", "request"] {
            if let v = o[key], v.objectValue == nil {
                throw RequestError(
                    400,
                    "invalid_event",
                    "\(place): '\(key)' must be an object, not \(v.typeName)",
                    details: [detail(index, line)],
                    events: count
                )
            }
        }
        if let request = o["request"]?.objectValue {
            if let ip = request["ip"], ip.stringValue == nil {
                throw RequestError(
                    400,
                    "invalid_event",
                    "\(place): 'request.ip' must be a string, not \(ip.typeName)",
                    details: [detail(index, line)],
                    events: count
                )
            }
            if let headers = request["headers"] {
                guard let h = headers.objectValue else {
                    throw RequestError(
                        400,
                        "invalid_event",
                        "\(place): 'request.headers' must be an object of strings, not \(headers.typeName)",
                        details: [detail(index, line)],
                        events: count
                    )
                }
                for m in h where m.value.stringValue == nil {
                    throw RequestError(
                        400,
                        "invalid_event",
                        "\(place): 'request.headers.\(m.key)' must be a string, not \(m.value.typeName)",
                        details: [detail(index, line)],
                        events: count
                    )
                }
            }
        }
        guard o["xdm"] != nil || o["data"] != nil else {
            throw RequestError(
                400,
                "invalid_event",
                "\(place): an edge event needs 'xdm' or 'data' (an object), such as {\"data\": {\"meta\": {...}}}",
                details: [detail(index, line)],
                events: count
            )
        }
    }

    static func detail(_ index: Int, _ line: Int?) -> JSONValue {
        var m: [(String, JSONValue)] = [("index", .number(Double(index)))]
        if let line { m.append(("line", .number(Double(line)))) }
        return .object(JSONObject(m))
    }
}
