import TagwireHashing
import TagwireIR
import TagwireJSON

/// A built library ready to publish: the graph's bytes (`library.json`), their content hash and the manifest.
///
/// The same graph always gives the same bytes, so the hash names the content: two builds of the same sources are
/// byte-identical whatever order the file system listed the files in.
public struct PublishedLibrary: Sendable {
    /// `library.json`: the graph as compact JSON with a trailing newline.
    public var libraryBytes: [UInt8]
    /// `sha256:<hex>` of ``libraryBytes``.
    public var contentHash: String
    /// `manifest.json`.
    public var manifest: JSONValue

    /// Publishes a graph with the build's provenance.
    public init(graph: RuleGraph, sourceRevision: String?) {
        var bytes = JSONWriter().bytes(graph.json)
        bytes.append(0x0A)
        libraryBytes = bytes
        contentHash = "sha256:" + SHA256.hexDigest(bytes)
        var m: [(String, JSONValue)] = [
            ("formatVersion", .number(Double(RuleGraph.formatVersion))),
            ("property", .string(graph.propertyName)),
            ("platform", .string(graph.platform)),
            ("library", .string(graph.library)),
            ("environment", .string(graph.environment)),
            ("stage", .string(graph.stage)),
            ("tagwireVersion", .string(TagwireVersion.current)),
        ]
        if let sourceRevision { m.append(("sourceRevision", .string(sourceRevision))) }
        m.append(("contentHash", .string(contentHash)))
        m.append(
            (
                "counts",
                .object(
                    JSONObject([
                        ("rules", .number(Double(graph.rules.count))),
                        ("dataElements", .number(Double(graph.dataElements.count))),
                        ("extensions", .number(Double(graph.extensions.count))),
                    ])
                )
            )
        )
        manifest = .object(JSONObject(m))
    }

    /// The artifact's directory name: `<library>-<environment>-<first 16 hex digits of the hash>`.
    public var directoryName: String {
        let name = manifest["library"]?.stringValue ?? "library"
        let env = manifest["environment"]?.stringValue ?? "environment"
        let hex = contentHash.dropFirst("sha256:".count).prefix(16)
        return "\(slug(name))-\(slug(env))-\(hex)"
    }

    /// `manifest.json` bytes (pretty, with a trailing newline).
    public var manifestBytes: [UInt8] {
        var b = JSONWriter(pretty: true).bytes(manifest)
        b.append(0x0A)
        return b
    }

    private func slug(_ s: String) -> String {
        let mapped = s.lowercased().unicodeScalars.map { c -> Character in
            ((c >= "a" && c <= "z") || (c >= "0" && c <= "9")) ? Character(c) : "-"
        }
        return String(mapped)
    }
}
