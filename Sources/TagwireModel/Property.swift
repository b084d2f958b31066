import TagwireJSON

/// Where a property runs: against page events (tags) or server-side events (event forwarding).
public enum Platform: String, Sendable, CaseIterable {
    case web, edge
}

/// The lifecycle stage of an environment.
public enum Stage: String, Sendable, CaseIterable {
    case development, staging, production
}

/// How long a web data element's last non-null value is kept as its fallback.
public enum StorageDuration: String, Sendable, CaseIterable {
    case pageview, session, visitor
}

/// Where a value came from: a property file and a JSON pointer into it.
public struct FilePointer: Hashable, Sendable {
    public var file: String
    public var pointer: String

    /// A file and pointer.
    public init(_ file: String, _ pointer: String) {
        self.file = file
        self.pointer = pointer
    }

    /// The pointer of a child member or element.
    public func appending(_ token: String) -> FilePointer {
        FilePointer(file, pointer + "/" + escapePointerToken(token))
    }

    /// The pointer of an array element.
    public func appending(_ index: Int) -> FilePointer {
        FilePointer(file, pointer + "/" + String(index))
    }
}

/// `property.json`.
public struct PropertyDefinition: Sendable {
    public var name: String
    public var platform: Platform
    public var domains: [String]
    public var settings: JSONObject
    public var origin: FilePointer
}

/// `extensions/<name>.json`: one installed extension and its settings.
public struct ExtensionConfiguration: Sendable {
    public var name: String
    public var settings: JSONObject
    public var origin: FilePointer
}

/// `data-elements/<slug>.json`.
public struct DataElementDefinition: Sendable {
    public var name: String
    public var type: String
    public var settings: JSONObject
    public var defaultValue: JSONValue?
    public var forceLowerCase: Bool
    public var cleanText: Bool
    public var storageDuration: StorageDuration?
    public var origin: FilePointer
}

/// The role a rule component plays.
public enum ComponentRole: String, Sendable {
    case event, condition, action

    /// The plural used in rule files and diagnostics ("events").
    public var plural: String { rawValue + "s" }
}

/// An event, condition or action of a rule.
public struct RuleComponent: Sendable {
    public var role: ComponentRole
    public var type: String
    public var name: String?
    public var settings: JSONObject
    public var timeoutMs: Int?
    public var negate: Bool
    public var origin: FilePointer
}

/// `rules/<slug>.json`.
public struct RuleDefinition: Sendable {
    public var name: String
    public var enabled: Bool
    public var order: Int
    public var events: [RuleComponent]
    /// Whether the file had an `events` member (edge rules must not).
    public var declaresEvents: Bool
    public var conditions: [RuleComponent]
    public var actions: [RuleComponent]
    public var origin: FilePointer
}

/// A name listed in a library, with where it was listed.
public struct NameReference: Sendable {
    public var name: String
    public var origin: FilePointer
}

/// `libraries/<name>.json`: which resources ship.
public struct LibraryDefinition: Sendable {
    /// Everything, or the named resources.
    public enum Resources: Sendable {
        case all
        case selected(rules: [NameReference], dataElements: [NameReference], extensions: [NameReference])
    }

    public var name: String
    public var resources: Resources
    public var origin: FilePointer
    /// True for the implicit "main" library of a property without `libraries/`.
    public var isImplicit: Bool
}

/// Where a secret's value is read when a library runs.
public enum SecretSource: Sendable, Hashable {
    case environmentVariable(String)
    case file(String)
}

/// A secret an environment declares.
public struct SecretDefinition: Sendable {
    public var name: String
    public var source: SecretSource
    public var origin: FilePointer
}

/// `environments/<name>.json`.
public struct EnvironmentDefinition: Sendable {
    public var name: String
    public var stage: Stage
    public var secrets: [SecretDefinition]
    public var origin: FilePointer
}

/// A loaded property: every file decoded, before compilation.
public struct PropertySet: Sendable {
    public var property: PropertyDefinition
    public var extensions: [ExtensionConfiguration]
    public var dataElements: [DataElementDefinition]
    public var rules: [RuleDefinition]
    public var libraries: [LibraryDefinition]
    public var environments: [EnvironmentDefinition]

    /// A property set from its parts.
    public init(
        property: PropertyDefinition,
        extensions: [ExtensionConfiguration],
        dataElements: [DataElementDefinition],
        rules: [RuleDefinition],
        libraries: [LibraryDefinition],
        environments: [EnvironmentDefinition]
    ) {
        self.property = property
        self.extensions = extensions
        self.dataElements = dataElements
        self.rules = rules
        self.libraries = libraries
        self.environments = environments
    }
}
