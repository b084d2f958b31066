import TagwireIR

/// Options for evaluating events.
public struct EngineOptions: Sendable {
    /// Record per-rule traces (data element values, with secrets masked, and condition operands).
    public var trace: Bool
    /// Resolve credentials (access tokens, app secrets, secret headers) into dispatches: needed to send, not to
    /// print.
    public var resolveCredentials: Bool
    /// Whether a secret that is not set reads as a masked placeholder with a warning on the rule, instead of
    /// failing it (offline runs that check rules without the credentials; never for delivery).
    public var allowMissingSecrets: Bool
    /// Timeout of an action without its own `timeoutMs`.
    public var defaultTimeoutMs: Int
    /// How this runner names itself to destinations (Meta's `partner_agent`).
    public var partnerAgent: String

    /// Options with defaults: no trace, no credentials, 30 s timeouts, `tagwire-<version>`.
    public init(
        trace: Bool = false,
        resolveCredentials: Bool = false,
        allowMissingSecrets: Bool = false,
        defaultTimeoutMs: Int = 30_000,
        partnerAgent: String = "tagwire-\(TagwireVersion.current)"
    ) {
        self.trace = trace
        self.resolveCredentials = resolveCredentials
        self.allowMissingSecrets = allowMissingSecrets
        self.defaultTimeoutMs = defaultTimeoutMs
        self.partnerAgent = partnerAgent
    }
}

/// A failure the engine reports outside a rule (such as an unset secret read while delivering).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    /// An error with its message.
    public init(message: String) { self.message = message }
}
