import TagwireDiagnostics
import TagwireJSON
import TagwireModel
import Testing

/// Loading a property: defaults, and every problem of every file reported in one pass at its file and pointer.
struct PropertyLoaderTests {
    static func source(_ files: [(String, String)]) -> PropertySource {
        PropertySource(root: "p", files: files.map { PropertySource.File(path: $0.0, bytes: Array($0.1.utf8)) })
    }

    static let valid: [(String, String)] = [
        ("property.json", #"{"name": "shop", "platform": "edge"}"#),
        (
            "data-elements/email.json",
            #"{"name": "Email", "type": "core.path", "settings": {"path": "arc.event.data.email"}}"#
        ),
        (
            "rules/lead.json",
            #"{"name": "Lead", "actions": [{"type": "http.send-request", "settings": {"url": "https://x.example/"}}]}"#
        ),
    ]

    @Test func omittedKeysTakeTheirDefaultsAndOneLibraryShipsEverything() throws {
        let load = PropertyLoader.load(Self.source(Self.valid))
        #expect(load.diagnostics.diagnostics.isEmpty)
        let set = try #require(load.propertySet)
        #expect(set.property.platform == .edge)
        let rule = try #require(set.rules.first)
        #expect(rule.enabled)
        #expect(rule.order == 50)
        #expect(set.libraries.map(\.name) == ["main"])
        let element = try #require(set.dataElements.first)
        #expect(!element.forceLowerCase && !element.cleanText && element.defaultValue == nil)
    }

    @Test func everyProblemOfEveryFileIsReportedAtItsPointer() {
        var files = Self.valid
        files[1] = ("data-elements/email.json", #"{"name": "Email", "type": "core.path", "setings": {}}"#)
        files[2] = ("rules/lead.json", #"{"name": "Lead", "events": [{"type": "core.click"}], "actions": []}"#)
        files.append(("rules/copy.json", #"{"name": "Lead", "version": 9, "actions": []}"#))
        let diagnostics = PropertyLoader.load(Self.source(files)).diagnostics.sorted()
        let found = diagnostics.map { "\($0.id) \($0.location?.file ?? "") \($0.location?.pointer ?? "")" }
        #expect(found.contains("model.unknown-key data-elements/email.json /setings"), "\(found)")
        #expect(found.contains("model.edge-rule-events rules/lead.json /events"), "\(found)")
        #expect(found.contains("model.unsupported-version rules/copy.json /version"), "\(found)")
        #expect(diagnostics.contains { $0.id == "model.duplicate-name" && !$0.notes.isEmpty }, "\(found)")
        let unknown = diagnostics.first { $0.id == "model.unknown-key" }
        #expect(unknown?.notes.map(\.message) == ["did you mean 'settings'?"])
    }

    @Test func aPropertyWithoutPropertyJSONIsRefused() {
        let load = PropertyLoader.load(Self.source(Array(Self.valid.dropFirst())))
        #expect(load.propertySet == nil)
        #expect(load.diagnostics.diagnostics.map(\.id).contains("model.missing-property-file"))
    }
}
