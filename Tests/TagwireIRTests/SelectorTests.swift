import TagwireIR
import Testing

/// The supported subset of CSS selectors parses; everything else is refused.
struct SelectorTests {
    @Test(arguments: ["button", "#id", ".a.b", "[x]", "[x=y]", "[x='y z']", "div > a.b", "main section [data-x=\"1\"]"])
    func supportedSelectorsParse(_ s: String) {
        #expect((try? Selector.parse(s).get()) != nil)
    }

    @Test(arguments: ["a:hover", "a, b", "*", "a + b", "a ~ b", "[x^=y]", "", "> a", "a >", "#", "."])
    func unsupportedSelectorsAreRejected(_ s: String) {
        #expect((try? Selector.parse(s).get()) == nil)
    }
}
