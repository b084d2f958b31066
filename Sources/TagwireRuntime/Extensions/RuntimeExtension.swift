import TagwireIR

/// An extension as one value: the contract the compiler checks properties against (with the extension's own
/// compile-time checks) and the run-time delegate of each of its component types.
public protocol RuntimeExtension: Sendable {
    var contract: ExtensionContract { get }
    /// By component type (`<extension>.<delegate>`).
    var delegates: [String: ComponentDelegate] { get }
}

/// The extensions a command or server runs with, chosen by the code that assembles it.
public struct RuntimeExtensions: Sendable {
    private var byType: [String: ComponentDelegate] = [:]
    /// The contracts, for the compiler.
    public private(set) var contracts = ExtensionRegistry([])

    /// The given extensions; a later one replaces an earlier one of the same name.
    public init(_ extensions: [any RuntimeExtension]) {
        for e in extensions { add(e) }
    }

    /// Adds (or replaces) an extension.
    public mutating func add(_ e: any RuntimeExtension) {
        contracts.register(e.contract)
        for (type, delegate) in e.delegates { byType[type] = delegate }
    }

    /// These extensions and `more`.
    public func adding(_ more: [any RuntimeExtension]) -> RuntimeExtensions {
        var copy = self
        for e in more { copy.add(e) }
        return copy
    }

    /// The delegate of a component type.
    public func delegate(_ type: String) -> ComponentDelegate? { byType[type] }
}
