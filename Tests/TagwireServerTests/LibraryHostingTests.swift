import CompressNIO
import Foundation
import HTTPTypes
import NIOCore
import TagwireHashing
import TagwireJSON
import TagwireServer
import TagwireTestSupport
import Testing

/// `tagwire serve --libraries`: built web libraries over HTTP, cached as their names allow, gzipped when asked,
/// readable cross-origin by the property's own domains, and byte for byte what the embed code's integrity names.
struct LibraryHostingTests {
    /// Builds the example web property into a scratch directory; returns it and the artifact's manifest.
    static func built() async throws -> (dir: String, manifest: JSONValue, artifact: String) {
        let dir = try Scratch.directory("hosting")
        let (status, output) = try await ChildProcess.run(
            Fixture.tagwire,
            ["build", "Properties/meta-quickstart-web", "--out", dir],
            directory: Fixture.repo,
            environment: [:]
        )
        try #require(status == 0)
        let artifact = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let manifest = try JSONReader.parse(
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: artifact + "/manifest.json")))
        )
        return (dir, manifest, artifact)
    }

    @Test func filesAreServedWithTheirCachingCompressionAndCORS() async throws {
        let (dir, manifest, artifact) = try await Self.built()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let host = try WebLibraryHost.load(dir)
        let server = try Fixture.server(libraries: host)
        let minified = try #require(manifest["browser"]?["minified"]?.stringValue)
        let stable = try #require(manifest["browser"]?["stable"]?.stringValue)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: artifact + "/" + minified)))
        let embed = try String(contentsOfFile: artifact + "/embed.html", encoding: .utf8)
        try await ServerRouterTests.withServer(server) { client in
            let path = "/libraries/meta-quickstart-web/"
            let plain = try await client.executeRequest(
                uri: path + minified,
                method: .get,
                headers: [.origin: "https://www.shop.example.com"],
                body: nil
            )
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentType] == "application/javascript; charset=utf-8")
            #expect(plain.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.accessControlAllowOrigin] == "https://www.shop.example.com")
            #expect(Array(buffer: plain.body) == bytes)
            // What the browser checks before it runs the file.
            #expect(embed.contains("sha384-" + Data(SHA384.hash(Array(buffer: plain.body))).base64EncodedString()))

            let zipped = try await client.executeRequest(
                uri: path + minified,
                method: .get,
                headers: [.acceptEncoding: "br, gzip;q=0.8", .origin: "https://evil.example"],
                body: nil
            )
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.headers[.accessControlAllowOrigin] == nil)
            var body = zipped.body
            #expect(zipped.body.readableBytes < bytes.count / 2)
            #expect(Array(buffer: try body.decompress(with: .gzip())) == bytes)

            let named = try await client.executeRequest(uri: path + stable, method: .get, headers: [:], body: nil)
            #expect(named.headers[.cacheControl] == "public, max-age=300")
            let etag = try #require(named.headers[.eTag])
            #expect(Array(buffer: named.body) == bytes)
            let again = try await client.executeRequest(
                uri: path + stable,
                method: .get,
                headers: [.ifNoneMatch: etag],
                body: nil
            )
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)

            let missing = try await client.executeRequest(
                uri: path + "tagwire-0.min.js",
                method: .get,
                headers: [:],
                body: nil
            )
            #expect(missing.status == .notFound)
            #expect(Fixture.json(missing.body)["error"]?["code"] == "not_found")
        }
    }

    @Test func aDirectoryThatIsNotThereIsRefusedByName() throws {
        #expect(throws: WebLibraryHost.LoadError.self) { try WebLibraryHost.load("/nonexistent/libraries") }
        do {
            _ = try WebLibraryHost.load("/nonexistent/libraries")
        } catch {
            #expect(error.description.contains("/nonexistent/libraries"))
        }
    }
}
