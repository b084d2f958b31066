import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireTestSupport
import TagwireWeb
import Testing

/// The JavaScript file of a web library: what it holds, what it leaves out, and its names.
struct WebLibraryTests {
    static func graph(_ property: String, environment: String? = nil) throws -> RuleGraph {
        let load = PropertyLoader.load(try PropertySource.directory(Repository.path(property)))
        let result = Compiler.compile(
            load,
            options: CompileOptions(library: nil, environment: environment),
            registry: BuiltInExtensions.all.contracts
        )
        return try #require(result.graph, "\(result.diagnostics.map { $0.message })")
    }

    static func build(_ graph: RuleGraph) throws -> WebLibrary {
        try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
    }

    @Test
    func theExampleLibraryIsDeterministicAndNamedByItsContent() throws {
        let graph = try Self.graph("Properties/meta-quickstart-web")
        let a = try Self.build(graph)
        let b = try Self.build(try Self.graph("Properties/meta-quickstart-web"))
        #expect(a.readable == b.readable)
        #expect(a.minified == b.minified)
        #expect(a.readableName == "tagwire-\(SHA256.hexDigest(a.readable).prefix(16)).js")
        #expect(a.minifiedName == "tagwire-\(SHA256.hexDigest(a.minified).prefix(16)).min.js")
        #expect(a.stableName == "meta-quickstart-web-development.min.js")
        #expect(a.integrity == "sha384-" + Data(SHA384.hash(a.minified)).base64EncodedString())
        #expect(a.minified.count < a.readable.count)
    }

    @Test
    func theFileCarriesTheGraphWithoutSecretsOrEval() throws {
        let graph = try Self.graph("Properties/meta-quickstart-web")
        let library = try Self.build(graph)
        for bytes in [library.readable, library.minified] {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("eval("))
            #expect(!text.contains("new Function"))
            #expect(!text.contains("\"secrets\""))
            for rule in graph.rules { #expect(text.contains(rule.name)) }
            #expect(text.contains("tagwire.start("))
        }
        let readable = String(decoding: library.readable, as: UTF8.self)
        let minified = String(decoding: library.minified, as: UTF8.self)
        #expect(readable.contains("rules/metaconversion-purchase.json"))
        #expect(!minified.contains("rules/metaconversion-purchase.json"))
    }

    @Test
    func theEmbedCodeNamesTheMinifiedFileAndItsIntegrity() throws {
        let library = try Self.build(try Self.graph("Properties/meta-quickstart-web"))
        #expect(
            library.embedCode(base: "https://cdn.example.com/")
                == #"<script async src="https://cdn.example.com/meta-quickstart-web/\#(library.minifiedName)" integrity="\#(library.integrity)" crossorigin="anonymous"></script>"#
        )
        #expect(library.embedCode(base: "").contains(#"src="meta-quickstart-web/tagwire-"#))
        #expect(
            library.stableEmbedCode(base: "/t").contains(
                #"src="/t/meta-quickstart-web/meta-quickstart-web-development.min.js""#
            )
        )
    }

    @Test
    func anEdgePropertyHasNoBrowserLibrary() throws {
        let graph = try Self.graph("Properties/meta-quickstart-edge")
        #expect(throws: WebLibrary.BuildError.self) { try Self.build(graph) }
    }

    @Test
    func aSecretDataElementIsRefusedNamingIt() throws {
        var graph = try Self.graph("Properties/meta-quickstart-web")
        graph.dataElements.append(
            DataElementNode(
                name: "Token",
                type: "core.secret",
                settings: .literal(["secret": "token"]),
                defaultValue: nil,
                forceLowerCase: false,
                cleanText: false,
                storageDuration: nil,
                origin: Origin(file: "data-elements/token.json", pointer: "", line: 1, column: 1)
            )
        )
        do throws(WebLibrary.BuildError) {
            _ = try WebLibrary.build(graph, scripts: BuiltInExtensions.all.browserScripts)
            Issue.record("a library with a secret was built")
        } catch {
            #expect(error.message.contains("'Token'"))
            #expect(error.message.contains("data-elements/token.json:1:1"))
        }
    }

    @Test
    func anExtensionWithoutBrowserCodeIsNamed() throws {
        let graph = try Self.graph("Properties/meta-quickstart-web")
        var scripts = BuiltInExtensions.all.browserScripts
        scripts["meta-pixel"] = nil
        do throws(WebLibrary.BuildError) {
            _ = try WebLibrary.build(graph, scripts: scripts)
            Issue.record("built without the pixel's code")
        } catch {
            #expect(error.message.contains("'meta-pixel'"))
        }
    }
}
