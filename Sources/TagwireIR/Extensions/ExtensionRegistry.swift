/// The extension contracts a build resolves component types against. The code that assembles a command or
/// server chooses the extensions; the compiler knows none by name.
public struct ExtensionRegistry: Sendable {
    public private(set) var extensions: [String: ExtensionContract] = [:]
    private var components: [String: ComponentContract] = [:]

    /// A registry holding the given contracts.
    public init(_ contracts: [ExtensionContract]) {
        for c in contracts { register(c) }
    }

    /// Adds (or replaces) an extension contract.
    public mutating func register(_ contract: ExtensionContract) {
        extensions[contract.name] = contract
        for c in contract.components { components[c.type] = c }
    }

    /// The contract of a component type.
    public func component(_ type: String) -> ComponentContract? { components[type] }

    /// Every component type of an extension.
    public func componentTypes(of extensionName: String) -> [String] {
        extensions[extensionName]?.components.map(\.type) ?? []
    }
}
