import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireRuntime
import TagwireTestSupport
import Testing

struct BuildTests {
    func compile(_ dir: String, environment: String? = nil) throws -> CompilationResult {
        Compiler.compile(
            PropertyLoader.load(try PropertySource.directory(Repository.path(dir))),
            options: CompileOptions(environment: environment),
            registry: BuiltInExtensions.all.contracts
        )
    }

    @Test(arguments: Repo.examples)
    func examplePropertiesValidateAndBuildClean(_ dir: String) throws {
        let load = PropertyLoader.load(try PropertySource.directory(Repository.path(dir)))
        #expect(Compiler.validate(load, registry: BuiltInExtensions.all.contracts).diagnostics.isEmpty)
        for env in ["development", "staging", "production"] {
            let result = Compiler.compile(
                load,
                options: CompileOptions(environment: env),
                registry: BuiltInExtensions.all.contracts
            )
            #expect(result.diagnostics.isEmpty)
            let graph = try #require(result.graph)
            #expect(graph.stage == env)
            #expect(graph.rules.count == 10)
        }
    }

    @Test
    func quickstartRulesCarryTheQuickstartNames() throws {
        let web = try #require(try compile(Repo.examples[0]).graph)
        let names = Set(web.rules.map(\.name))
        for event in [
            "PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase", "Search", "Lead",
            "CompleteRegistration", "Subscribe",
        ] {
            #expect(names.contains("MetaConversion_\(event)"))
        }
        #expect(
            web.dataElements.contains {
                $0.name == "MetaConversion_DataLayer"
                    && $0.settings.member("path")?.literalValue == "window.dataLayer.meta"
            }
        )
        #expect(web.rules.first?.name == "MetaConversion_PageView", "order 10 runs first")
    }

    @Test
    func theSameSourcesGiveByteIdenticalArtifactsWhateverTheFileOrder() throws {
        let source = try PropertySource.directory(Repository.path(Repo.examples[1]))
        let first = PublishedLibrary(
            graph: try #require(
                Compiler.compile(PropertyLoader.load(source), registry: BuiltInExtensions.all.contracts).graph
            ),
            sourceRevision: "abc"
        )
        var generator = TestRandom()
        for _ in 0..<5 {
            let shuffled = PropertySource(
                root: source.root,
                files: source.files.shuffled(using: &generator).map {
                    PropertySource.File(path: $0.path, bytes: $0.bytes)
                }
            )
            let again = PublishedLibrary(
                graph: try #require(
                    Compiler.compile(PropertyLoader.load(shuffled), registry: BuiltInExtensions.all.contracts).graph
                ),
                sourceRevision: "abc"
            )
            #expect(again.libraryBytes == first.libraryBytes, "\(generator)")
            #expect(again.manifestBytes == first.manifestBytes, "\(generator)")
            #expect(again.contentHash == first.contentHash, "\(generator)")
        }
        #expect(first.contentHash.hasPrefix("sha256:"))
        #expect(first.directoryName.hasPrefix("main-development-"))
    }

    @Test
    func artifactsRoundTripThroughTheLoaderWithoutTheCompiler() throws {
        for dir in Repo.examples {
            let graph = try #require(try compile(dir).graph)
            let published = PublishedLibrary(graph: graph, sourceRevision: nil)
            let loaded = try GraphLoader.load(published.libraryBytes, name: "library.json")
            #expect(loaded == graph)
        }
    }

    @Test
    func brokenArtifactsAreRefusedWithAReason() throws {
        let graph = try #require(try compile(Repo.examples[1]).graph)
        var json = graph.json
        if case .object(var o) = json {
            o["formatVersion"] = 99
            json = .object(o)
        }
        #expect(throws: ArtifactError.self) { try GraphLoader.load(JSONWriter().bytes(json), name: "x") }
        #expect(throws: ArtifactError.self) { try GraphLoader.load(Array("{\"formatVersion\": 1}".utf8), name: "x") }
        #expect(throws: ArtifactError.self) { try GraphLoader.load(Array("not json".utf8), name: "x") }
    }

    @Test
    func unknownLibraryAndEnvironmentAreReported() throws {
        let load = PropertyLoader.load(try PropertySource.directory(Repository.path(Repo.examples[1])))
        let lib = Compiler.compile(
            load,
            options: CompileOptions(library: "mian"),
            registry: BuiltInExtensions.all.contracts
        )
        #expect(lib.diagnostics.map(\.id) == ["compile.unknown-library"])
        #expect(lib.diagnostics.first?.notes.first?.message == "did you mean 'main'?")
        let env = Compiler.compile(
            load,
            options: CompileOptions(environment: "prod"),
            registry: BuiltInExtensions.all.contracts
        )
        #expect(env.diagnostics.map(\.id) == ["compile.unknown-environment"])
        #expect(env.graph == nil)
    }

    @Test
    func oneRunReportsEveryProblemOfEveryFile() throws {
        func file(_ path: String, _ text: String) -> PropertySource.File {
            PropertySource.File(path: path, bytes: Array(text.utf8))
        }
        let source = PropertySource(
            root: "p",
            files: [
                file("property.json", #"{"name": "p", "platform": "web", "domains": ["a.example"], "colour": 1}"#),
                file(
                    "rules/a.json",
                    #"{"name": "A", "order": "x", "events": [{"type": "core.dom-ready"}], "actons": []}"#
                ),
                file("rules/b.json", #"{"name": "A", "events": [{"type": "core.dom-ready"}]}"#),
                file("rules/c.json", #"{"name": "C", "events": [{"type": "core.dom-ready"},]}"#),
                file(
                    "data-elements/d.json",
                    #"{"name": "D", "type": "core.path", "settings": {}, "forceLowerCase": "yes"}"#
                ),
            ]
        )
        let ids = Compiler.validate(PropertyLoader.load(source), registry: BuiltInExtensions.all.contracts).diagnostics
            .map(\.id)
        for id in ["model.unknown-key", "model.wrong-type", "model.duplicate-name", "json.trailing-comma"] {
            #expect(ids.contains(id), "\(ids)")
        }
        #expect(ids.filter { $0 == "model.unknown-key" }.count == 2)
        #expect(ids.filter { $0 == "model.wrong-type" }.count == 2)
    }

    @Test
    func tokenPathsPickTheLongestDataElementName() throws {
        func file(_ path: String, _ text: String) -> PropertySource.File {
            PropertySource.File(path: path, bytes: Array(text.utf8))
        }
        let source = PropertySource(
            root: "p",
            files: [
                file("property.json", #"{"name": "p", "platform": "edge"}"#),
                file("extensions/http.json", #"{"name": "http"}"#),
                file(
                    "data-elements/a.json",
                    #"{"name": "user", "type": "core.path", "settings": {"path": "arc.event.data"}}"#
                ),
                file(
                    "data-elements/b.json",
                    #"{"name": "user.profile", "type": "core.path", "settings": {"path": "arc.event.data.p"}}"#
                ),
                file(
                    "rules/r.json",
                    #"{"name": "R", "actions": [{"type": "http.send-request", "settings": {"url": "https://x.example/{{user.profile.id}}/{{user.name}}"}}]}"#
                ),
            ]
        )
        let graph = try #require(
            Compiler.compile(PropertyLoader.load(source), registry: BuiltInExtensions.all.contracts).graph
        )
        guard case .text(let parts)? = graph.rules[0].actions[0].settings.member("url") else {
            Issue.record("url should be a text template")
            return
        }
        let refs = parts.compactMap { p -> TokenReference? in
            if case .token(let r) = p { return r }
            return nil
        }
        #expect(refs.map { graph.dataElements[$0.element].name } == ["user.profile", "user"])
        #expect(refs.map(\.path) == [["id"], ["name"]])
    }
}

struct SchemaTests {
    @Test
    func committedSchemasMatchTheRegistry() throws {
        for (name, schema) in SchemaGenerator.schemas(registry: BuiltInExtensions.all.contracts) {
            let text = try String(contentsOfFile: Repository.path("Schemas/" + name), encoding: .utf8)
            #expect(
                text == JSONWriter(pretty: true).string(schema) + "\n",
                "Schemas/\(name) is stale: run `tagwire schemas --out Schemas`"
            )
        }
    }

    /// Cases whose problem a JSON Schema can see; each must be rejected by the schemas and by `tagwire validate`.
    static let schemaDetectable = [
        "model-unknown-key", "model-wrong-type", "model-missing-key", "model-invalid-value", "model-invalid-type",
        "model-out-of-range", "model-invalid-secret", "model-invalid-domain", "model-unsupported-version",
        "model-invalid-name",
        "model-missing-domains", "model-secret-two-sources", "compile-unknown-setting", "compile-missing-setting",
        "compile-setting-type", "compile-invalid-setting-value", "compile-wrong-enum-operator",
        "compile-unknown-extension",
    ]

    func python(_ arguments: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Repository.path("scripts/validate-schemas.py")] + arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test
    func everyExamplePropertyFileIsValidAgainstTheSchemas() throws {
        let (status, output) = try python(Repo.examples.map(Repository.path))
        #expect(status == 0, "\(output)")
    }

    @Test
    func brokenFixturesAreRejectedByTheSchemasAndByValidate() throws {
        let dirs = Self.schemaDetectable.map {
            DiagnosticGoldenTests.root.appendingPathComponent($0).appendingPathComponent("property").path
        }
        let (status, output) = try python(["--expect-invalid"] + dirs)
        #expect(status == 0, "\(output)")
        for dir in dirs {
            let result = Compiler.validate(
                PropertyLoader.load(try PropertySource.directory(dir)),
                registry: BuiltInExtensions.all.contracts
            )
            #expect(result.hasErrors, "\(dir)")
        }
    }
}
