import Foundation
import TagwireIR

#if canImport(Glibc)
    import Glibc
#endif

/// Reads secret values when a library runs: from the environment variable or file each secret names.
public struct SecretResolver: Sendable {
    private let lookup: @Sendable (SecretNode) -> String?

    /// A resolver with a custom lookup (tests).
    public init(_ lookup: @escaping @Sendable (SecretNode) -> String?) {
        self.lookup = lookup
    }

    /// Reads the process environment and the file system.
    public static let system = SecretResolver { node in
        if let v = node.environmentVariable {
            // getenv reads one variable; ProcessInfo.environment would copy the whole environment per lookup.
            return getenv(v).map { String(cString: $0) }
        }
        if let f = node.file, let data = FileManager.default.contents(atPath: f) {
            var s = String(decoding: data, as: UTF8.self)
            while s.hasSuffix("\n") || s.hasSuffix("\r") { s.removeLast() }
            return s
        }
        return nil
    }

    /// The value of a secret, or nil when its variable or file is not there.
    public func value(_ node: SecretNode) -> String? { lookup(node) }
}

/// How secret values look in traces and outputs.
public let maskedSecret = "*****"
