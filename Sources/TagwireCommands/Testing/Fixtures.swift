import Foundation
import TagwireDiagnostics
import TagwireJSON

/// A fixture file of a property's `fixtures/` directory: settings its cases share and the cases, each with its
/// events and what must come of them. The format is described in docs/TESTING.md and `Schemas/fixture.schema.json`.
struct FixtureFile {
    /// The file as diagnostics name it (relative to the current directory).
    var path: String
    var sourceMap: SourceMap
    var document: JSONValue
    var cases: [FixtureCase]

    /// Where a pointer of this file is, for diagnostics and failures.
    func location(_ pointer: String) -> SourceLocation {
        let offset = sourceMap.keyOffset(pointer) ?? sourceMap.nearestValueOffset(pointer) ?? 0
        let (line, column) = sourceMap.lineColumn(ofOffset: offset)
        return SourceLocation(file: path, pointer: pointer, line: line, column: column)
    }
}

/// One case: events run with a fixed clock, seed, environment and secrets, and the expectations on their results.
struct FixtureCase {
    enum Events {
        /// Events written in the case, as NDJSON.
        case inline([UInt8])
        /// An NDJSON file (path resolved against the fixture file's directory).
        case file(String)
    }

    var name: String
    var pointer: String
    var events: Events
    var now: Double
    var seed: UInt64
    var environment: String?
    var secrets: [String: String]
    /// The edge property (directory or artifact) a web property's `edge` dispatches go to.
    var then: String?
    var expectations: [EventExpectation]
}

/// What one event (by index) must produce.
struct EventExpectation {
    var event: Int
    var pointer: String
    var outcomes: OutcomeExpectation
    /// One per forwarded edge dispatch, in order (web cases with `then`).
    var forwarded: [ForwardExpectation]
}

/// Rule statuses and dispatches, for an event or for one of its forwarded edge events.
struct OutcomeExpectation {
    /// Rule name → expected status (a status name, or an object with `status` and a `reason` matcher).
    var rules: [(name: String, status: String, reason: Matcher?, pointer: String)] = []
    var dispatches: [DispatchExpectation] = []
    /// Destinations that must get no dispatch.
    var noDispatch: [(destination: String, pointer: String)] = []
}

struct ForwardExpectation {
    var pointer: String
    /// The web rule whose `edge` dispatch was forwarded, when given.
    var rule: String?
    var outcomes: OutcomeExpectation
}

/// A dispatch that must be among the event's: its destination, optionally its rule, and fields by JSON pointer.
struct DispatchExpectation {
    var pointer: String
    var destination: String
    var rule: String?
    var fields: [(pointer: String, matcher: Matcher)]
}

/// How an expected field is compared with the actual value.
enum Matcher {
    /// Equal as JSON (numbers by value).
    case equals(JSONValue)
    /// A string (or a number's text) the regular expression matches somewhere.
    case matches(String)
    /// The lower-case hex SHA-256 of the text, as Meta's hashed customer information is written.
    case sha256Of(String)
    /// The pointer names nothing.
    case absent

    /// The matcher's JSON form, as fixture files write it.
    var json: JSONValue {
        switch self {
        case .equals(let v):
            if case .object(let o) = v, o.count == 1, let key = o.keys.first, Matcher.keys.contains(key) {
                return .object(JSONObject([("equals", v)]))
            }
            return v
        case .matches(let r): return .object(JSONObject([("matches", .string(r))]))
        case .sha256Of(let t): return .object(JSONObject([("sha256Of", .string(t))]))
        case .absent: return .object(JSONObject([("absent", true)]))
        }
    }

    /// An object with exactly one of these members is a matcher, not a literal.
    static let keys: Set<String> = ["equals", "matches", "sha256Of", "absent"]
}

/// The statuses a rule expectation may name: the engine's, and `notTriggered` for a web rule no event started.
let ruleStatuses = ["fired", "conditionNotMet", "failed", "skipped", "notTriggered"]

/// Decodes fixture files, reporting every problem with its place.
struct FixtureDecoder {
    var diagnostics: [Diagnostic] = []
    private var file: FixtureFile

    /// Receipt time of a case that gives none: fixed, so that results never depend on the clock.
    static let defaultNow = 1_767_225_600.0

    private init(file: FixtureFile) { self.file = file }

    /// Reads `path` (shown as `shownPath`); nil with diagnostics when it cannot be used.
    static func read(_ path: String, shownPath: String) -> (FixtureFile?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (
                nil,
                [Diagnostic(.error, id: "fixture.unreadable", "cannot read fixture file '\(shownPath)'")]
            )
        }
        let bytes = [UInt8](data)
        let doc = JSONReader.read(bytes)
        let map = SourceMap(text: bytes)
        let empty = FixtureFile(path: shownPath, sourceMap: map, document: .null, cases: [])
        if let issue = doc.issues.first {
            var d = FixtureDecoder(file: empty)
            d.error("fixture.json", issue.message, at: "", offset: issue.offset)
            return (nil, d.diagnostics)
        }
        guard let value = doc.value else { return (nil, []) }
        var decoder = FixtureDecoder(file: FixtureFile(path: shownPath, sourceMap: map, document: value, cases: []))
        let directory = (path as NSString).deletingLastPathComponent
        decoder.decodeFile(value, directory: directory)
        return (decoder.diagnostics.isEmpty ? decoder.file : nil, decoder.diagnostics)
    }

    private mutating func error(_ id: String, _ message: String, at pointer: String, offset: Int? = nil) {
        var location = file.location(pointer)
        if let offset {
            let (line, column) = file.sourceMap.lineColumn(ofOffset: offset)
            location.line = line
            location.column = column
        }
        diagnostics.append(Diagnostic(.error, id: id, message, at: location))
    }

    /// Reports members not in `allowed`, with a did-you-mean.
    private mutating func checkKeys(_ o: JSONObject, _ allowed: [String], at pointer: String, what: String) {
        for key in o.keys where !allowed.contains(key) {
            let hint = Suggestions.didYouMean(key, in: allowed).map { "; \($0)" } ?? ""
            error(
                "fixture.unknown-key",
                "unknown key '\(key)' in \(what)\(hint) (expected one of: \(allowed.joined(separator: ", ")))",
                at: pointer + "/" + escapePointerToken(key)
            )
        }
    }

    private mutating func object(_ v: JSONValue?, at pointer: String, what: String) -> JSONObject? {
        guard let v else { return nil }
        guard case .object(let o) = v else {
            error("fixture.type", "\(what) must be an object, not \(v.typeName)", at: pointer)
            return nil
        }
        return o
    }

    private mutating func string(_ v: JSONValue?, at pointer: String, what: String) -> String? {
        guard let v else { return nil }
        guard case .string(let s) = v, !s.isEmpty else {
            error("fixture.type", "\(what) must be a non-empty string, not \(v.typeName)", at: pointer)
            return nil
        }
        return s
    }

    /// Settings a file gives its cases and a case may override.
    private struct Shared {
        var now = FixtureDecoder.defaultNow
        var seed: UInt64 = 0
        var environment: String?
        var secrets: [String: String] = [:]
        var then: String?
    }

    private static let sharedKeys = ["now", "seed", "environment", "secrets", "then"]

    private mutating func shared(_ o: JSONObject, at pointer: String, into s: inout Shared, directory: String) {
        if let v = o["now"] {
            if let n = v.numberValue, n >= 0 {
                s.now = n
            } else {
                error(
                    "fixture.type",
                    "'now' must be a time in Unix seconds (a number), not \(v.typeName)",
                    at: pointer + "/now"
                )
            }
        }
        if let v = o["seed"] {
            if let n = v.numberValue, n >= 0, n.rounded() == n, n < 9.007_199_254_740_992e15 {
                s.seed = UInt64(n)
            } else {
                error("fixture.type", "'seed' must be a non-negative integer", at: pointer + "/seed")
            }
        }
        if let e = string(o["environment"], at: pointer + "/environment", what: "'environment'") { s.environment = e }
        if let secrets = object(o["secrets"], at: pointer + "/secrets", what: "'secrets'") {
            // A case's secrets replace its file's: `{}` runs with none set.
            s.secrets = [:]
            for m in secrets {
                if let v = m.value.stringValue {
                    s.secrets[m.key] = v
                } else {
                    error(
                        "fixture.type",
                        "secret '\(m.key)' must be a string (its value for the run), not \(m.value.typeName)",
                        at: pointer + "/secrets/" + escapePointerToken(m.key)
                    )
                }
            }
        }
        if let v = o["then"] {
            if v.isNull {
                s.then = nil
            } else if let t = string(v, at: pointer + "/then", what: "'then'") {
                s.then = t.hasPrefix("/") ? t : (directory as NSString).appendingPathComponent(t)
            }
        }
    }

    private mutating func decodeFile(_ value: JSONValue, directory: String) {
        guard let root = object(value, at: "", what: "a fixture file") else { return }
        checkKeys(root, ["$schema", "description"] + Self.sharedKeys + ["cases"], at: "", what: "a fixture file")
        var base = Shared()
        shared(root, at: "", into: &base, directory: directory)
        guard let cases = root["cases"] else {
            error("fixture.missing", "a fixture file needs 'cases', a list of cases", at: "")
            return
        }
        guard case .array(let list) = cases else {
            error("fixture.type", "'cases' must be an array, not \(cases.typeName)", at: "/cases")
            return
        }
        var names = Set<String>()
        for (i, c) in list.enumerated() {
            let p = "/cases/\(i)"
            guard let o = object(c, at: p, what: "a case") else { continue }
            checkKeys(o, ["name", "description", "events", "expect"] + Self.sharedKeys, at: p, what: "a case")
            let name = string(o["name"], at: p + "/name", what: "a case's 'name'") ?? "case \(i + 1)"
            if o["name"] == nil { error("fixture.missing", "a case needs a 'name'", at: p) }
            if !names.insert(name).inserted {
                error("fixture.duplicate", "two cases are named '\(name)'", at: p + "/name")
            }
            var s = base
            shared(o, at: p, into: &s, directory: directory)
            let events: FixtureCase.Events
            switch o["events"] {
            case .string(let path)?:
                events = .file(path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path))
            case .array(let list)?:
                var bytes: [UInt8] = []
                let writer = JSONWriter()
                for (k, e) in list.enumerated() {
                    if case .object = e {
                    } else {
                        error("fixture.type", "an event must be an object, not \(e.typeName)", at: p + "/events/\(k)")
                    }
                    writer.write(e, into: &bytes)
                    bytes.append(0x0A)
                }
                events = .inline(bytes)
            case let v?:
                error(
                    "fixture.type",
                    "'events' must be a list of events or an NDJSON file's path, not \(v.typeName)",
                    at: p + "/events"
                )
                continue
            case nil:
                error("fixture.missing", "a case needs 'events': a list of events or an NDJSON file's path", at: p)
                continue
            }
            var expectations: [EventExpectation] = []
            if let e = o["expect"] {
                if case .array(let items) = e {
                    for (k, item) in items.enumerated() {
                        if let x = eventExpectation(item, at: p + "/expect/\(k)") { expectations.append(x) }
                    }
                } else {
                    error(
                        "fixture.type",
                        "'expect' must be a list of event expectations, not \(e.typeName)",
                        at: p + "/expect"
                    )
                }
            }
            file.cases.append(
                FixtureCase(
                    name: name,
                    pointer: p,
                    events: events,
                    now: s.now,
                    seed: s.seed,
                    environment: s.environment,
                    secrets: s.secrets,
                    then: s.then,
                    expectations: expectations
                )
            )
        }
    }

    private static let outcomeKeys = ["rules", "dispatches", "noDispatch"]

    private mutating func eventExpectation(_ v: JSONValue, at p: String) -> EventExpectation? {
        guard let o = object(v, at: p, what: "an event expectation") else { return nil }
        checkKeys(o, ["event", "description"] + Self.outcomeKeys + ["forwarded"], at: p, what: "an event expectation")
        guard let n = o["event"]?.numberValue, n >= 0, n.rounded() == n else {
            error("fixture.missing", "an event expectation needs 'event': the index of its event, from 0", at: p)
            return nil
        }
        var forwarded: [ForwardExpectation] = []
        if let f = o["forwarded"] {
            if case .array(let items) = f {
                for (k, item) in items.enumerated() {
                    let fp = p + "/forwarded/\(k)"
                    guard let fo = object(item, at: fp, what: "a forwarded expectation") else { continue }
                    checkKeys(fo, ["rule"] + Self.outcomeKeys, at: fp, what: "a forwarded expectation")
                    forwarded.append(
                        ForwardExpectation(
                            pointer: fp,
                            rule: string(fo["rule"], at: fp + "/rule", what: "'rule'"),
                            outcomes: outcomes(fo, at: fp)
                        )
                    )
                }
            } else {
                error(
                    "fixture.type",
                    "'forwarded' must be a list, one entry per forwarded edge event",
                    at: p + "/forwarded"
                )
            }
        }
        return EventExpectation(event: Int(n), pointer: p, outcomes: outcomes(o, at: p), forwarded: forwarded)
    }

    private mutating func outcomes(_ o: JSONObject, at p: String) -> OutcomeExpectation {
        var x = OutcomeExpectation()
        if let rules = object(o["rules"], at: p + "/rules", what: "'rules'") {
            for m in rules {
                let rp = p + "/rules/" + escapePointerToken(m.key)
                var status: String?
                var reason: Matcher?
                switch m.value {
                case .string(let s): status = s
                case .object(let so):
                    checkKeys(so, ["status", "reason"], at: rp, what: "a rule expectation")
                    status = string(so["status"], at: rp + "/status", what: "'status'")
                    if let r = so["reason"] { reason = matcher(r, at: rp + "/reason") }
                default: break
                }
                guard let status, ruleStatuses.contains(status) else {
                    let hint = Suggestions.didYouMean(status ?? "", in: ruleStatuses).map { "; \($0)" } ?? ""
                    error(
                        "fixture.rule-status",
                        "rule '\(m.key)': expected a status (\(ruleStatuses.joined(separator: ", ")))\(hint)",
                        at: rp
                    )
                    continue
                }
                x.rules.append((m.key, status, reason, rp))
            }
        }
        if let d = o["dispatches"] {
            if case .array(let items) = d {
                for (k, item) in items.enumerated() {
                    let dp = p + "/dispatches/\(k)"
                    guard let dobj = object(item, at: dp, what: "a dispatch expectation") else { continue }
                    checkKeys(dobj, ["destination", "rule", "fields"], at: dp, what: "a dispatch expectation")
                    guard let destination = string(dobj["destination"], at: dp + "/destination", what: "'destination'")
                    else {
                        if dobj["destination"] == nil {
                            error("fixture.missing", "a dispatch expectation needs a 'destination'", at: dp)
                        }
                        continue
                    }
                    var fields: [(String, Matcher)] = []
                    if let fo = object(dobj["fields"], at: dp + "/fields", what: "'fields'") {
                        for f in fo {
                            let fp = dp + "/fields/" + escapePointerToken(f.key)
                            guard f.key.isEmpty || f.key.hasPrefix("/") else {
                                error(
                                    "fixture.pointer",
                                    "'\(f.key)' is not a JSON pointer (one starts with '/')",
                                    at: fp
                                )
                                continue
                            }
                            if let m = matcher(f.value, at: fp) { fields.append((f.key, m)) }
                        }
                    }
                    x.dispatches.append(
                        DispatchExpectation(
                            pointer: dp,
                            destination: destination,
                            rule: string(dobj["rule"], at: dp + "/rule", what: "'rule'"),
                            fields: fields
                        )
                    )
                }
            } else {
                error("fixture.type", "'dispatches' must be a list of dispatch expectations", at: p + "/dispatches")
            }
        }
        if let n = o["noDispatch"] {
            if case .array(let items) = n {
                for (k, item) in items.enumerated() {
                    if let s = string(item, at: p + "/noDispatch/\(k)", what: "a destination") {
                        x.noDispatch.append((s, p + "/noDispatch/\(k)"))
                    }
                }
            } else {
                error("fixture.type", "'noDispatch' must be a list of destinations", at: p + "/noDispatch")
            }
        }
        return x
    }

    private mutating func matcher(_ v: JSONValue, at p: String) -> Matcher? {
        guard case .object(let o) = v, o.count == 1, let key = o.keys.first, Matcher.keys.contains(key),
            let arg = o[key]
        else { return .equals(v) }
        switch key {
        case "equals": return .equals(arg)
        case "absent":
            guard arg.boolValue == true else {
                error("fixture.type", "'absent' takes true", at: p + "/absent")
                return nil
            }
            return .absent
        case "matches":
            guard let r = arg.stringValue, (try? NSRegularExpression(pattern: r)) != nil else {
                error("fixture.regex", "'matches' needs a valid regular expression", at: p + "/matches")
                return nil
            }
            return .matches(r)
        default:
            guard let t = arg.stringValue else {
                error("fixture.type", "'sha256Of' takes the plain text whose hash is expected", at: p + "/sha256Of")
                return nil
            }
            return .sha256Of(t)
        }
    }
}
