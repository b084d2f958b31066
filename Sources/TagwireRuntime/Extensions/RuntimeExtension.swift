import TagwireIR

/// An extension as one value: the contract the compiler checks properties against (with the extension's own
/// compile-time checks) and the run-time delegate of each of its component types.
public protocol RuntimeExtension: Sendable {
    var contract: ExtensionContract { get }
    /// By component type (`<extension>.<delegate>`).
    var delegates: [String: ComponentDelegate] { get }
    /// The extension's code for the browser runtime; nil for an extension that runs only in Tagwire (web
    /// libraries that install it then cannot be built for the browser).
    var browserScript: BrowserScript? { get }
}

extension RuntimeExtension {
    public var browserScript: BrowserScript? { nil }
}

/// The extensions a command or server runs with, chosen by the code that assembles it.
public struct RuntimeExtensions: Sendable {
    private var byType: [String: ComponentDelegate] = [:]
    /// The contracts, for the compiler.
    public private(set) var contracts = ExtensionRegistry([])
    /// The browser code of the extensions that have one, by extension name.
    public private(set) var browserScripts: [String: BrowserScript] = [:]

    /// The given extensions; a later one replaces an earlier one of the same name.
    public init(_ extensions: [any RuntimeExtension]) {
        for e in extensions { add(e) }
    }

    /// Adds (or replaces) an extension.
    public mutating func add(_ e: any RuntimeExtension) {
        contracts.register(e.contract)
        for (type, delegate) in e.delegates { byType[type] = delegate }
        browserScripts[e.contract.name] = e.browserScript
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
