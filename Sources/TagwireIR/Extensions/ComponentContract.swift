import TagwireJSON

/// What a component type does in a property.
public enum ComponentKind: String, Sendable, Hashable {
    case event, condition, action
    case dataElement = "data element"
}

/// The compile-time contract of one component type: its kind, platforms and settings, and the checks its
/// extension makes beyond the settings' types.
public struct ComponentContract: Sendable {
    /// `<extension>.<delegate>`.
    public var type: String
    public var kind: ComponentKind
    /// `web`, `edge`, or both.
    public var platforms: Set<String>
    public var settings: [SettingSpec]
    /// Whether settings not listed are accepted.
    public var additionalSettings: Bool
    /// Settings whose literal text names a secret of the environment, which the compiler checks is declared.
    public var secretSettings: [String]
    /// Settings that may read secrets (through data elements): their values go only into a request's credentials,
    /// never into what is printed or sent in clear. A secret read by any other setting is a build error.
    public var credentialSettings: [String]
    /// The extension's own check of a component's settings.
    public var check: (@Sendable (inout SettingsCheck) -> Void)?
    /// For a condition whose settings are all literal: whether it is met, when that can be known before any event
    /// (nil: it cannot). The compiler warns about rules that can never fire.
    public var constantOutcome: (@Sendable (JSONValue) -> Bool?)?

    /// The contract of component type `type`; a setting is required only where its spec says so.
    public init(
        _ type: String,
        _ kind: ComponentKind,
        platforms: Set<String>,
        settings: [SettingSpec],
        additionalSettings: Bool = false,
        secretSettings: [String] = [],
        credentialSettings: [String] = [],
        check: (@Sendable (inout SettingsCheck) -> Void)? = nil,
        constantOutcome: (@Sendable (JSONValue) -> Bool?)? = nil
    ) {
        self.type = type
        self.kind = kind
        self.platforms = platforms
        self.settings = settings
        self.additionalSettings = additionalSettings
        self.secretSettings = secretSettings
        self.credentialSettings = credentialSettings
        self.check = check
        self.constantOutcome = constantOutcome
    }
}

/// The contract of an extension: its configuration settings and the component types it provides.
public struct ExtensionContract: Sendable {
    public var name: String
    public var platforms: Set<String>
    public var configuration: [SettingSpec]
    public var components: [ComponentContract]
    /// Configuration settings that may read secrets (see ``ComponentContract/credentialSettings``).
    public var credentialSettings: [String]
    /// The extension's own check of its configuration (for example a token written in clear).
    public var check: (@Sendable (inout SettingsCheck) -> Void)?

    /// The contract of extension `name`, whose installed file's `settings` follow `configuration`.
    public init(
        name: String,
        platforms: Set<String>,
        configuration: [SettingSpec],
        components: [ComponentContract],
        credentialSettings: [String] = [],
        check: (@Sendable (inout SettingsCheck) -> Void)? = nil
    ) {
        self.name = name
        self.platforms = platforms
        self.configuration = configuration
        self.components = components
        self.credentialSettings = credentialSettings
        self.check = check
    }
}

/// Platform sets that contracts name.
public enum Platforms {
    public static let both: Set<String> = ["web", "edge"]
    public static let web: Set<String> = ["web"]
    public static let edge: Set<String> = ["edge"]
}
