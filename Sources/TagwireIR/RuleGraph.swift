import TagwireJSON

/// Where a graph node came from in the property sources, so traces and failures can name the line.
public struct Origin: Sendable, Hashable {
    public var file: String
    public var pointer: String
    public var line: Int
    public var column: Int

    public init(file: String, pointer: String, line: Int, column: Int) {
        self.file = file
        self.pointer = pointer
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// An installed extension and its settings.
public struct ExtensionNode: Sendable, Hashable {
    public var name: String
    public var settings: Template

    public init(name: String, settings: Template) {
        self.name = name
        self.settings = settings
    }
}

/// A compiled data element.
public struct DataElementNode: Sendable, Hashable {
    public var name: String
    public var type: String
    public var settings: Template
    public var defaultValue: JSONValue?
    public var forceLowerCase: Bool
    public var cleanText: Bool
    /// `pageview`, `session` or `visitor` (web only).
    public var storageDuration: String?
    public var origin: Origin

    /// A data element node.
    public init(
        name: String,
        type: String,
        settings: Template,
        defaultValue: JSONValue?,
        forceLowerCase: Bool,
        cleanText: Bool,
        storageDuration: String?,
        origin: Origin
    ) {
        self.name = name
        self.type = type
        self.settings = settings
        self.defaultValue = defaultValue
        self.forceLowerCase = forceLowerCase
        self.cleanText = cleanText
        self.storageDuration = storageDuration
        self.origin = origin
    }
}

/// A compiled event, condition or action.
public struct ComponentNode: Sendable, Hashable {
    public var type: String
    public var name: String?
    public var settings: Template
    public var timeoutMs: Int?
    public var negate: Bool
    public var origin: Origin

    public init(type: String, name: String?, settings: Template, timeoutMs: Int?, negate: Bool, origin: Origin) {
        self.type = type
        self.name = name
        self.settings = settings
        self.timeoutMs = timeoutMs
        self.negate = negate
        self.origin = origin
    }

    /// The component's display name: its `name`, or its type.
    public var displayName: String { name ?? type }
}

/// A compiled rule.
public struct RuleNode: Sendable, Hashable {
    public var name: String
    public var enabled: Bool
    public var order: Int
    public var events: [ComponentNode]
    public var conditions: [ComponentNode]
    public var actions: [ComponentNode]
    public var origin: Origin

    public init(
        name: String,
        enabled: Bool,
        order: Int,
        events: [ComponentNode],
        conditions: [ComponentNode],
        actions: [ComponentNode],
        origin: Origin
    ) {
        self.name = name
        self.enabled = enabled
        self.order = order
        self.events = events
        self.conditions = conditions
        self.actions = actions
        self.origin = origin
    }
}

/// A secret the environment declares: a reference to where its value is read at run time, never the value.
public struct SecretNode: Sendable, Hashable {
    public var name: String
    /// Environment variable holding the value.
    public var environmentVariable: String?
    /// File holding the value (trailing newline trimmed).
    public var file: String?

    public init(name: String, environmentVariable: String?, file: String?) {
        self.name = name
        self.environmentVariable = environmentVariable
        self.file = file
    }
}

/// The compiled library the runner loads: immutable, index-based, `Sendable`.
///
/// Rules are stored in execution order (`order`, then name). Data element references are indices into
/// ``dataElements``. Nothing in the graph needs the compiler to run, and no secret value is ever inside.
public struct RuleGraph: Sendable, Hashable {
    /// The artifact format this build writes and reads.
    public static let formatVersion = 1

    public var formatVersion: Int
    public var propertyName: String
    /// `web` or `edge`.
    public var platform: String
    public var domains: [String]
    public var library: String
    public var environment: String
    /// `development`, `staging` or `production`.
    public var stage: String
    public var extensions: [ExtensionNode]
    public var dataElements: [DataElementNode]
    public var rules: [RuleNode]
    public var secrets: [SecretNode]
    /// The property's own settings (`property.json`'s `settings`: on the web, `requireConsent` and
    /// `satelliteAlias`), as checked by the compiler.
    public var settings: JSONObject = JSONObject()

    public init(
        propertyName: String,
        platform: String,
        domains: [String],
        library: String,
        environment: String,
        stage: String,
        extensions: [ExtensionNode],
        dataElements: [DataElementNode],
        rules: [RuleNode],
        secrets: [SecretNode]
    ) {
        self.formatVersion = RuleGraph.formatVersion
        self.propertyName = propertyName
        self.platform = platform
        self.domains = domains
        self.library = library
        self.environment = environment
        self.stage = stage
        self.extensions = extensions
        self.dataElements = dataElements
        self.rules = rules
        self.secrets = secrets
    }

    /// Whether the graph runs against page events.
    public var isWeb: Bool { platform == "web" }

    /// The settings of an installed extension.
    public func extensionSettings(_ name: String) -> Template? {
        extensions.first { $0.name == name }?.settings
    }
}
