import TagwireIR
import TagwireJSON
import TagwireRuntime

/// A small extension defined in the tests alone: a data element that greets a name, and an action that sends the
/// greeting to a `greeting` destination. Nothing outside this folder names it.
struct GreetingExtension: RuntimeExtension {
    let contract = ExtensionContract(
        name: "greeting",
        platforms: Platforms.edge,
        configuration: [SettingSpec("punctuation", .string)],
        components: [
            ComponentContract(
                "greeting.salutation",
                .dataElement,
                platforms: Platforms.edge,
                settings: [SettingSpec("name", .string, required: true)],
                check: { check in
                    if check.literalText("name") == "" {
                        check.error("ext.greeting.empty-name", "a greeting needs a name", setting: ["name"])
                    }
                }
            ),
            ComponentContract(
                "greeting.send",
                .action,
                platforms: Platforms.edge,
                settings: [SettingSpec("text", .string, required: true)]
            ),
        ]
    )

    let delegates: [String: ComponentDelegate] = [
        "greeting.salutation": .dataElement(FixedDataElement(Salutation())),
        "greeting.send": .action(Send()),
    ]

    struct Salutation: DataElementResolver {
        func resolve(_ settings: JSONValue, _ context: inout RuleContext) throws(ComponentFailure) -> JSONValue? {
            guard let name = settings["name"]?.stringValue else { return nil }
            return .string("Hello, \(name)")
        }
    }

    struct Send: ActionDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction { Action(node: node) }

        struct Action: RuntimeAction {
            let node: ComponentNode

            func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? {
                let ext = try context.extensionSettings("greeting")
                let settings = try context.renderSettings(node.settings)
                guard let text = settings["text"]?.stringValue else {
                    throw ComponentFailure("'text' resolved to nothing")
                }
                let json: JSONValue = .object(
                    JSONObject([
                        ("destination", "greeting"), ("text", .string(text + (ext["punctuation"]?.stringValue ?? ""))),
                    ])
                )
                return Dispatch(destination: "greeting", rule: context.ruleName, origin: node.origin, json: json)
            }
        }
    }
}
