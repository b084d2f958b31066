import TagwireIR
import TagwireRuntime

/// `core`: always installed. Data elements reading the page or the event, constants, secrets and generated
/// values; the value comparison; page events; the event id action.
public struct CoreExtension: RuntimeExtension {
    public init() {}

    public let contract = ExtensionContract(
        name: "core",
        platforms: Platforms.both,
        configuration: [],
        components: [
            ComponentContract(
                "core.path",
                .dataElement,
                platforms: Platforms.both,
                settings: [SettingSpec("path", .string, required: true)],
                check: CoreChecks.path
            ),
            ComponentContract(
                "core.constant",
                .dataElement,
                platforms: Platforms.both,
                settings: [SettingSpec("value", .any, required: true)]
            ),
            ComponentContract(
                "core.secret",
                .dataElement,
                platforms: Platforms.both,
                settings: [SettingSpec("secret", .string, required: true)],
                secretSettings: ["secret"]
            ),
            ComponentContract(
                "core.cookie",
                .dataElement,
                platforms: Platforms.web,
                settings: [SettingSpec("name", .string, required: true)]
            ),
            ComponentContract(
                "core.query-parameter",
                .dataElement,
                platforms: Platforms.web,
                settings: [SettingSpec("name", .string, required: true), SettingSpec("caseInsensitive", .boolean)]
            ),
            ComponentContract(
                "core.page-info",
                .dataElement,
                platforms: Platforms.web,
                settings: [SettingSpec("attribute", .enumeration(PageData.attributes), required: true)]
            ),
            ComponentContract(
                "core.random-number",
                .dataElement,
                platforms: Platforms.both,
                settings: [SettingSpec("min", .integer), SettingSpec("max", .integer)],
                check: CoreChecks.randomNumber
            ),
            ComponentContract("core.uuid", .dataElement, platforms: Platforms.both, settings: []),
            ComponentContract(
                "core.timestamp",
                .dataElement,
                platforms: Platforms.both,
                settings: [SettingSpec("unit", .enumeration(["seconds", "milliseconds"]))]
            ),
            ComponentContract(
                "core.conditional-value",
                .dataElement,
                platforms: Platforms.both,
                settings: [
                    SettingSpec("leftOperand", .any, required: true),
                    SettingSpec("comparison", CoreChecks.comparison, required: true),
                    SettingSpec("rightOperand", .any), SettingSpec("conditionalValue", .any),
                    SettingSpec("fallbackValue", .any),
                ],
                check: CoreChecks.comparisonOperands
            ),
            ComponentContract(
                "core.value-comparison",
                .condition,
                platforms: Platforms.both,
                settings: [
                    SettingSpec("leftOperand", .any, required: true),
                    SettingSpec("comparison", CoreChecks.comparison, required: true),
                    SettingSpec("rightOperand", .any),
                ],
                check: CoreChecks.comparisonOperands,
                constantOutcome: ValueComparisonCondition.constantOutcome
            ),
            ComponentContract("core.library-loaded", .event, platforms: Platforms.web, settings: []),
            ComponentContract("core.page-bottom", .event, platforms: Platforms.web, settings: []),
            ComponentContract("core.dom-ready", .event, platforms: Platforms.web, settings: []),
            ComponentContract("core.window-loaded", .event, platforms: Platforms.web, settings: []),
            ComponentContract(
                "core.click",
                .event,
                platforms: Platforms.web,
                settings: [SettingSpec("elementSelector", .string, required: true)],
                check: CoreChecks.selector
            ),
            ComponentContract(
                "core.direct-call",
                .event,
                platforms: Platforms.web,
                settings: [SettingSpec("identifier", .string, required: true)]
            ),
            ComponentContract(
                "core.custom-event",
                .event,
                platforms: Platforms.web,
                settings: [SettingSpec("type", .string, required: true), SettingSpec("elementSelector", .string)],
                check: CoreChecks.selector
            ),
            ComponentContract(
                "core.generate-event-id",
                .action,
                platforms: Platforms.both,
                settings: [SettingSpec("path", .string)],
                check: CoreChecks.eventIDPath
            ),
        ]
    )

    public let delegates: [String: ComponentDelegate] = [
        "core.path": .dataElement(PathElement()),
        "core.constant": .dataElement(FixedDataElement(Constant(), isConstant: true)),
        "core.secret": .dataElement(FixedDataElement(SecretValue(), isSecret: true)),
        "core.cookie": .dataElement(FixedDataElement(PageData.Cookie(), reads: .members([["cookies"]]))),
        "core.query-parameter": .dataElement(FixedDataElement(PageData.QueryParameter(), reads: .members([["url"]]))),
        "core.page-info": .dataElement(FixedDataElement(PageData.Info(), reads: .members([["url"]]))),
        "core.random-number": .dataElement(FixedDataElement(GeneratedValues.RandomNumber())),
        "core.uuid": .dataElement(FixedDataElement(GeneratedValues.UUID())),
        "core.timestamp": .dataElement(FixedDataElement(GeneratedValues.Timestamp())),
        "core.conditional-value": .dataElement(FixedDataElement(ConditionalValue())),
        "core.value-comparison": .condition(ValueComparisonCondition.Delegate()),
        "core.library-loaded": .event(PageEvents.Lifecycle()),
        "core.page-bottom": .event(PageEvents.Lifecycle()),
        "core.dom-ready": .event(PageEvents.Lifecycle()),
        "core.window-loaded": .event(PageEvents.Lifecycle()),
        "core.click": .event(PageEvents.Click()),
        "core.direct-call": .event(PageEvents.DirectCall()),
        "core.custom-event": .event(PageEvents.Custom()),
        "core.generate-event-id": .action(GenerateEventID()),
    ]

    public var browserScript: BrowserScript? {
        BrowserScript(readable: PackageResources.core_js, minified: PackageResources.core_min_js)
    }
}
