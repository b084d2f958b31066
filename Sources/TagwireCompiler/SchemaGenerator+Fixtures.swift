import TagwireJSON

extension SchemaGenerator {
    /// The schema of a fixture file (`fixtures/*.json`, read by `tagwire test`; docs/TESTING.md).
    static func fixture() -> JSONValue {
        let string: JSONValue = ["type": "string", "minLength": 1]
        let matcher: JSONValue = [
            "description":
                "A value the field must equal, or one matcher: {\"matches\": regex}, {\"sha256Of\": plain text}, {\"absent\": true}, {\"equals\": value}.",
            "oneOf": [
                [
                    "type": "object", "properties": ["matches": ["type": "string"]], "required": ["matches"],
                    "additionalProperties": false,
                ],
                [
                    "type": "object", "properties": ["sha256Of": ["type": "string"]], "required": ["sha256Of"],
                    "additionalProperties": false,
                ],
                [
                    "type": "object", "properties": ["absent": ["const": true]], "required": ["absent"],
                    "additionalProperties": false,
                ],
                [
                    "type": "object", "properties": ["equals": [:]], "required": ["equals"],
                    "additionalProperties": false,
                ],
                [
                    "not": [
                        "type": "object", "minProperties": 1, "maxProperties": 1,
                        "propertyNames": ["enum": ["matches", "sha256Of", "absent", "equals"]],
                    ]
                ],
            ],
        ]
        let status: JSONValue = ["enum": .array(["fired", "conditionNotMet", "failed", "skipped", "notTriggered"])]
        let ruleExpectation: JSONValue = [
            "oneOf": [
                status,
                [
                    "type": "object", "properties": ["status": status, "reason": matcher], "required": ["status"],
                    "additionalProperties": false,
                ],
            ]
        ]
        let dispatch: JSONValue = [
            "type": "object",
            "properties": [
                "destination": ["description": "meta-capi, meta-pixel, edge, http.", "type": "string", "minLength": 1],
                "rule": string,
                "fields": [
                    "description": "JSON pointer into the dispatch as `tagwire run` prints it → expected value.",
                    "type": "object", "propertyNames": ["pattern": "^(/.*)?$"], "additionalProperties": matcher,
                ],
            ],
            "required": ["destination"], "additionalProperties": false,
        ]
        let outcomes: [(String, JSONValue)] = [
            (
                "rules",
                ["description": "Rule name → status.", "type": "object", "additionalProperties": ruleExpectation]
            ),
            ("dispatches", ["type": "array", "items": dispatch]),
            ("noDispatch", ["description": "Destinations that get nothing.", "type": "array", "items": string]),
        ]
        let forwarded: JSONValue = [
            "type": "object", "properties": .object(JSONObject([("rule", string)] + outcomes)),
            "additionalProperties": false,
        ]
        let eventExpectation: JSONValue = [
            "type": "object",
            "properties": .object(
                JSONObject(
                    [
                        ("event", ["description": "Index of the event, from 0.", "type": "integer", "minimum": 0]),
                        ("description", ["type": "string"]),
                    ] + outcomes + [
                        (
                            "forwarded",
                            [
                                "description": "One entry per forwarded edge event, in order.", "type": "array",
                                "items": forwarded,
                            ]
                        )
                    ]
                )
            ),
            "required": ["event"], "additionalProperties": false,
        ]
        let shared: [(String, JSONValue)] = [
            ("now", ["description": "Receipt time of every event, in Unix seconds.", "type": "number", "minimum": 0]),
            ("seed", ["description": "Seed of generated ids and random values.", "type": "integer", "minimum": 0]),
            ("environment", string),
            (
                "secrets",
                [
                    "description":
                        "Secret name → value for the run (replaces the file's; nothing is read from the process).",
                    "type": "object", "additionalProperties": ["type": "string"],
                ]
            ),
            (
                "then",
                [
                    "description":
                        "Edge property (relative to this file) that receives a web property's edge dispatches.",
                    "type": ["string", "null"],
                ]
            ),
        ]
        let testCase: JSONValue = [
            "type": "object",
            "properties": .object(
                JSONObject(
                    [
                        ("name", string), ("description", ["type": "string"]),
                        (
                            "events",
                            [
                                "description": "Events, or the path of an NDJSON file relative to this file.",
                                "oneOf": [["type": "array", "items": ["type": "object"]], string],
                            ]
                        ),
                        ("expect", ["type": "array", "items": eventExpectation]),
                    ] + shared
                )
            ),
            "required": ["name", "events"], "additionalProperties": false,
        ]
        return object(
            header("fixture.schema.json", "Tagwire fixture cases") + [
                ("type", "object"),
                (
                    "properties",
                    .object(
                        JSONObject(
                            [
                                ("$schema", common[0].1), ("description", ["type": "string"]),
                                ("cases", ["type": "array", "items": testCase]),
                            ] + shared
                        )
                    )
                ),
                ("required", ["cases"]),
                ("additionalProperties", false),
            ]
        )
    }

    /// The schema of a demo site's walk (`site/journey.json`, read by `tagwire quickstart validate`;
    /// docs/QUICKSTART.md).
    static func journey() -> JSONValue {
        let page: JSONValue = [
            "description": "A file in site/, such as product.html.", "type": "string", "minLength": 1,
        ]
        let step: JSONValue = [
            "oneOf": [
                [
                    "description": "Open a page of the site.", "type": "object", "properties": ["open": page],
                    "required": ["open"], "additionalProperties": false,
                ],
                [
                    "description": "Click the first element matching a CSS selector; `then` is the page it leads to.",
                    "type": "object",
                    "properties": ["click": ["type": "string", "minLength": 1], "then": page],
                    "required": ["click"], "additionalProperties": false,
                ],
            ]
        ]
        return object(
            header("journey.schema.json", "Tagwire demo site walk") + [
                ("type", "object"),
                (
                    "properties",
                    [
                        "$schema": ["type": "string"], "description": ["type": "string"],
                        "steps": [
                            "description": "The walk, starting with {\"open\": page}.", "type": "array",
                            "minItems": 1, "prefixItems": [["type": "object", "required": ["open"]]], "items": step,
                        ],
                        "expect": [
                            "description": "The Meta events the walk should send, counted per name.", "type": "array",
                            "items": ["type": "string", "minLength": 1],
                        ],
                    ]
                ),
                ("required", ["steps"]), ("additionalProperties", false),
            ]
        )
    }
}
