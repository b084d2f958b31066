import TagwireJSON

/// What an extension's own compile-time check of one component (or of its configuration) sees, and the problems it
/// reports. The compiler has already checked the settings against the contract's types; this is for what types
/// cannot say (a path's root, a regular expression, a selector). The compiler turns each problem into a diagnostic
/// at the setting it names.
public struct SettingsCheck: Sendable {
    /// One problem, at a setting (a path below `settings`; empty for the settings object itself).
    public struct Problem: Sendable, Hashable {
        public var isError: Bool
        public var id: String
        public var message: String
        public var setting: [String]
        public var help: String?
        public var notes: [String]
    }

    /// `web` or `edge`.
    public let platform: String
    /// The settings as written (strings may hold `{{tokens}}`).
    public let settings: JSONObject
    public private(set) var problems: [Problem] = []

    /// A check of `settings` on a property of `platform`.
    public init(platform: String, settings: JSONObject) {
        self.platform = platform
        self.settings = settings
    }

    /// Reports an error with a stable diagnostic id such as `compile.invalid-path`.
    public mutating func error(
        _ id: String,
        _ message: String,
        setting: [String] = [],
        help: String? = nil,
        notes: [String] = []
    ) {
        problems.append(Problem(isError: true, id: id, message: message, setting: setting, help: help, notes: notes))
    }

    /// Reports a warning.
    public mutating func warning(
        _ id: String,
        _ message: String,
        setting: [String] = [],
        help: String? = nil,
        notes: [String] = []
    ) {
        problems.append(Problem(isError: false, id: id, message: message, setting: setting, help: help, notes: notes))
    }

    /// The text of a setting when it is a string without tokens (the only kind a compile-time check can read).
    public func literalText(_ name: String) -> String? {
        guard case .string(let s)? = settings[name], !TokenScanner.mayContainToken(s) else { return nil }
        return s
    }
}
