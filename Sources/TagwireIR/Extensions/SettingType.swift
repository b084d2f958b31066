/// The JSON shape a setting accepts. Strings may always be a single `{{token}}`, whose type is known only at
/// run time.
public indirect enum SettingType: Sendable, Hashable {
    case string
    case number
    case integer
    case boolean
    /// Any JSON value.
    case any
    /// A string from a fixed list.
    case enumeration([String])
    /// An object with known fields; `additional` types the other members (nil: other members are errors).
    case object(fields: [SettingSpec], additional: SettingType?)
    /// An array whose elements have one type.
    case array(SettingType)
    /// Any one of several types.
    case oneOf([SettingType])

    /// How diagnostics name the type.
    public var description: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .any: return "any value"
        case .enumeration(let values): return "one of \(values.map { "'\($0)'" }.joined(separator: ", "))"
        case .object: return "an object"
        case .array(let t):
            return "an array of \(t.description.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "values")"
        case .oneOf(let ts): return ts.map(\.description).joined(separator: " or ")
        }
    }
}

/// One setting of a component or extension configuration.
public struct SettingSpec: Sendable, Hashable {
    public var name: String
    public var type: SettingType
    public var required: Bool

    /// A setting named `name` of type `type`.
    public init(_ name: String, _ type: SettingType, required: Bool = false) {
        self.name = name
        self.type = type
        self.required = required
    }
}
