import Foundation
import TagwireHashing
import TagwireIR
import TagwireJSON

/// A web property's library as the browser loads it: one self-contained JavaScript file holding the runtime, the
/// script of each extension the library installs, and the compiled rule graph (the graph of `library.json`, with
/// no secret references). The readable file keeps each node's source origin, for debugging; the minified one
/// leaves them out. The same graph always gives the same bytes.
public struct WebLibrary: Sendable {
    /// The readable file's bytes and name (`tagwire-<first 16 hex digits of its SHA-256>.js`).
    public var readable: [UInt8]
    public var readableName: String
    /// The minified file's bytes and name (`tagwire-<first 16 hex digits of its SHA-256>.min.js`).
    public var minified: [UInt8]
    public var minifiedName: String
    /// `<property>-<environment>.min.js`: a name that stays the same across publishes, for pages that should
    /// not change on every build (served with a short cache lifetime).
    public var stableName: String
    /// The Subresource Integrity value of the minified file (`sha384-<base64>`).
    public var integrity: String
    public var propertyName: String

    /// The folder the files are hosted in under the asset base: the property's name as a slug.
    public var folder: String { Self.slug(propertyName) }

    /// A library that cannot be built for the browser.
    public struct BuildError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Builds the files of a web graph. `scripts` holds each available extension's browser code by name.
    public static func build(_ graph: RuleGraph, scripts: [String: BrowserScript]) throws(BuildError) -> WebLibrary {
        guard graph.isWeb else {
            throw BuildError(
                message: "property '\(graph.propertyName)' is an edge property: only web properties run in the browser"
            )
        }
        for element in graph.dataElements where element.type == "core.secret" {
            throw BuildError(
                message:
                    "data element '\(element.name)' (\(element.origin.description)) reads a secret: a browser library is public, so it cannot carry secrets; read the value on the edge instead"
            )
        }
        var used: [BrowserScript] = []
        let names = ["core"] + graph.extensions.map(\.name).filter { $0 != "core" }.sorted()
        for name in names {
            guard let script = scripts[name] else {
                throw BuildError(
                    message: "extension '\(name)' has no browser code, so this library cannot run in a browser"
                )
            }
            used.append(script)
        }
        let header = Self.header(graph)
        let readable = Self.assemble(
            header: header,
            runtime: WebRuntime.readable,
            scripts: used.map(\.readable),
            graph: JSONWriter(pretty: true).string(Self.browserGraph(graph, origins: true)),
            separator: "\n"
        )
        let minified = Self.assemble(
            header: header,
            runtime: WebRuntime.minified,
            scripts: used.map(\.minified),
            graph: JSONWriter().string(Self.browserGraph(graph, origins: false)),
            separator: ""
        )
        let readableBytes = Array(readable.utf8)
        let minifiedBytes = Array(minified.utf8)
        let integrity = "sha384-" + Data(SHA384.hash(minifiedBytes)).base64EncodedString()
        return WebLibrary(
            readable: readableBytes,
            readableName: "tagwire-\(SHA256.hexDigest(readableBytes).prefix(16)).js",
            minified: minifiedBytes,
            minifiedName: "tagwire-\(SHA256.hexDigest(minifiedBytes).prefix(16)).min.js",
            stableName: stableName(property: graph.propertyName, environment: graph.environment),
            integrity: integrity,
            propertyName: graph.propertyName
        )
    }

    /// The `<head>` tag that loads the minified file from `base` (a URL or path; the property's folder under it).
    public func embedCode(base: String) -> String {
        let url = Self.joined(base, folder, minifiedName)
        return #"<script async src="\#(url)" integrity="\#(integrity)" crossorigin="anonymous"></script>"#
    }

    /// The tag for the stable name (no integrity: the file behind it changes with each publish).
    public func stableEmbedCode(base: String) -> String {
        let url = Self.joined(base, folder, stableName)
        return #"<script async src="\#(url)" crossorigin="anonymous"></script>"#
    }

    /// The snippet that lets a page call `_tagwire.track` (and the other calls) before the library has loaded:
    /// the calls wait in `_tagwire.q` and the library replays them in order.
    public static let queueSnippet =
        #"<script>window._tagwire=window._tagwire||{q:[],track:function(){_tagwire.q.push(["track",arguments])},consent:function(){_tagwire.q.push(["consent",arguments])}};</script>"#

    static func joined(_ base: String, _ parts: String...) -> String {
        var out = base
        while out.hasSuffix("/") { out.removeLast() }
        for p in parts { out += (out.isEmpty ? "" : "/") + p }
        return out
    }

    static func header(_ graph: RuleGraph) -> String {
        "/*! Tagwire web library: property \(comment(graph.propertyName)), library \(comment(graph.library)), environment \(comment(graph.environment)) (\(graph.stage)). Tagwire \(TagwireVersion.current). */\n"
    }

    /// Text safe inside a block comment.
    static func comment(_ s: String) -> String { s.replacingOccurrences(of: "*/", with: "* /") }

    static func assemble(header: String, runtime: String, scripts: [String], graph: String, separator: String)
        -> String
    {
        var out = header
        out += "(function(){" + separator
        out += runtime + separator
        for s in scripts { out += s + separator }
        out += "tagwire.start(" + graph + ");" + separator
        out += "})();\n"
        return out
    }

    /// The graph the browser runs: `library.json`'s, without secret references, and without source origins
    /// unless asked.
    static func browserGraph(_ graph: RuleGraph, origins: Bool) -> JSONValue {
        guard case .object(var o) = graph.json else { return graph.json }
        o["secrets"] = nil
        var value = JSONValue.object(o)
        if !origins { value = withoutOrigins(value) }
        return value
    }

    /// The graph without its nodes' `origin` members (data elements, rules and their components; a setting's own
    /// `origin` key is left alone).
    static func withoutOrigins(_ v: JSONValue) -> JSONValue {
        guard case .object(var graph) = v else { return v }
        func stripped(_ node: JSONValue) -> JSONValue {
            guard case .object(var o) = node else { return node }
            o["origin"] = nil
            return .object(o)
        }
        if case .array(let elements)? = graph["dataElements"] { graph["dataElements"] = .array(elements.map(stripped)) }
        if case .array(let rules)? = graph["rules"] {
            graph["rules"] = .array(
                rules.map { rule in
                    guard case .object(var r) = stripped(rule) else { return rule }
                    for key in ["events", "conditions", "actions"] {
                        if case .array(let components)? = r[key] { r[key] = .array(components.map(stripped)) }
                    }
                    return .object(r)
                }
            )
        }
        return .object(graph)
    }

    /// The per-environment file name the embed code loads (`<property>-<environment>.min.js`), which each publish of
    /// that environment replaces.
    public static func stableName(property: String, environment: String) -> String {
        "\(slug(property))-\(slug(environment)).min.js"
    }

    /// A name as it appears in file names and folders: lower case, anything but letters and digits as `-`.
    public static func slug(_ s: String) -> String {
        String(
            s.lowercased().unicodeScalars.map { c -> Character in
                ((c >= "a" && c <= "z") || (c >= "0" && c <= "9")) ? Character(c) : "-"
            }
        )
    }
}

/// The browser runtime's own code (`Runtime/runtime.js`, and its committed minified form).
public enum WebRuntime {
    public static let readable = String(decoding: PackageResources.runtime_js, as: UTF8.self)
    public static let minified = String(decoding: PackageResources.runtime_min_js, as: UTF8.self)
}
