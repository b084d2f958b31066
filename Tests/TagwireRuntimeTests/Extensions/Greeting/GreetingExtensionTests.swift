import TagwireCompiler
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireModel
import TagwireRuntime
import Testing

/// An extension added from the tests alone runs a property that uses it, beside the built-in ones.
struct GreetingExtensionTests {
    static func property(name: String) -> PropertySource {
        func file(_ path: String, _ value: JSONValue) -> PropertySource.File {
            PropertySource.File(path: path, bytes: JSONWriter(pretty: true).bytes(value))
        }
        return PropertySource(
            root: "greeting",
            files: [
                file("property.json", ["name": "greeting", "platform": "edge"]),
                file("extensions/greeting.json", ["name": "greeting", "settings": ["punctuation": "!"]]),
                file(
                    "data-elements/visitor.json",
                    ["name": "Visitor", "type": "core.path", "settings": ["path": "arc.event.data.visitor"]]
                ),
                file(
                    "data-elements/hello.json",
                    ["name": "Hello", "type": "greeting.salutation", "settings": ["name": .string(name)]]
                ),
                file(
                    "rules/greet.json",
                    [
                        "name": "Greet",
                        "conditions": [
                            [
                                "type": "core.value-comparison",
                                "settings": ["leftOperand": "{{Visitor}}", "comparison": ["operator": "isTruthy"]],
                            ]
                        ],
                        "actions": [["type": "greeting.send", "settings": ["text": "{{Hello}}"]]],
                    ]
                ),
            ]
        )
    }

    static let extensions = BuiltInExtensions.all.adding([GreetingExtension()])

    @Test func aPropertyUsingTheExtensionCompilesAndRuns() throws {
        let result = Compiler.compile(
            PropertyLoader.load(Self.property(name: "{{Visitor}}")),
            registry: Self.extensions.contracts
        )
        let graph = try #require(result.graph, "\(result.diagnostics.map(\.message))")
        let engine = Engine(graph: graph, extensions: Self.extensions)
        var session = Session(seed: 1)
        let evaluation = engine.evaluate(["data": ["visitor": "Ada"]], receivedAt: 0, session: &session)
        #expect(evaluation.rules.map(\.status) == [.fired])
        #expect(evaluation.dispatches.map(\.json) == [["destination": "greeting", "text": "Hello, Ada!"]])
        let nobody = engine.evaluate(["data": [:]], receivedAt: 0, session: &session)
        #expect(nobody.rules.map(\.status) == [.conditionNotMet])
        #expect(nobody.dispatches.isEmpty)
    }

    @Test func theExtensionsOwnCheckReportsAtItsSetting() throws {
        let result = Compiler.validate(
            PropertyLoader.load(Self.property(name: "")),
            registry: Self.extensions.contracts
        )
        let problem = try #require(result.diagnostics.first { $0.id == "ext.greeting.empty-name" })
        #expect(problem.location?.file == "data-elements/hello.json")
        #expect(problem.location?.pointer == "/settings/name")
    }

    @Test func withoutTheExtensionItsTypesAreUnknown() {
        let result = Compiler.validate(
            PropertyLoader.load(Self.property(name: "x")),
            registry: BuiltInExtensions.all.contracts
        )
        #expect(result.diagnostics.contains { $0.id == "compile.unknown-extension" })
    }
}
