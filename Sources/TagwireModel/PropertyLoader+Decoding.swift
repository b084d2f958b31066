import TagwireDiagnostics
import TagwireJSON

/// Each file kind decoded from its JSON value, every problem reported through the decoder.
extension PropertyLoader {
    static func decodeProperty(_ value: JSONValue, file: String, _ d: inout ModelDecoder) -> PropertyDefinition? {
        let at = FilePointer(file, "")
        guard let o = d.object(value, at: at, what: "property.json") else { return nil }
        d.checkKeys(o, at: at, allowed: common + ["name", "platform", "domains", "settings"], what: "property.json")
        d.checkVersion(o, at: at)
        let name = d.name(o, at: at, what: "property")
        let platform: Platform? = d.enumeration(o, "platform", at: at, required: true, what: "property.json")
        let domains = d.stringArray(o, "domains", at: at)
        if platform == .web, o["domains"] == nil {
            d.missing(
                "domains",
                at: at,
                what: "a web property",
                expected: "a list of host names, such as [\"example.com\"]"
            )
        }
        for (i, domain) in (domains ?? []).enumerated() where !isHostName(domain) {
            d.error(
                "model.invalid-domain",
                "'\(domain)' is not a host name",
                at: at.appending("domains").appending(i),
                help: "write host names without scheme, path or port, such as \"shop.example.com\""
            )
        }
        let settings = d.settings(o, at: at)
        guard let name, let platform else { return nil }
        return PropertyDefinition(
            name: name,
            platform: platform,
            domains: domains ?? [],
            settings: settings,
            origin: at
        )
    }

    static func isHostName(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253 else { return false }
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        for (i, label) in labels.enumerated() {
            if label == "*" && i == 0 && labels.count > 1 { continue }
            guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-" else { return false }
            for c in label.unicodeScalars {
                let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-"
                if !ok { return false }
            }
        }
        return true
    }

    static func decodeExtension(_ value: JSONValue, file: String, _ d: inout ModelDecoder) -> ExtensionConfiguration? {
        let at = FilePointer(file, "")
        guard let o = d.object(value, at: at, what: "an extension file") else { return nil }
        d.checkKeys(o, at: at, allowed: common + ["name", "settings"], what: "an extension")
        d.checkVersion(o, at: at)
        let name = d.name(o, at: at, what: "extension")
        let settings = d.settings(o, at: at)
        guard let name else { return nil }
        return ExtensionConfiguration(name: name, settings: settings, origin: at)
    }

    static func decodeDataElement(_ value: JSONValue, file: String, platform: Platform?, _ d: inout ModelDecoder)
        -> DataElementDefinition?
    {
        let at = FilePointer(file, "")
        guard let o = d.object(value, at: at, what: "a data element file") else { return nil }
        d.checkKeys(
            o,
            at: at,
            allowed: common + [
                "name", "type", "settings", "default", "forceLowerCase", "cleanText", "storageDuration",
            ],
            what: "a data element"
        )
        d.checkVersion(o, at: at)
        var name = d.name(o, at: at, what: "data element")
        if let n = name, n.utf8.contains(0x7B) || n.utf8.contains(0x7D) {
            d.error(
                "model.invalid-name",
                "data element name '\(n)' must not contain '{' or '}'",
                at: at.appending("name"),
                help: "braces delimit {{tokens}}; choose another name"
            )
            name = nil
        }
        let type = componentType(o, at: at, &d)
        let settings = d.settings(o, at: at)
        let forceLowerCase = d.bool(o, "forceLowerCase", at: at) ?? false
        let cleanText = d.bool(o, "cleanText", at: at) ?? false
        let storage: StorageDuration? = d.enumeration(
            o,
            "storageDuration",
            at: at,
            required: false,
            what: "a data element"
        )
        if storage != nil, platform == .edge {
            d.error(
                "model.web-only-key",
                "'storageDuration' applies to web properties only",
                at: at.appending("storageDuration"),
                key: true,
                help: "edge events are independent; remove 'storageDuration'"
            )
        }
        guard let name, let type else { return nil }
        return DataElementDefinition(
            name: name,
            type: type,
            settings: settings,
            defaultValue: o["default"],
            forceLowerCase: forceLowerCase,
            cleanText: cleanText,
            storageDuration: storage,
            origin: at
        )
    }

    static func componentType(_ o: JSONObject, at: FilePointer, _ d: inout ModelDecoder) -> String? {
        guard
            let t = d.string(o, "type", at: at, required: true, what: at.pointer.isEmpty ? "the file" : "the component")
        else { return nil }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            parts.count == 2
            && parts.allSatisfy { p in
                !p.isEmpty
                    && p.unicodeScalars.allSatisfy {
                        ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_"
                    }
            }
        guard valid else {
            d.error(
                "model.invalid-type",
                "'\(t)' is not a component type; expected '<extension>.<delegate>'",
                at: at.appending("type"),
                help: "types are lower-case, such as \"core.value-comparison\" or \"meta-capi.send-event\""
            )
            return nil
        }
        return t
    }

    static func decodeRule(_ value: JSONValue, file: String, platform: Platform?, _ d: inout ModelDecoder)
        -> RuleDefinition?
    {
        let at = FilePointer(file, "")
        guard let o = d.object(value, at: at, what: "a rule file") else { return nil }
        d.checkKeys(
            o,
            at: at,
            allowed: common + ["name", "enabled", "order", "events", "conditions", "actions"],
            what: "a rule"
        )
        d.checkVersion(o, at: at)
        let name = d.name(o, at: at, what: "rule")
        let enabled = d.bool(o, "enabled", at: at) ?? true
        let order = d.integer(o, "order", at: at, range: Int(Int32.min)...Int(Int32.max)) ?? 50
        var events = components(o, "events", role: .event, at: at, &d)
        let conditions = components(o, "conditions", role: .condition, at: at, &d)
        let actions = components(o, "actions", role: .action, at: at, &d)
        if platform == .edge, o["events"] != nil {
            // Reported once here; left in, each event would also be reported as not for edge properties.
            events = []
            d.error(
                "model.edge-rule-events",
                "edge rules run on every event and take no 'events'",
                at: at.appending("events"),
                key: true,
                help: "remove 'events', or use conditions to select events"
            )
        }
        if platform == .web {
            if o["events"] == nil {
                d.missing("events", at: at, what: "a web rule", expected: "[{\"type\": \"core.page-bottom\"}]")
            } else if case .array(let a)? = o["events"], a.isEmpty {
                d.error(
                    "model.empty-events",
                    "a web rule needs at least one event",
                    at: at.appending("events"),
                    help: "add an event such as {\"type\": \"core.dom-ready\"}"
                )
            }
        }
        guard let name else { return nil }
        return RuleDefinition(
            name: name,
            enabled: enabled,
            order: order,
            events: events,
            declaresEvents: o["events"] != nil,
            conditions: conditions,
            actions: actions,
            origin: at
        )
    }

    static func components(
        _ o: JSONObject,
        _ key: String,
        role: ComponentRole,
        at: FilePointer,
        _ d: inout ModelDecoder
    ) -> [RuleComponent] {
        guard let v = o[key] else { return [] }
        let listAt = at.appending(key)
        guard case .array(let a) = v else {
            d.error(
                "model.wrong-type",
                "'\(key)' must be an array of components, not \(article(v.typeName))",
                at: listAt
            )
            return []
        }
        var out: [RuleComponent] = []
        for (i, element) in a.enumerated() {
            let cAt = listAt.appending(i)
            guard let c = d.object(element, at: cAt, what: "a rule component") else { continue }
            var allowed = ["type", "name", "settings", "timeoutMs"]
            if role == .condition { allowed.append("negate") }
            d.checkKeys(c, at: cAt, allowed: allowed + ["description"], what: "\(article(role.rawValue)) component")
            let type = componentType(c, at: cAt, &d)
            let name = d.string(c, "name", at: cAt, required: false, what: "the component")
            let settings = d.settings(c, at: cAt)
            let timeout = d.integer(c, "timeoutMs", at: cAt, range: 1...600_000)
            let negate = d.bool(c, "negate", at: cAt) ?? false
            guard let type else { continue }
            out.append(
                RuleComponent(
                    role: role,
                    type: type,
                    name: name,
                    settings: settings,
                    timeoutMs: timeout,
                    negate: negate,
                    origin: cAt
                )
            )
        }
        return out
    }

    static func decodeLibrary(_ value: JSONValue, file: String, _ d: inout ModelDecoder) -> LibraryDefinition? {
        let at = FilePointer(file, "")
        guard let o = d.object(value, at: at, what: "a library file") else { return nil }
        d.checkKeys(o, at: at, allowed: common + ["name", "resources"], what: "a library")
        d.checkVersion(o, at: at)
        let name = d.name(o, at: at, what: "library")
        var resources: LibraryDefinition.Resources?
        switch o["resources"] {
        case nil:
            d.missing(
                "resources",
                at: at,
                what: "a library",
                expected: "\"all\", or {\"rules\": [...], \"dataElements\": [...], \"extensions\": [...]}"
            )
        case .string("all")?:
            resources = .all
        case .object(let r)?:
            let rAt = at.appending("resources")
            d.checkKeys(r, at: rAt, allowed: ["rules", "dataElements", "extensions"], what: "library resources")
            func refs(_ key: String) -> [NameReference] {
                guard let list = d.stringArray(r, key, at: rAt) else { return [] }
                return list.enumerated().map { NameReference(name: $1, origin: rAt.appending(key).appending($0)) }
            }
            resources = .selected(
                rules: refs("rules"),
                dataElements: refs("dataElements"),
                extensions: refs("extensions")
            )
        case let other?:
            d.error(
                "model.wrong-type",
                "'resources' must be \"all\" or an object of name lists, not \(other.stringValue.map { "'\($0)'" } ?? article(other.typeName))",
                at: at.appending("resources")
            )
        }
        guard let name, let resources else { return nil }
        return LibraryDefinition(name: name, resources: resources, origin: at, isImplicit: false)
    }

    static func decodeEnvironment(_ value: JSONValue, file: String, _ d: inout ModelDecoder) -> EnvironmentDefinition? {
        let at = FilePointer(file, "")
        guard let o = d.object(value, at: at, what: "an environment file") else { return nil }
        d.checkKeys(o, at: at, allowed: common + ["name", "stage", "secrets"], what: "an environment")
        d.checkVersion(o, at: at)
        let name = d.name(o, at: at, what: "environment")
        let stage: Stage? = d.enumeration(o, "stage", at: at, required: true, what: "an environment")
        var secrets: [SecretDefinition] = []
        if let v = o["secrets"], let so = d.object(v, at: at.appending("secrets"), what: "'secrets'") {
            for member in so {
                let secretName = member.key
                let spec = member.value
                let sAt = at.appending("secrets").appending(secretName)
                // A secret whose source is wrong is still declared, so that what reads it is not reported as
                // reading an undeclared secret as well.
                let declared = SecretDefinition(name: secretName, source: .environmentVariable(""), origin: sAt)
                guard let s = d.object(spec, at: sAt, what: "secret '\(secretName)'") else {
                    secrets.append(declared)
                    continue
                }
                d.checkKeys(s, at: sAt, allowed: ["env", "file"], what: "a secret")
                let env = d.string(s, "env", at: sAt, required: false, what: "a secret")
                let path = d.string(s, "file", at: sAt, required: false, what: "a secret")
                switch (env, path) {
                case (let e?, nil):
                    if e.isEmpty
                        || !e.unicodeScalars.allSatisfy({
                            ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9")
                                || $0 == "_"
                        })
                    {
                        d.error(
                            "model.invalid-secret",
                            "'\(e)' is not an environment variable name",
                            at: sAt.appending("env"),
                            help: "use letters, digits and '_', such as META_ACCESS_TOKEN"
                        )
                        secrets.append(declared)
                    } else {
                        secrets.append(SecretDefinition(name: secretName, source: .environmentVariable(e), origin: sAt))
                    }
                case (nil, let f?):
                    secrets.append(SecretDefinition(name: secretName, source: .file(f), origin: sAt))
                case (nil, nil):
                    if s["env"] == nil && s["file"] == nil {
                        d.error(
                            "model.invalid-secret",
                            "secret '\(secretName)' names no source",
                            at: sAt,
                            help: "write {\"env\": \"VARIABLE\"} or {\"file\": \"path\"}"
                        )
                    }
                    secrets.append(declared)
                default:
                    d.error(
                        "model.invalid-secret",
                        "secret '\(secretName)' names both 'env' and 'file'",
                        at: sAt,
                        help: "keep exactly one source"
                    )
                    secrets.append(declared)
                }
            }
        }
        guard let name, let stage else { return nil }
        return EnvironmentDefinition(name: name, stage: stage, secrets: secrets, origin: at)
    }
}
