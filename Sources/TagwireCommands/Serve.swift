import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireMetaSender
import TagwireModel
import TagwireRuntime
import TagwireServer

/// `tagwire serve <property-dir | artifact>`: the event-forwarding server.
public struct Serve: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Receive events over HTTP, run an edge library and deliver what it produces through the outbox.",
        discussion: """
            POST /v1/events takes one event, a JSON array or NDJSON and answers 202 once the events' Conversions API \
            payloads are stored in the outbox; a background loop delivers them (TAGWIRE_META_GRAPH_URL). Admin \
            endpoints (/admin/reload, /admin/manifest, /admin/outbox) need TAGWIRE_ADMIN_TOKEN. The API is described \
            at /openapi.json. SIGTERM stops accepting, finishes requests in flight and flushes delivery.

            Example:
              tagwire serve Properties/meta-quickstart-edge --port 8080 --data-dir /var/lib/tagwire
            """
    )

    @Argument(help: "An edge property directory, or an artifact built from one.")
    var target: String

    @Option(help: "The environment (property directories only; default: development).")
    var environment: String?

    @Option(help: "The library (property directories only; default: main).")
    var library: String?

    @OptionGroup(title: "Outbox")
    var data: DataDirectory

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one; the bound port is printed).")
    var port = 8080

    @Option(help: "Largest request body in bytes.")
    var maxBodyBytes = 1 << 20

    @Option(help: "Most events in one request.")
    var maxEvents = 500

    @Option(help: "Deepest nesting of arrays and objects inside an event.")
    var maxDepth = 32

    @Option(help: "Seconds a client has to send a request body.")
    var bodyTimeout = 10.0

    @Option(help: "Seconds of silence after which a connection is closed (also mid-headers).")
    var idleTimeout = 30.0

    @Flag(help: "Take the client IP from X-Forwarded-For (only behind a proxy you run).")
    var trustForwardedFor = false

    @Flag(
        inversion: .prefixedNo,
        help: "Deliver the outbox in this process (--no-deliver leaves it to `tagwire deliver` runners)."
    )
    var deliver = true

    @Option(help: "Seconds between delivery passes when no new event woke the loop.")
    var flushInterval = 1.0

    @Option(help: "Events per Graph request (at most 1000).")
    var batchLimit = 1000

    @Option(help: "Seconds a delivery claim is held; a server that dies releases its claims when they expire.")
    var lease = 60.0

    @Option(
        help: ArgumentHelp(
            "A directory of built web libraries (`tagwire build --out`) to host at /libraries/<property>/<file>.",
            valueName: "DIR"
        )
    )
    var libraries: String?

    @Option(
        help: ArgumentHelp(
            "A web property whose site/ pages to serve at /demo/, with its development library built to forward here.",
            valueName: "WEB"
        )
    )
    var demo: String?

    @Flag(
        help:
            "Deliver to a Graph API sandbox in this process instead of Meta, and load the demo's Pixel script from it (needs --demo; a token variable that is not set sends a stand-in token)."
    )
    var metaSandbox = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(
        help: ArgumentHelp(
            "Another directory POST /admin/reload may load from (the served property, or the served artifact's directory, always may).",
            valueName: "DIR"
        )
    )
    var reloadRoot: [String] = []

    public init() {}

    public func validate() throws {
        if metaSandbox, demo == nil {
            throw ValidationError("--meta-sandbox needs --demo WEB: the sandbox accepts the web property's pixels")
        }
    }

    public func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level: expected one of trace, debug, info, notice, warning, error, critical")
        }
        let redactor = Redactor()
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, redactor: redactor, level: level) }
        let logger = Logger(label: "tagwire.serve")
        let loader = Self.loader(
            environment: environment,
            library: library,
            secrets: metaSandbox ? LocalMetaSandbox.secrets : .system
        )
        let initial: ServedLibrary
        switch loader(target) {
        case .success(let lib): initial = lib
        case .failure(let error):
            let hint = demo != nil && !metaSandbox ? Self.sandboxHint(for: target, environment: environment) : ""
            Output.err("error: \(error.message)\(hint)\n")
            if !error.diagnostics.isEmpty {
                Output.err(JSONWriter(pretty: true).string(.array(error.diagnostics)) + "\n")
            }
            throw ExitCode(1)
        }
        var hosted = WebLibraryHost()
        if let libraries {
            do {
                hosted = try WebLibraryHost.load(libraries)
            } catch {
                Output.err("error: \(error.description)\n")
                throw ExitCode(1)
            }
        }
        // The demo's pages and library name this server's origin, so its port is known before it listens.
        let port = demo != nil && self.port == 0 ? (Loopback.freePort() ?? 0) : self.port
        let origin = "http://\(host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host):\(port)"
        var sandbox: LocalMetaSandbox?
        var pages = DemoPages()
        if let demo {
            do {
                let sandboxPort = metaSandbox ? try LocalMetaSandbox.reservePort() : nil
                let site = try DemoSite.prepare(
                    web: demo,
                    origin: origin,
                    pixelScript: sandboxPort.map(LocalMetaSandbox.pixelScript)
                )
                if let sandboxPort {
                    sandbox = LocalMetaSandbox(
                        port: sandboxPort,
                        pixels: site.pixelIDs,
                        tokens: initial.secretValues,
                        logger: Logger(label: "tagwire.meta-sandbox")
                    )
                }
                hosted.merge(site.libraries)
                pages = site.pages
            } catch {
                Output.err("error: --demo: \(error)\n")
                throw ExitCode(1)
            }
        }
        let options = ServeOptions(
            limits: ServeLimits(
                maxBodyBytes: max(1, maxBodyBytes),
                maxEvents: max(1, maxEvents),
                maxDepth: max(1, maxDepth),
                bodyTimeout: .milliseconds(Int(max(0.1, bodyTimeout) * 1000)),
                idleTimeout: .milliseconds(Int(max(0.1, idleTimeout) * 1000))
            ),
            adminToken: ProcessInfo.processInfo.environment["TAGWIRE_ADMIN_TOKEN"],
            trustForwardedFor: trustForwardedFor,
            libraries: hosted,
            pages: pages,
            demoOrigins: demo == nil ? [] : [origin]
        )
        let host = self.host
        let demoSandbox = sandbox
        let demoPages = pages
        let deliver = self.deliver
        let flush = Duration.milliseconds(Int(max(0.01, flushInterval) * 1000))
        let batchLimit = min(max(1, self.batchLimit), 1000)
        let lease = max(1, self.lease)
        let reloadRoots = reloadRoot
        try await data.withOutbox { outbox in
            let store = LibraryStore(loader: loader, initial: initial, roots: reloadRoots)
            let server = EventServer(store: store, outbox: outbox, options: options, redactor: redactor, logger: logger)
            let sender = ConversionsAPISender(configuration: ConversionsAPIConfiguration(baseURL: demoSandbox?.url))
            var services: [any Service] = demoSandbox.map { [$0.service] } ?? []
            if deliver {
                services.append(
                    server.deliveryService(flushInterval: flush, lease: lease, batchLimit: batchLimit, sender: sender)
                )
            }
            let app = server.application(host: host, port: port, services: services) { bound in
                Output.out("tagwire serve listening on http://\(host):\(bound)\n")
                if !demoPages.isEmpty { Output.out("demo: \(origin)/demo/\n") }
                if let sandbox = demoSandbox {
                    Output.out(
                        "Meta sandbox: \(sandbox.url) (what it received: \(sandbox.url)/__sandbox/events)\n"
                    )
                }
                logger.notice(
                    "listening",
                    metadata: [
                        "address": .string("\(host):\(bound)"), "property": .string(initial.propertyName),
                        "content_hash": .string(initial.contentHash),
                        "libraries": .array(options.libraries.paths.map { .string($0) }),
                    ]
                )
            }
            try await app.runService()
            logger.notice("stopped")
        }
    }

    /// What to say when a demo's edge property could not be loaded and reads a secret that is not set: the sandbox
    /// needs none.
    static func sandboxHint(for path: String, environment: String?) -> String {
        guard case .success(let graph) = PropertyInput.graph(path, library: nil, environment: environment),
            graph.secrets.contains(where: { SecretResolver.system.value($0) == nil })
        else { return "" }
        return " (or give --meta-sandbox to deliver to a local Graph API sandbox)"
    }

    /// Loads a property directory (compiled, after `adjust` changed what was loaded) or an artifact into a served
    /// library, never printing: diagnostics come back in the error, for the admin reload's answer.
    public static func loader(
        environment: String?,
        library: String?,
        secrets: SecretResolver = .system,
        adjust: (@Sendable (inout PropertySet) -> Void)? = nil
    ) -> LibraryLoader {
        { path in
            let graph: RuleGraph
            var manifest: JSONValue?
            switch PropertyInput.graph(path, library: library, environment: environment, adjust: adjust) {
            case .success(let g):
                graph = g
                if PropertyInput.isArtifact(path) {
                    let dir = path.hasSuffix(".json") ? (path as NSString).deletingLastPathComponent : path
                    let manifestPath = (dir as NSString).appendingPathComponent("manifest.json")
                    manifest =
                        FileManager.default.contents(atPath: manifestPath).flatMap {
                            try? JSONReader.parse([UInt8]($0))
                        }
                        ?? PublishedLibrary(graph: graph, sourceRevision: nil).manifest
                }
            case .failure(.artifact(let error)):
                return .failure(LibraryLoadError(message: "cannot load artifact '\(path)': \(error)"))
            case .failure(.unreadable(let error)):
                return .failure(LibraryLoadError(message: "cannot read property '\(path)': \(error)"))
            case .failure(.invalid(let errors, _)):
                let list = errors.map { JSONDiagnosticRenderer.json(PropertyInput.prefixed($0, path)) }
                return .failure(
                    LibraryLoadError(
                        message: "'\(path)' has \(errors.count) error\(errors.count == 1 ? "" : "s")",
                        diagnostics: list
                    )
                )
            }
            let published =
                manifest ?? PublishedLibrary(graph: graph, sourceRevision: PropertyInput.gitRevision(path)).manifest
            let engine = Engine(
                graph: graph,
                extensions: BuiltInExtensions.all,
                secrets: secrets,
                options: EngineOptions(resolveCredentials: true)
            )
            return ServedLibrary.make(engine: engine, manifest: published, source: path, secrets: secrets)
        }
    }
}
