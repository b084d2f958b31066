// This target only assembles the built-in extensions, so that the CLI, the server, the benchmarks and the tests
// name one list and the engine's own target stays free of every extension.
import TagwireCoreExtensions
import TagwireIR
import TagwireMetaExtensions
import TagwireRuntime

/// The extensions every Tagwire command runs with: core, meta-pixel, edge, meta-capi and http.
public enum BuiltInExtensions {
    /// The built-in extensions.
    public static let all = RuntimeExtensions([
        CoreExtension(), MetaPixelExtension(), EdgeExtension(), MetaCAPIExtension(), HTTPExtension(),
    ])
}
