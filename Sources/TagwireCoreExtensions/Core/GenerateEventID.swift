import TagwireIR
import TagwireJSON
import TagwireRuntime

/// `core.generate-event-id`: a new id for the browser and server copies of one event to share. On the web it is
/// written into the page state at `path`; on the edge into the rule stash, under `core`.
struct GenerateEventID: ActionDelegate {
    static let defaultPath = "window.dataLayer.meta.conversionData.eventId"

    func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction {
        Action(settings: node.settings)
    }

    struct Action: RuntimeAction {
        let settings: Template

        func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? {
            let settings = try context.renderSettings(self.settings)
            let id = context.uuid()
            if context.isWeb {
                let path = settings["path"]?.stringValue ?? GenerateEventID.defaultPath
                var segments = path.split(separator: ".").map(String.init)
                guard segments.first == "window", segments.count > 1 else {
                    throw ComponentFailure("'\(path)' is not a page-state path")
                }
                segments.removeFirst()
                context.window = Self.setting(context.window, segments[...], to: .string(id))
            } else {
                var core = context.stash["core"]?.objectValue ?? JSONObject()
                core[settings["path"]?.stringValue ?? "eventId"] = .string(id)
                context.stash["core"] = .object(core)
            }
            return nil
        }

        /// A copy of `value` with `path` set to `newValue`, creating objects along the way.
        static func setting(_ value: JSONValue, _ path: ArraySlice<String>, to newValue: JSONValue) -> JSONValue {
            guard let key = path.first else { return newValue }
            switch value {
            case .array(var a):
                if let i = JSONValue.arrayIndex(key), i < a.count {
                    a[i] = setting(a[i], path.dropFirst(), to: newValue)
                    return .array(a)
                }
                return value
            case .object(var o):
                o[key] = setting(o[key] ?? .object(JSONObject()), path.dropFirst(), to: newValue)
                return .object(o)
            default:
                var o = JSONObject()
                o[key] = setting(.object(JSONObject()), path.dropFirst(), to: newValue)
                return .object(o)
            }
        }
    }
}
