import Foundation
import Synchronization
import TagwireIR
import TagwireJSON
import TagwireMetaSender
import TagwireRuntime

/// A library the server runs: its engine, its manifest, where it came from and what delivering its dispatches
/// needs. Immutable; a reload swaps the whole object, so a request keeps the library it started with (and taking
/// it is one reference, not a copy of the engine's graph).
public final class ServedLibrary: Sendable {
    public let engine: Engine
    /// The published manifest (`property`, `library`, `environment`, `contentHash`, ...).
    public let manifest: JSONValue
    /// The property directory or artifact it was loaded from.
    public let source: String
    /// When it was loaded (Unix seconds).
    public let loadedAt: Double
    /// Batch key → credentials, for the Conversions API deliverer.
    public let credentials: @Sendable (String) -> BatchCredentials?
    /// Secret values of the library, for log redaction and the tokens a local sandbox accepts; never printed.
    public let secretValues: [String]
    /// Lowercased `domains` of the property: the origins CORS allows.
    public let allowedHosts: Set<String>
    /// The property's name.
    public let propertyName: String
    /// `sha256:…` of the library.
    public let contentHash: String
    /// `,"property":"…","contentHash":"…","events":[`: the part of every `202` body that names the library.
    let identityJSON: [UInt8]

    init(
        engine: Engine,
        manifest: JSONValue,
        source: String,
        loadedAt: Double,
        credentials: @escaping @Sendable (String) -> BatchCredentials?,
        secretValues: [String],
        allowedHosts: Set<String>
    ) {
        self.engine = engine
        self.manifest = manifest
        self.source = source
        self.loadedAt = loadedAt
        self.credentials = credentials
        self.secretValues = secretValues
        self.allowedHosts = allowedHosts
        propertyName = engine.graph.propertyName
        contentHash = manifest["contentHash"]?.stringValue ?? ""
        var identity = Array(#","property":"#.utf8)
        JSONWriter.writeString(propertyName, into: &identity)
        identity.append(contentsOf: #","contentHash":"#.utf8)
        JSONWriter.writeString(contentHash, into: &identity)
        identity.append(contentsOf: #","events":["#.utf8)
        identityJSON = identity
    }

    /// Wraps an engine loaded from `source`. Fails when the library's Conversions API credentials cannot be
    /// resolved (a missing secret), so a server never starts or reloads into a library that cannot deliver.
    public static func make(
        engine: Engine,
        manifest: JSONValue,
        source: String,
        secrets: SecretResolver = .system,
        now: Double = Date().timeIntervalSince1970
    ) -> Result<ServedLibrary, LibraryLoadError> {
        let graph = engine.graph
        guard !graph.isWeb else {
            return .failure(
                LibraryLoadError(
                    message:
                        "'\(graph.propertyName)' is a web property; tagwire serve runs edge properties (events forwarded from pages and back ends)"
                )
            )
        }
        let credentials: @Sendable (String) -> BatchCredentials?
        if graph.extensionSettings("meta-capi") != nil {
            do {
                credentials = try ConversionsAPIItems.credentialResolver(engine: engine)
            } catch {
                return .failure(LibraryLoadError(message: error.message))
            }
        } else {
            credentials = { _ in nil }
        }
        let secrets = graph.secrets.compactMap { secrets.value($0) }.filter { $0.count >= 4 }
        return .success(
            ServedLibrary(
                engine: engine,
                manifest: manifest,
                source: source,
                loadedAt: now,
                credentials: credentials,
                secretValues: secrets,
                allowedHosts: Set(graph.domains.map { $0.lowercased() })
            )
        )
    }
}

/// Why a library could not be loaded: a message, and the compiler's diagnostics when there are some.
public struct LibraryLoadError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// Diagnostics in the `--format json` shape.
    public var diagnostics: [JSONValue]

    public init(message: String, diagnostics: [JSONValue] = []) {
        self.message = message
        self.diagnostics = diagnostics
    }

    public var description: String { message }
}

/// Loads a library from a property directory or an artifact path.
public typealias LibraryLoader = @Sendable (String) -> Result<ServedLibrary, LibraryLoadError>

/// The library currently served. Reads take a snapshot; a reload replaces it atomically, so requests in flight
/// finish on the library they started with.
public final class LibraryStore: Sendable {
    private let current: Mutex<ServedLibrary?>
    private let loader: LibraryLoader
    /// Serialises reloads (compiling twice at once gains nothing).
    private let reloading = Mutex(false)
    /// The directories a reload may load from (resolved paths): the served property directory, or the served
    /// artifact and the directory its builds go to, and any given.
    public let roots: [String]

    /// A store that loads with `loader`, reloading only from `roots` and the initial library's own.
    public init(loader: @escaping LibraryLoader, initial: ServedLibrary? = nil, roots: [String] = []) {
        self.loader = loader
        current = Mutex(initial)
        var all = roots
        if let source = initial?.source {
            all.append(source)
            // A built artifact: its siblings are the next builds.
            if FileManager.default.fileExists(atPath: source + "/manifest.json") {
                all.append(URL(fileURLWithPath: source).deletingLastPathComponent().path)
            }
        }
        self.roots = Array(Set(all.map(Self.resolved))).sorted()
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// Whether `path` is one of the roots or lies inside one.
    public func mayLoad(from path: String) -> Bool {
        let real = Self.resolved(path)
        return roots.contains { real == $0 || real.hasPrefix($0 == "/" ? "/" : $0 + "/") }
    }

    /// The served library, if one is loaded.
    public var library: ServedLibrary? { current.withLock { $0 } }

    /// Loads from `path` (default: the current library's source) and swaps it in; on failure the old library keeps
    /// serving and the error is returned.
    public func reload(from path: String? = nil) -> Result<ServedLibrary, LibraryLoadError> {
        guard let source = path ?? library?.source else {
            return .failure(LibraryLoadError(message: "no library source to reload from"))
        }
        guard mayLoad(from: source) else {
            return .failure(
                LibraryLoadError(
                    message:
                        "'\(source)' is outside the directories this server loads libraries from (\(roots.joined(separator: ", ")))"
                )
            )
        }
        let busy = reloading.withLock { busy in
            if busy { return true }
            busy = true
            return false
        }
        guard !busy else { return .failure(LibraryLoadError(message: "a reload is already in progress")) }
        defer { reloading.withLock { $0 = false } }
        let result = loader(source)
        if case .success(let lib) = result { current.withLock { $0 = lib } }
        return result
    }
}
