import TagwireIR
import TagwireJSON
import TagwireRuntime

/// The core rule events of web properties: page lifecycle, clicks, direct calls and custom events.
enum PageEvents {
    /// `core.library-loaded`, `core.page-bottom`, `core.dom-ready`, `core.window-loaded`: a page event of the
    /// same type.
    struct Lifecycle: EventDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeEvent {
            SameType(type: node.type)
        }

        struct SameType: RuntimeEvent {
            let type: String
            func matches(_ event: JSONValue, type: String) -> Bool { type == self.type }
        }
    }

    /// `core.click`: a click whose target, or one of its ancestors, matches the element selector.
    struct Click: EventDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeEvent {
            Matcher(selector: PageEvents.selector(node))
        }

        struct Matcher: RuntimeEvent {
            let selector: Selector?
            func matches(_ event: JSONValue, type: String) -> Bool {
                guard type == "core.click", let selector else { return false }
                return selector.matchesTargetOrAncestor(PageEvents.elementChain(event))
            }
        }
    }

    /// `core.direct-call`: `_tagwire.track(identifier)` with the same identifier, white space trimmed.
    struct DirectCall: EventDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeEvent {
            Matcher(identifier: node.settings.literalValue?["identifier"]?.stringValue.map(Coercion.trimmed))
        }

        struct Matcher: RuntimeEvent {
            let identifier: String?
            func matches(_ event: JSONValue, type: String) -> Bool {
                guard type == "core.direct-call", let identifier, let id = event["identifier"]?.stringValue else {
                    return false
                }
                return Coercion.trimmed(id) == identifier
            }
        }
    }

    /// `core.custom-event`: an event of the given type (a page event's own `type`, or a custom event's
    /// `eventType`), on an element matching the selector when one is set.
    struct Custom: EventDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeEvent {
            Matcher(type: node.settings.literalValue?["type"]?.stringValue, selector: PageEvents.selector(node))
        }

        struct Matcher: RuntimeEvent {
            let type: String?
            let selector: Selector?
            func matches(_ event: JSONValue, type: String) -> Bool {
                guard let want = self.type else { return false }
                let name =
                    type == "core.custom-event" ? (event["eventType"]?.stringValue ?? event["name"]?.stringValue) : type
                guard name == want else { return false }
                return selector?.matchesTargetOrAncestor(PageEvents.elementChain(event)) ?? true
            }
        }
    }

    /// The component's literal element selector, parsed (nil when absent or not supported).
    static func selector(_ node: ComponentNode) -> Selector? {
        guard let s = node.settings.member("elementSelector")?.literalValue?.stringValue,
            case .success(let sel) = Selector.parse(s)
        else { return nil }
        return sel
    }

    /// The event's target followed by its ancestors, parent first.
    static func elementChain(_ event: JSONValue) -> [JSONValue] {
        guard let target = event["target"], target.objectValue != nil else { return [] }
        return [target] + (target["ancestors"]?.arrayValue ?? [])
    }
}
