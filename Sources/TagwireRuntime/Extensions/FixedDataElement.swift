import TagwireIR

/// A data element delegate whose every data element resolves the same way, whatever its node.
public struct FixedDataElement: DataElementDelegate {
    let element: RuntimeDataElement

    /// Data elements resolved by `resolver`; see ``RuntimeDataElement/resolved(_:reads:isConstant:isSecret:)``.
    public init(
        _ resolver: any DataElementResolver,
        reads: EventReads = .nothing,
        isConstant: Bool = false,
        isSecret: Bool = false
    ) {
        element = .resolved(resolver, reads: reads, isConstant: isConstant, isSecret: isSecret)
    }

    public func prepare(_ node: DataElementNode, _ graph: RuleGraph) -> RuntimeDataElement { element }
}
