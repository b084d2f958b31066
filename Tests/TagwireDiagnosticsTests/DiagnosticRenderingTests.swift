import TagwireDiagnostics
import TagwireJSON
import Testing

/// How diagnostics are ordered and rendered for people (text with a snippet and caret) and machines (JSON).
struct DiagnosticRenderingTests {
    static let file = "rules/purchase.json"
    static let text = "{\n  \"actions\": [\n    {\"settings\": {\"pixelId\": \"{{Pixle ID}}\"}}\n  ]\n}\n"

    static var sources: SourceFiles {
        var sources = SourceFiles()
        sources.add(file, SourceMap(text: Array(text.utf8)))
        return sources
    }

    static let unresolved = Diagnostic(
        .error,
        id: "compile.unresolved-reference",
        "data element 'Pixle ID' is not defined",
        at: sources.locate(file, "/actions/0/settings/pixelId"),
        notes: [
            .init(
                "did you mean 'Pixel ID'?",
                at: SourceLocation(file: "data-elements/pixel-id.json", pointer: "/name", line: 2, column: 11)
            )
        ],
        help: "define it, or fix the name"
    )

    @Test func aPointerIsLocatedAtItsValue() {
        let location = Self.sources.locate(Self.file, "/actions/0/settings/pixelId")
        #expect(location.line == 3)
        #expect(location.column == 30)
        #expect(location.prefix == "rules/purchase.json:3:30")
    }

    @Test func textNamesTheFileLineColumnPointerSnippetNotesAndHelp() {
        let rendered = TextDiagnosticRenderer(sources: Self.sources).render([Self.unresolved])
        let caret = "   | " + String(repeating: " ", count: 29) + "^"
        #expect(
            rendered.split(separator: "\n", omittingEmptySubsequences: false) == [
                "rules/purchase.json:3:30: error[compile.unresolved-reference]: data element 'Pixle ID' is not defined",
                "  --> /actions/0/settings/pixelId",
                #"   |     {"settings": {"pixelId": "{{Pixle ID}}"}}"#,
                Substring(caret),
                "  note: did you mean 'Pixel ID'? (data-elements/pixel-id.json:2:11, /name)",
                "  help: define it, or fix the name",
                "1 error, 0 warnings",
                "",
            ]
        )
    }

    @Test func jsonCarriesTheSameFields() throws {
        let value = try JSONReader.parse(JSONDiagnosticRenderer.render([Self.unresolved]))
        let d = try #require(value.arrayValue?.first)
        #expect(d["severity"] == "error")
        #expect(d["id"] == "compile.unresolved-reference")
        #expect(d["file"] == "rules/purchase.json")
        #expect(d["pointer"] == "/actions/0/settings/pixelId")
        #expect(d["line"] == 3)
        #expect(d["column"] == 30)
        #expect(d["help"] == "define it, or fix the name")
        #expect(d["notes"]?.arrayValue?.first?["file"] == "data-elements/pixel-id.json")
    }

    @Test func diagnosticsSortByFileLineColumnThenID() {
        var bag = DiagnosticBag()
        bag.emit(Diagnostic(.warning, id: "b", "later line", at: SourceLocation(file: "a.json", line: 9, column: 1)))
        bag.emit(Diagnostic(.error, id: "z", "other file", at: SourceLocation(file: "b.json", line: 1, column: 1)))
        bag.emit(Diagnostic(.error, id: "y", "same place", at: SourceLocation(file: "a.json", line: 2, column: 5)))
        bag.emit(Diagnostic(.error, id: "x", "same place", at: SourceLocation(file: "a.json", line: 2, column: 5)))
        #expect(bag.sorted().map(\.id) == ["x", "y", "b", "z"])
        #expect(bag.errorCount == 3)
        #expect(bag.warningCount == 1)
    }

    @Test func pastTheErrorLimitErrorsAreCountedNotKept() {
        var bag = DiagnosticBag(errorLimit: 2)
        for i in 0..<5 { bag.emit(Diagnostic(.error, id: "e", "error \(i)")) }
        bag.emit(Diagnostic(.warning, id: "w", "a warning still counts"))
        #expect(bag.diagnostics.count == 3)
        #expect(bag.droppedErrors == 3)
        #expect(bag.hasErrors)
    }

    @Test func didYouMeanPicksTheClosestName() {
        #expect(
            Suggestions.didYouMean("Pixle ID", in: ["Pixel ID", "Event Name", "Order Total"])
                == "did you mean 'Pixel ID'?"
        )
        #expect(Suggestions.didYouMean("completely different", in: ["Pixel ID"]) == nil)
    }

    @Test func didYouMeanFindsANameWrittenLonger() {
        let settings = ["eventName", "email", "phone", "externalId", "eventId"]
        #expect(Suggestions.didYouMean("emailAddress", in: settings) == "did you mean 'email'?")
        #expect(Suggestions.didYouMean("userEmail", in: settings) == "did you mean 'email'?")
        #expect(Suggestions.didYouMean("phoneNumber", in: settings) == "did you mean 'phone'?")
        #expect(Suggestions.didYouMean("eventIdentifier", in: settings) == "did you mean 'eventId'?")
        #expect(Suggestions.didYouMean("external", in: settings) == "did you mean 'externalId'?")
        // Close by edit distance still wins over containment.
        #expect(Suggestions.didYouMean("evntName", in: settings) == "did you mean 'eventName'?")
        #expect(Suggestions.didYouMean("ev", in: settings) == nil, "two characters are too few to go by")
    }
}
