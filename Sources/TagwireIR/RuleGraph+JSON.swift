import TagwireJSON

/// A published artifact that cannot be loaded: its text names what is wrong and where.
public struct ArtifactError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

// The artifact's JSON form. Keys are short but readable; objects keep a fixed member order, so the same graph
// always serialises to the same bytes.
extension Template {
    /// The JSON form of a template.
    public var json: JSONValue {
        switch self {
        case .literal(let v): return ["lit": v]
        case .token(let r): return ["ref": r.json]
        case .text(let parts):
            return [
                "text": .array(
                    parts.map { p in
                        switch p {
                        case .literal(let s): return .string(s)
                        case .token(let r): return ["ref": r.json]
                        }
                    }
                )
            ]
        case .array(let a): return ["arr": .array(a.map(\.json))]
        case .object(let m): return ["obj": .array(m.map { .array([.string($0.key), $0.value.json]) })]
        }
    }

    /// Decodes a template from its JSON form.
    public init(json: JSONValue, at path: String) throws(ArtifactError) {
        guard case .object(let o) = json, o.count == 1, let key = o.keys.first, let body = o[key] else {
            throw ArtifactError("\(path): expected a template object with one member")
        }
        switch key {
        case "lit":
            self = .literal(body)
        case "ref":
            self = .token(try TokenReference(json: body, at: path))
        case "text":
            guard case .array(let a) = body else { throw ArtifactError("\(path)/text: expected an array") }
            var parts: [TextPart] = []
            for (i, p) in a.enumerated() {
                if case .string(let s) = p {
                    parts.append(.literal(s))
                } else if let r = p["ref"] {
                    parts.append(.token(try TokenReference(json: r, at: "\(path)/text/\(i)")))
                } else {
                    throw ArtifactError("\(path)/text/\(i): expected a string or a reference")
                }
            }
            self = .text(parts)
        case "arr":
            guard case .array(let a) = body else { throw ArtifactError("\(path)/arr: expected an array") }
            var items: [Template] = []
            for (i, t) in a.enumerated() { items.append(try Template(json: t, at: "\(path)/arr/\(i)")) }
            self = .array(items)
        case "obj":
            guard case .array(let a) = body else { throw ArtifactError("\(path)/obj: expected an array") }
            var members: [TemplateMember] = []
            for (i, m) in a.enumerated() {
                guard case .array(let pair) = m, pair.count == 2, case .string(let k) = pair[0] else {
                    throw ArtifactError("\(path)/obj/\(i): expected [key, template]")
                }
                members.append(TemplateMember(key: k, value: try Template(json: pair[1], at: "\(path)/obj/\(i)")))
            }
            self = .object(members)
        default:
            throw ArtifactError("\(path): unknown template kind '\(key)'")
        }
    }
}

extension TokenReference {
    var json: JSONValue { .array([.number(Double(element))] + path.map { .string($0) }) }

    init(json: JSONValue, at path: String) throws(ArtifactError) {
        guard case .array(let a) = json, let first = a.first?.numberValue, first >= 0, first.rounded() == first else {
            throw ArtifactError("\(path): expected a reference [index, segments...]")
        }
        var segments: [String] = []
        for s in a.dropFirst() {
            guard let str = s.stringValue else { throw ArtifactError("\(path): reference segments must be strings") }
            segments.append(str)
        }
        self.init(element: Int(first), path: segments)
    }
}

extension Origin {
    var json: JSONValue { .array([.string(file), .string(pointer), .number(Double(line)), .number(Double(column))]) }

    init(json: JSONValue, at path: String) throws(ArtifactError) {
        guard case .array(let a) = json, a.count == 4, let f = a[0].stringValue, let p = a[1].stringValue,
            let l = a[2].numberValue, let c = a[3].numberValue
        else { throw ArtifactError("\(path): expected an origin [file, pointer, line, column]") }
        self.init(file: f, pointer: p, line: Int(l), column: Int(c))
    }
}

/// Field access that turns a missing or mistyped member into an ``ArtifactError``.
private struct Fields {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue, _ path: String) throws(ArtifactError) {
        guard case .object(let o) = value else { throw ArtifactError("\(path): expected an object") }
        object = o
        self.path = path
    }

    func value(_ key: String) throws(ArtifactError) -> JSONValue {
        guard let v = object[key] else { throw ArtifactError("\(path): missing '\(key)'") }
        return v
    }

    func string(_ key: String) throws(ArtifactError) -> String {
        guard let s = try value(key).stringValue else { throw ArtifactError("\(path)/\(key): expected a string") }
        return s
    }

    func optionalString(_ key: String) throws(ArtifactError) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw ArtifactError("\(path)/\(key): expected a string") }
        return s
    }

    func int(_ key: String) throws(ArtifactError) -> Int {
        guard let n = try value(key).numberValue, n.rounded() == n, abs(n) < 9e15 else {
            throw ArtifactError("\(path)/\(key): expected an integer")
        }
        return Int(n)
    }

    func optionalInt(_ key: String) throws(ArtifactError) -> Int? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let n = v.numberValue, n.rounded() == n, abs(n) < 9e15 else {
            throw ArtifactError("\(path)/\(key): expected an integer")
        }
        return Int(n)
    }

    func bool(_ key: String) throws(ArtifactError) -> Bool {
        guard let b = try value(key).boolValue else { throw ArtifactError("\(path)/\(key): expected a boolean") }
        return b
    }

    func array(_ key: String) throws(ArtifactError) -> [JSONValue] {
        guard let a = try value(key).arrayValue else { throw ArtifactError("\(path)/\(key): expected an array") }
        return a
    }
}

extension ComponentNode {
    var json: JSONValue {
        var m: [(String, JSONValue)] = [("type", .string(type))]
        if let name { m.append(("name", .string(name))) }
        m.append(("settings", settings.json))
        if let timeoutMs { m.append(("timeoutMs", .number(Double(timeoutMs)))) }
        if negate { m.append(("negate", .bool(true))) }
        m.append(("origin", origin.json))
        return .object(JSONObject(m))
    }

    init(json: JSONValue, at path: String) throws(ArtifactError) {
        let f = try Fields(json, path)
        self.init(
            type: try f.string("type"),
            name: try f.optionalString("name"),
            settings: try Template(json: try f.value("settings"), at: path + "/settings"),
            timeoutMs: try f.optionalInt("timeoutMs"),
            negate: f.object["negate"]?.boolValue ?? false,
            origin: try Origin(json: try f.value("origin"), at: path + "/origin")
        )
    }
}

extension RuleGraph {
    /// The graph's JSON form, as written into `library.json`.
    public var json: JSONValue {
        func components(_ list: [ComponentNode]) -> JSONValue { .array(list.map(\.json)) }
        let des: [JSONValue] = dataElements.map { d in
            var m: [(String, JSONValue)] = [
                ("name", .string(d.name)), ("type", .string(d.type)), ("settings", d.settings.json),
            ]
            if let dv = d.defaultValue { m.append(("default", dv)) }
            if d.forceLowerCase { m.append(("forceLowerCase", true)) }
            if d.cleanText { m.append(("cleanText", true)) }
            if let s = d.storageDuration { m.append(("storageDuration", .string(s))) }
            m.append(("origin", d.origin.json))
            return .object(JSONObject(m))
        }
        let rs: [JSONValue] = rules.map { r in
            .object(
                JSONObject([
                    ("name", .string(r.name)), ("enabled", .bool(r.enabled)), ("order", .number(Double(r.order))),
                    ("events", components(r.events)), ("conditions", components(r.conditions)),
                    ("actions", components(r.actions)), ("origin", r.origin.json),
                ])
            )
        }
        let ss: [JSONValue] = secrets.map { s in
            var m: [(String, JSONValue)] = [("name", .string(s.name))]
            if let e = s.environmentVariable { m.append(("env", .string(e))) }
            if let f = s.file { m.append(("file", .string(f))) }
            return .object(JSONObject(m))
        }
        var members: [(String, JSONValue)] = [
            ("formatVersion", .number(Double(formatVersion))),
            ("property", .string(propertyName)),
            ("platform", .string(platform)),
            ("domains", .array(domains.map { .string($0) })),
            ("library", .string(library)),
            ("environment", .string(environment)),
            ("stage", .string(stage)),
            (
                "extensions",
                .array(
                    extensions.map {
                        .object(JSONObject([("name", .string($0.name)), ("settings", $0.settings.json)]))
                    }
                )
            ),
            ("dataElements", .array(des)),
            ("rules", .array(rs)),
            ("secrets", .array(ss)),
        ]
        // Written only when set, so that a property without settings keeps the bytes (and the hash) it had.
        if !settings.isEmpty { members.append(("settings", .object(settings))) }
        return .object(JSONObject(members))
    }

    /// Decodes a graph from `library.json`, checking its format version and every reference.
    public init(json: JSONValue) throws(ArtifactError) {
        let f = try Fields(json, "")
        let version = try f.int("formatVersion")
        guard version == RuleGraph.formatVersion else {
            throw ArtifactError(
                "artifact format version \(version) is not supported (this tagwire reads \(RuleGraph.formatVersion))"
            )
        }
        var exts: [ExtensionNode] = []
        for (i, e) in try f.array("extensions").enumerated() {
            let ef = try Fields(e, "/extensions/\(i)")
            exts.append(
                ExtensionNode(
                    name: try ef.string("name"),
                    settings: try Template(json: try ef.value("settings"), at: "/extensions/\(i)/settings")
                )
            )
        }
        var des: [DataElementNode] = []
        for (i, d) in try f.array("dataElements").enumerated() {
            let p = "/dataElements/\(i)"
            let df = try Fields(d, p)
            des.append(
                DataElementNode(
                    name: try df.string("name"),
                    type: try df.string("type"),
                    settings: try Template(json: try df.value("settings"), at: p + "/settings"),
                    defaultValue: df.object["default"],
                    forceLowerCase: df.object["forceLowerCase"]?.boolValue ?? false,
                    cleanText: df.object["cleanText"]?.boolValue ?? false,
                    storageDuration: try df.optionalString("storageDuration"),
                    origin: try Origin(json: try df.value("origin"), at: p + "/origin")
                )
            )
        }
        var rs: [RuleNode] = []
        for (i, r) in try f.array("rules").enumerated() {
            let p = "/rules/\(i)"
            let rf = try Fields(r, p)
            func comps(_ key: String) throws(ArtifactError) -> [ComponentNode] {
                var out: [ComponentNode] = []
                for (j, c) in try rf.array(key).enumerated() {
                    out.append(try ComponentNode(json: c, at: "\(p)/\(key)/\(j)"))
                }
                return out
            }
            rs.append(
                RuleNode(
                    name: try rf.string("name"),
                    enabled: try rf.bool("enabled"),
                    order: try rf.int("order"),
                    events: try comps("events"),
                    conditions: try comps("conditions"),
                    actions: try comps("actions"),
                    origin: try Origin(json: try rf.value("origin"), at: p + "/origin")
                )
            )
        }
        var ss: [SecretNode] = []
        for (i, s) in try f.array("secrets").enumerated() {
            let sf = try Fields(s, "/secrets/\(i)")
            ss.append(
                SecretNode(
                    name: try sf.string("name"),
                    environmentVariable: try sf.optionalString("env"),
                    file: try sf.optionalString("file")
                )
            )
        }
        var domains: [String] = []
        for d in try f.array("domains") {
            guard let s = d.stringValue else { throw ArtifactError("/domains: expected strings") }
            domains.append(s)
        }
        self.init(
            propertyName: try f.string("property"),
            platform: try f.string("platform"),
            domains: domains,
            library: try f.string("library"),
            environment: try f.string("environment"),
            stage: try f.string("stage"),
            extensions: exts,
            dataElements: des,
            rules: rs,
            secrets: ss
        )
        if let settings = f.object["settings"] {
            guard case .object(let o) = settings else { throw ArtifactError("/settings: expected an object") }
            self.settings = o
        }
        guard platform == "web" || platform == "edge" else {
            throw ArtifactError("/platform: expected 'web' or 'edge'")
        }
        // Every reference must point at a data element of this graph.
        let count = dataElements.count
        func check(_ t: Template, _ at: String) throws(ArtifactError) {
            for r in t.references where r.element >= count {
                throw ArtifactError("\(at): reference to data element #\(r.element), but the library has \(count)")
            }
        }
        for (i, d) in dataElements.enumerated() { try check(d.settings, "/dataElements/\(i)/settings") }
        for (i, e) in extensions.enumerated() { try check(e.settings, "/extensions/\(i)/settings") }
        for (i, r) in rules.enumerated() {
            for c in r.events + r.conditions + r.actions { try check(c.settings, "/rules/\(i)") }
        }
    }
}
