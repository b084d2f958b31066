import Foundation
import Logging
import ServiceLifecycle
import TagwireExtensions
import TagwireGraphSandbox
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireServer
import TagwireWeb

/// A web property's demo on one origin, for `tagwire serve --demo` and `tagwire quickstart validate`: its
/// development library built to forward events to that origin (and, with a Meta sandbox, to load Meta's script from
/// it), hosted at `/libraries/...`, and the property's `site/` pages at `/demo/...`, their embed code pointed at the
/// same origin. Nothing is written to disk: the property's files stay as they are in git.
struct DemoSite {
    var libraries: WebLibraryHost
    var pages: DemoPages
    /// The site's walk-through (`site/journey.json`), when it has one.
    var journey: DemoJourney?
    /// The library's file name under `/libraries/` (`<folder>/<stable name>`).
    var libraryPath: String
    /// The Pixel ids the page sends to (the `meta-pixel` extension's).
    var pixelIDs: [String]
    /// Where the property forwards events in production (its `edge` extension's endpoint).
    var productionEndpoint: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Builds the demo of the web property at `web` for a server at `origin` (`http://127.0.0.1:8080`); pages on
    /// `pageHosts` may load the library too. Diagnostics are written to standard error; a property that does not
    /// compile, is not a web property or has no `site/` folder is a failure naming what is missing.
    static func prepare(web: String, origin: String, pixelScript: String?, pageHosts: [String] = []) throws
        -> DemoSite
    {
        var productionEndpoint: String?
        var pixelIDs: [String] = []
        let compiled = PropertyInput.graph(web, library: nil, environment: nil) { set in
            for i in set.extensions.indices {
                switch set.extensions[i].name {
                case "edge":
                    productionEndpoint = set.extensions[i].settings["endpoint"]?.stringValue
                    set.extensions[i].settings["endpoint"] = .string(origin + "/v1/events")
                case "meta-pixel":
                    if let id = set.extensions[i].settings["pixelId"]?.stringValue { pixelIDs.append(id) }
                    if let pixelScript { set.extensions[i].settings["scriptUrl"] = .string(pixelScript) }
                default: break
                }
            }
        }
        let graph: RuleGraph
        switch compiled {
        case .success(let g): graph = g
        case .failure(.invalid(let errors, let sources)):
            PropertyInput.report(errors, sources: sources, format: .text, property: web)
            throw Failure(description: "'\(web)' does not compile")
        case .failure(.unreadable(let error)), .failure(.artifact(let error)):
            throw Failure(description: "\(error)")
        }
        guard graph.isWeb else {
            throw Failure(
                description: "'\(web)' is an edge property; the demo needs the web property (platform \"web\")"
            )
        }
        let library: WebLibrary
        do {
            library = try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
        } catch {
            throw Failure(description: "\(web): \(error.message)")
        }
        var host = WebLibraryHost()
        for (name, bytes, immutable) in [
            (library.stableName, library.minified, false), (library.minifiedName, library.minified, true),
            (library.readableName, library.readable, true),
        ] {
            try host.add(
                folder: library.folder,
                name: name,
                bytes: bytes,
                immutable: immutable,
                domains: graph.domains + pageHosts
            )
        }

        let site = (web as NSString).appendingPathComponent("site")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: site)) ?? []).sorted()
        guard names.contains(where: { $0.hasSuffix(".html") }) else {
            throw Failure(
                description:
                    "'\(PropertyInput.shown(site))' has no pages: the demo serves the web property's site/*.html (tagwire quickstart writes them)"
            )
        }
        // The pages carry the production embed code; on the demo origin it loads this library and forwards here.
        let productionOrigin = productionEndpoint.flatMap(Self.origin)
        var files: [String: [UInt8]] = [:]
        var journey: DemoJourney?
        for name in names where !name.hasPrefix(".") {
            let path = (site as NSString).appendingPathComponent(name)
            // Only the site's own files are served: a link could reach anything the server may read.
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let kind = st.st_mode & S_IFMT
            if kind == S_IFDIR { continue }
            guard kind == S_IFREG else {
                throw Failure(
                    description:
                        "'\(PropertyInput.shown(path))' is not a regular file (a link?): the demo serves only the files in site/"
                )
            }
            guard st.st_size <= PropertySource.maxFileBytes else {
                throw Failure(
                    description:
                        "'\(PropertyInput.shown(path))' is \(st.st_size) bytes; the demo serves files up to \(PropertySource.maxFileBytes)"
                )
            }
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            if name == "journey.json" {
                journey = try DemoJourney.parse([UInt8](data), file: PropertyInput.shown(path))
                continue
            }
            if name.hasSuffix(".html"), let productionOrigin {
                let text = String(decoding: data, as: UTF8.self).replacingOccurrences(
                    of: productionOrigin,
                    with: origin
                )
                files[name] = Array(text.utf8)
            } else {
                files[name] = [UInt8](data)
            }
        }
        let index =
            files["index.html"] != nil ? "index.html" : journey?.firstPage ?? names.first { $0.hasSuffix(".html") }
        return DemoSite(
            libraries: host,
            pages: DemoPages(files, index: index),
            journey: journey,
            libraryPath: library.folder + "/" + library.stableName,
            pixelIDs: pixelIDs,
            productionEndpoint: productionEndpoint
        )
    }

    /// `scheme://host[:port]` of a URL.
    static func origin(_ url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme, let host = c.host else { return nil }
        return scheme + "://" + host + (c.port.map { ":\($0)" } ?? "")
    }
}

/// `site/journey.json`: how a visitor walks the demo site, for `tagwire quickstart validate`. Steps open a page or
/// click an element (CSS selector), optionally waiting for the page the click leads to; `expect` lists the Meta events
/// the walk should send, in order.
struct DemoJourney: Equatable {
    enum Step: Equatable {
        case open(String)
        case click(String, then: String?)
    }

    var steps: [Step]
    var expect: [String]

    var firstPage: String? {
        for step in steps { if case .open(let page) = step { return page } }
        return nil
    }

    static func parse(_ bytes: [UInt8], file: String) throws -> DemoJourney {
        let value: JSONValue
        do {
            value = try JSONReader.parse(bytes)
        } catch {
            throw DemoSite.Failure(description: "\(file): not JSON (\(error))")
        }
        for key in value.objectValue?.keys ?? [] where !["$schema", "description", "steps", "expect"].contains(key) {
            throw DemoSite.Failure(description: "\(file): unknown key '\(key)'; expected steps, expect, description")
        }
        guard let list = value["steps"]?.arrayValue, !list.isEmpty else {
            throw DemoSite.Failure(
                description: "\(file): expected \"steps\", a list of {\"open\": page} or {\"click\": selector}"
            )
        }
        var steps: [Step] = []
        for (i, step) in list.enumerated() {
            let keys = Set(step.objectValue?.keys ?? [])
            if let page = step["open"]?.stringValue, keys == ["open"] {
                steps.append(.open(page))
            } else if let selector = step["click"]?.stringValue, keys.isSubset(of: ["click", "then"]) {
                steps.append(.click(selector, then: step["then"]?.stringValue))
            } else {
                throw DemoSite.Failure(
                    description:
                        "\(file): /steps/\(i): expected {\"open\": page} or {\"click\": selector, \"then\": page}"
                )
            }
        }
        guard case .open = steps[0] else {
            throw DemoSite.Failure(description: "\(file): /steps/0: the walk starts with {\"open\": page}")
        }
        let expect = value["expect"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return DemoJourney(steps: steps, expect: expect)
    }
}

/// A Graph API sandbox in this process (`--meta-sandbox`): a demo or a validation with no Meta account. It serves a
/// stand-in for Meta's script and takes the Pixel's beacons and the Conversions API's requests, with Meta's checks,
/// for the web property's pixels.
struct LocalMetaSandbox: Sendable {
    /// The token the edge property sends when its own token variable is not set.
    static let standInToken = "sandbox-token"

    let state: SandboxState
    let port: Int
    let service: any Service

    var url: String { "http://127.0.0.1:\(port)" }

    /// Meta's script as the sandbox on `port` serves it.
    static func pixelScript(port: Int) -> String { "http://127.0.0.1:\(port)/en_US/fbevents.js" }

    /// A free loopback port for the sandbox, known before the pages that load its script are built.
    static func reservePort() throws -> Int {
        guard let port = Loopback.freePort() else {
            throw DemoSite.Failure(description: "no free loopback port for the Meta sandbox")
        }
        return port
    }

    /// A sandbox on `port` that accepts `tokens` (and the stand-in) for `pixels`; it listens once `service` runs.
    init(port: Int, pixels: [String], tokens: [String] = [], logger: Logger) {
        var table: [String: Set<String>] = [:]
        for token in tokens + [Self.standInToken] { table[token] = Set(pixels) }
        state = SandboxState(configuration: SandboxConfiguration(tokens: table))
        self.port = port
        service = GraphSandbox.application(state: state, host: "127.0.0.1", port: port, logger: logger)
    }

    /// The process's secrets, with the stand-in token for those that are not set.
    static let secrets = SecretResolver { node in
        SecretResolver.system.value(node).flatMap { $0.isEmpty ? nil : $0 } ?? standInToken
    }
}

/// Loopback ports.
enum Loopback {
    /// A port free on 127.0.0.1 right now (the kernel's pick).
    static func freePort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, length) == 0 else { return -1 }
                return getsockname(fd, p, &length)
            }
        }
        guard bound == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
