import CompressNIO
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TagwireHashing
import TagwireJSON

/// The built web libraries `tagwire serve --libraries DIR` hosts at `/libraries/<property>/<file>`: each
/// artifact under DIR (or DIR itself) whose manifest names browser files. Content-addressed files are cached for a
/// year as immutable; the per-environment name (the newest build of that environment) briefly, with an ETag. Files
/// are gzipped once, when loaded, for clients that accept it, and readable cross-origin by the property's domains
/// (the embed code loads them with `crossorigin="anonymous"` and an integrity check, which needs CORS).
public struct WebLibraryHost: Sendable {
    struct File: Sendable {
        var body: ByteBuffer
        var gzipped: ByteBuffer
        var etag: String
        var immutable: Bool
        var domains: [String]
    }

    /// By folder (the property's name as a slug), then file name.
    var folders: [String: [String: File]] = [:]

    /// Hosts nothing.
    public init() {}

    /// The files hosted, as `<folder>/<file>`, sorted (for the start-up log).
    public var paths: [String] { folders.flatMap { f in f.value.keys.map { f.key + "/" + $0 } }.sorted() }

    /// A directory that cannot be hosted.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Loads every artifact with browser files in `directory` (or `directory` itself when it is one).
    public static func load(_ directory: String) throws(LoadError) -> WebLibraryHost {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LoadError(description: "--libraries: '\(directory)' is not a directory")
        }
        let children = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        let candidates = [directory] + children.map { (directory as NSString).appendingPathComponent($0) }
        var host = WebLibraryHost()
        // The per-environment name goes to the newest build of that environment.
        var stableDates: [String: Date] = [:]
        for dir in candidates {
            let manifestPath = (dir as NSString).appendingPathComponent("manifest.json")
            guard let data = fm.contents(atPath: manifestPath) else { continue }
            let manifest: JSONValue
            let graph: JSONValue
            do {
                manifest = try JSONReader.parse([UInt8](data))
                let library = fm.contents(atPath: (dir as NSString).appendingPathComponent("library.json")) ?? Data()
                graph = try JSONReader.parse([UInt8](library))
            } catch {
                throw LoadError(description: "--libraries: '\(dir)' holds an unreadable manifest.json or library.json")
            }
            guard let browser = manifest["browser"], let folder = browser["folder"]?.stringValue else { continue }
            let domains = graph["domains"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let built = (try? fm.attributesOfItem(atPath: manifestPath)[.modificationDate] as? Date) ?? .distantPast
            for key in ["minified", "readable", "stable"] {
                guard let name = browser[key]?.stringValue else { continue }
                let path = (dir as NSString).appendingPathComponent(name)
                guard let bytes = fm.contents(atPath: path) else {
                    throw LoadError(description: "--libraries: '\(path)' is named by its manifest but missing")
                }
                let stable = key == "stable"
                if stable, let newest = stableDates[folder + "/" + name], newest > built { continue }
                if stable { stableDates[folder + "/" + name] = built }
                do {
                    try host.add(
                        folder: folder,
                        name: name,
                        bytes: [UInt8](bytes),
                        immutable: !stable,
                        domains: domains
                    )
                } catch {
                    throw LoadError(description: "--libraries: cannot compress '\(path)'")
                }
            }
        }
        return host
    }

    /// Hosts one file at `<folder>/<name>`, readable cross-origin by `domains`; `immutable` for content-addressed
    /// names. Throws when the file cannot be gzipped.
    public mutating func add(folder: String, name: String, bytes: [UInt8], immutable: Bool, domains: [String]) throws {
        let body = ByteBuffer(bytes: bytes)
        var source = body
        let gzipped = try source.compress(with: .gzip())
        folders[folder, default: [:]][name] = File(
            body: body,
            gzipped: gzipped,
            etag: "\"" + String(SHA256.hexDigest(bytes).prefix(32)) + "\"",
            immutable: immutable,
            domains: domains
        )
    }

    /// Hosts `other`'s files too (its file wins where both host one).
    public mutating func merge(_ other: WebLibraryHost) {
        for (folder, files) in other.folders { folders[folder, default: [:]].merge(files) { _, new in new } }
    }

    /// The answer to `GET /libraries/<folder>/<name>`.
    func response(folder: String, name: String, request: Request) -> Response {
        guard let file = folders[folder]?[name] else {
            let error = RequestError(404, "not_found", "no hosted library file '\(folder)/\(name)'")
            return EventServer.json(404, error.json)
        }
        var headers: HTTPFields = [
            .contentType: "application/javascript; charset=utf-8",
            .cacheControl: file.immutable ? "public, max-age=31536000, immutable" : "public, max-age=300",
            .eTag: file.etag,
            .vary: "Accept-Encoding, Origin",
        ]
        if let origin = request.headers[.origin], Self.allows(origin, domains: file.domains) {
            headers[.accessControlAllowOrigin] = origin
        }
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == file.etag })
        {
            return Response(status: .notModified, headers: headers)
        }
        let accepts = (request.headers[.acceptEncoding] ?? "").lowercased().split(separator: ",").contains {
            let parts = $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.first == "gzip" && !parts.dropFirst().contains("q=0")
        }
        if accepts { headers[.contentEncoding] = "gzip" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: accepts ? file.gzipped : file.body))
    }

    /// Whether `origin` (`https://host[:port]`) is one of the property's domains (`*.` matches any subdomain).
    static func allows(_ origin: String, domains: [String]) -> Bool {
        guard let host = URLComponents(string: origin)?.host?.lowercased() else { return false }
        return domains.contains { domain in
            let d = domain.lowercased()
            if d.hasPrefix("*.") { return host.hasSuffix(String(d.dropFirst(1))) }
            return host == d
        }
    }
}
