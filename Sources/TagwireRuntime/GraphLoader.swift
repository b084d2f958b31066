import TagwireIR
import TagwireJSON

/// Loads a published library (`library.json`) into a ``RuleGraph`` without the compiler.
public enum GraphLoader {
    /// Parses and checks an artifact's bytes; `name` is used in error messages.
    public static func load(_ bytes: [UInt8], name: String) throws(ArtifactError) -> RuleGraph {
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes, options: JSONReaderOptions(maxDepth: 256, maxBytes: 512 * 1024 * 1024))
        } catch {
            throw ArtifactError("\(name): not a valid artifact: \(error.message) (byte \(error.offset))")
        }
        do {
            return try RuleGraph(json: value)
        } catch {
            throw ArtifactError("\(name): \(error.message)")
        }
    }
}
