/// The version of this Tagwire build, written into manifests and Meta's `partner_agent`.
public enum TagwireVersion {
    public static let current = "0.1.0"
}
