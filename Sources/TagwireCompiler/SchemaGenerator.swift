import TagwireIR
import TagwireJSON

/// Generates the JSON Schemas (2020-12) of every property file kind from the extension registry, so editors
/// complete component types and their settings. `Schemas/` holds the output; a test keeps it in step.
public enum SchemaGenerator {
    /// Schema file names and contents, in a fixed order.
    public static func schemas(registry: ExtensionRegistry) -> [(name: String, schema: JSONValue)] {
        [
            ("property.schema.json", property()),
            ("extension.schema.json", extensionFile(registry)),
            ("data-element.schema.json", dataElement(registry)),
            ("rule.schema.json", rule(registry)),
            ("library.schema.json", library()),
            ("environment.schema.json", environment()),
            ("fixture.schema.json", fixture()),
            ("journey.schema.json", journey()),
        ]
    }

    static let base = "https://tagwire.dev/schemas/v1/"

    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }

    static func header(_ id: String, _ title: String) -> [(String, JSONValue)] {
        [
            ("$schema", "https://json-schema.org/draft/2020-12/schema"), ("$id", .string(base + id)),
            ("title", .string(title)),
        ]
    }

    static let common: [(String, JSONValue)] = [
        (
            "$schema",
            object([("type", "string"), ("description", "Path of this schema, for editors; ignored by tagwire.")])
        ),
        (
            "version",
            object([("type", "integer"), ("minimum", 1), ("maximum", 1), ("description", "File format version.")])
        ),
        ("description", object([("type", "string"), ("description", "Free text for reviewers.")])),
    ]

    static let token: JSONValue = object([
        ("type", "string"), ("pattern", "^\\{\\{[^{}]+\\}\\}$"),
        ("description", "A single data element token: its value, whatever its type."),
    ])

    static let name: JSONValue = object([("type", "string"), ("minLength", 1)])

    static func schema(for type: SettingType) -> JSONValue {
        let tokenRef: JSONValue = object([("$ref", "#/$defs/token")])
        switch type {
        case .string: return object([("type", "string")])
        case .any: return .object(JSONObject())
        case .number: return object([("anyOf", .array([object([("type", "number")]), tokenRef]))])
        case .integer: return object([("anyOf", .array([object([("type", "integer")]), tokenRef]))])
        case .boolean: return object([("anyOf", .array([object([("type", "boolean")]), tokenRef]))])
        case .enumeration(let values):
            return object([("anyOf", .array([object([("enum", .array(values.map(JSONValue.string)))]), tokenRef]))])
        case .array(let inner):
            return object([("anyOf", .array([object([("type", "array"), ("items", schema(for: inner))]), tokenRef]))])
        case .oneOf(let types):
            return object([("anyOf", .array(types.map(schema(for:)) + [tokenRef]))])
        case .object(let fields, let additional):
            return object([("anyOf", .array([settingsObject(fields, additional: additional), tokenRef]))])
        }
    }

    static func settingsObject(_ fields: [SettingSpec], additional: SettingType?) -> JSONValue {
        var m: [(String, JSONValue)] = [("type", "object")]
        if !fields.isEmpty {
            m.append(("properties", .object(JSONObject(fields.map { ($0.name, schema(for: $0.type)) }))))
        }
        let required = fields.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { m.append(("required", .array(required))) }
        m.append(("additionalProperties", additional.map(schema(for:)) ?? false))
        return .object(JSONObject(m))
    }

    /// `if type is X then settings follow X's contract`, for each contract.
    static func perType(_ contracts: [ComponentContract]) -> JSONValue {
        .array(
            contracts.map { c in
                object([
                    (
                        "if",
                        object([
                            ("properties", object([("type", object([("const", .string(c.type))]))])),
                            ("required", ["type"]),
                        ])
                    ),
                    (
                        "then",
                        object([
                            (
                                "properties",
                                object([
                                    (
                                        "settings",
                                        settingsObject(c.settings, additional: c.additionalSettings ? .any : nil)
                                    )
                                ])
                            )
                        ])
                    ),
                ])
            }
        )
    }

    static func contracts(_ registry: ExtensionRegistry, _ kind: ComponentKind) -> [ComponentContract] {
        registry.extensions.keys.sorted().flatMap { ext in
            registry.componentTypes(of: ext).compactMap { registry.component($0) }.filter { $0.kind == kind }.sorted {
                $0.type < $1.type
            }
        }
    }

    static func typeSchema(_ contracts: [ComponentContract]) -> JSONValue {
        object([
            ("type", "string"),
            ("pattern", "^[a-z0-9_-]+\\.[a-z0-9_-]+$"),
            (
                "anyOf",
                .array([
                    object([("enum", .array(contracts.map { .string($0.type) }))]),
                    object([("pattern", "^[a-z0-9_-]+\\.[a-z0-9_-]+$")]),
                ])
            ),
            ("description", "<extension>.<delegate>"),
        ])
    }

    static func property() -> JSONValue {
        object(
            header("property.schema.json", "Tagwire property") + [
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            common + [
                                ("name", name),
                                (
                                    "platform",
                                    object([
                                        ("enum", ["web", "edge"]),
                                        (
                                            "description",
                                            "web: runs against page events; edge: against server-side events."
                                        ),
                                    ])
                                ),
                                (
                                    "domains",
                                    object([
                                        ("type", "array"),
                                        (
                                            "items",
                                            object([
                                                ("type", "string"),
                                                ("pattern", "^(\\*\\.)?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*$"),
                                            ])
                                        ),
                                    ])
                                ),
                                (
                                    "settings",
                                    object([
                                        ("type", "object"),
                                        (
                                            "properties",
                                            object([
                                                (
                                                    "requireConsent",
                                                    object([
                                                        ("type", "boolean"),
                                                        (
                                                            "description",
                                                            "web: send nothing to Meta from the page until _tagwire.consent('grant')."
                                                        ),
                                                    ])
                                                ),
                                                (
                                                    "satelliteAlias",
                                                    object([
                                                        ("type", "boolean"),
                                                        (
                                                            "description",
                                                            "web: _satellite.track calls _tagwire.track (pages written for Adobe's runtime)."
                                                        ),
                                                    ])
                                                ),
                                            ])
                                        ),
                                        ("additionalProperties", false),
                                    ])
                                ),
                            ]
                        )
                    )
                ),
                ("required", ["name", "platform"]),
                ("if", object([("properties", object([("platform", object([("const", "web")]))]))])),
                ("then", object([("required", ["domains"])])),
                ("additionalProperties", false),
            ]
        )
    }

    static func extensionFile(_ registry: ExtensionRegistry) -> JSONValue {
        let names = registry.extensions.keys.sorted()
        let conditionals: [JSONValue] = names.map { n in
            let c = registry.extensions[n]
            return object([
                (
                    "if",
                    object([
                        ("properties", object([("name", object([("const", .string(n))]))])), ("required", ["name"]),
                    ])
                ),
                (
                    "then",
                    object([
                        ("properties", object([("settings", settingsObject(c?.configuration ?? [], additional: nil))]))
                    ])
                ),
            ])
        }
        return object(
            header("extension.schema.json", "Tagwire extension") + [
                ("$defs", object([("token", token)])),
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            common + [
                                ("name", object([("enum", .array(names.map(JSONValue.string)))])),
                                ("settings", object([("type", "object")])),
                            ]
                        )
                    )
                ),
                ("required", ["name"]),
                ("additionalProperties", false),
                ("allOf", .array(conditionals)),
            ]
        )
    }

    static func dataElement(_ registry: ExtensionRegistry) -> JSONValue {
        let list = contracts(registry, .dataElement)
        return object(
            header("data-element.schema.json", "Tagwire data element") + [
                ("$defs", object([("token", token)])),
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            common + [
                                ("name", object([("type", "string"), ("minLength", 1), ("pattern", "^[^{}]+$")])),
                                ("type", typeSchema(list)),
                                ("settings", object([("type", "object")])),
                                ("default", .object(JSONObject())),
                                ("forceLowerCase", object([("type", "boolean")])),
                                ("cleanText", object([("type", "boolean")])),
                                ("storageDuration", object([("enum", ["pageview", "session", "visitor"])])),
                            ]
                        )
                    )
                ),
                ("required", ["name", "type"]),
                ("additionalProperties", false),
                ("allOf", perType(list)),
            ]
        )
    }

    static func component(_ registry: ExtensionRegistry, _ kind: ComponentKind, negate: Bool) -> JSONValue {
        let list = contracts(registry, kind)
        var props: [(String, JSONValue)] = [
            ("type", typeSchema(list)),
            ("name", object([("type", "string")])),
            ("description", object([("type", "string")])),
            ("settings", object([("type", "object")])),
            ("timeoutMs", object([("type", "integer"), ("minimum", 1), ("maximum", 600_000)])),
        ]
        if negate { props.append(("negate", object([("type", "boolean")]))) }
        return object([
            ("type", "object"),
            ("properties", .object(JSONObject(props))),
            ("required", ["type"]),
            ("additionalProperties", false),
            ("allOf", perType(list)),
        ])
    }

    static func rule(_ registry: ExtensionRegistry) -> JSONValue {
        object(
            header("rule.schema.json", "Tagwire rule") + [
                (
                    "$defs",
                    object([
                        ("token", token),
                        ("event", component(registry, .event, negate: false)),
                        ("condition", component(registry, .condition, negate: true)),
                        ("action", component(registry, .action, negate: false)),
                    ])
                ),
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            common + [
                                ("name", name),
                                ("enabled", object([("type", "boolean")])),
                                (
                                    "order",
                                    object([
                                        ("type", "integer"), ("minimum", -2_147_483_648), ("maximum", 2_147_483_647),
                                    ])
                                ),
                                (
                                    "events",
                                    object([("type", "array"), ("items", object([("$ref", "#/$defs/event")]))])
                                ),
                                (
                                    "conditions",
                                    object([("type", "array"), ("items", object([("$ref", "#/$defs/condition")]))])
                                ),
                                (
                                    "actions",
                                    object([("type", "array"), ("items", object([("$ref", "#/$defs/action")]))])
                                ),
                            ]
                        )
                    )
                ),
                ("required", ["name"]),
                ("additionalProperties", false),
            ]
        )
    }

    static func library() -> JSONValue {
        let names: JSONValue = object([("type", "array"), ("items", object([("type", "string")]))])
        return object(
            header("library.schema.json", "Tagwire library") + [
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            common + [
                                ("name", name),
                                (
                                    "resources",
                                    object([
                                        (
                                            "oneOf",
                                            .array([
                                                object([("const", "all")]),
                                                object([
                                                    ("type", "object"),
                                                    (
                                                        "properties",
                                                        object([
                                                            ("rules", names), ("dataElements", names),
                                                            ("extensions", names),
                                                        ])
                                                    ),
                                                    ("additionalProperties", false),
                                                ]),
                                            ])
                                        )
                                    ])
                                ),
                            ]
                        )
                    )
                ),
                ("required", ["name", "resources"]),
                ("additionalProperties", false),
            ]
        )
    }

    static func environment() -> JSONValue {
        let source: JSONValue = object([
            (
                "oneOf",
                .array([
                    object([
                        ("type", "object"),
                        (
                            "properties",
                            object([("env", object([("type", "string"), ("pattern", "^[A-Za-z0-9_]+$")]))])
                        ), ("required", ["env"]), ("additionalProperties", false),
                    ]),
                    object([
                        ("type", "object"), ("properties", object([("file", object([("type", "string")]))])),
                        ("required", ["file"]), ("additionalProperties", false),
                    ]),
                ])
            )
        ])
        return object(
            header("environment.schema.json", "Tagwire environment") + [
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            common + [
                                ("name", name),
                                ("stage", object([("enum", ["development", "staging", "production"])])),
                                ("secrets", object([("type", "object"), ("additionalProperties", source)])),
                            ]
                        )
                    )
                ),
                ("required", ["name", "stage"]),
                ("additionalProperties", false),
            ]
        )
    }
}
