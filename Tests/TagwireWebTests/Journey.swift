import TagwireJSON

/// A conformance case's page events as a journey a page can make: the steps a harness runs (Node/page.js, or
/// Browser/journeys.py in Chromium), and the events the Swift engine reads for the same steps.
///
/// A page event that carries `window` is a new page load, with that state (its `cookies` become the page's
/// cookies). In Node, a load raises Library Loaded and each later lifecycle event is its own step; in a browser a
/// load runs the whole lifecycle, and clicks and custom events are DOM events on elements built from the event's
/// descriptors. Events the harness cannot make give no journey.
struct Journey {
    static let lifecycle = ["core.library-loaded", "core.page-bottom", "core.dom-ready", "core.window-loaded"]
    static let browserID = "fb.1.1700000000000.1234567890"

    var steps: [JSONValue] = []
    var events: [JSONValue] = []

    init?(_ caseEvents: [JSONValue], browser: Bool) {
        var stage = -1
        var pages = 0
        var people: [JSONValue] = []
        func common(_ e: JSONValue) -> [(String, JSONValue)] {
            [("page", .string("page-\(pages)")), ("visitor", e["visitor"] ?? "v"), ("session", e["session"] ?? "s")]
        }
        func load(_ e: JSONValue) -> Bool {
            // A browser's storage is cleared for a new visitor or session; one coming back would find it gone.
            let person: JSONValue = [e["visitor"] ?? "v", e["session"] ?? "s"]
            if browser, people.last != person, people.contains(person) { return false }
            people.append(person)
            pages += 1
            var window = e["window"]?.objectValue ?? JSONObject()
            var document = window["document"]?.objectValue ?? JSONObject()
            var cookie = document["cookie"]?.stringValue ?? ""
            for m in e["cookies"]?.objectValue ?? JSONObject() {
                guard let v = m.value.stringValue else { continue }
                cookie += (cookie.isEmpty ? "" : "; ") + m.key + "=" + v
            }
            // A returning visitor's browser id, so that the runtime does not make a random one (which the engine
            // could not know) and both sides forward the same.
            if e["cookies"]?["_fbp"] == nil, !cookie.contains("_fbp=") {
                cookie += (cookie.isEmpty ? "" : "; ") + "_fbp=" + Self.browserID
            }
            document["cookie"] = .string(cookie)
            window["document"] = .object(document)
            // Every real page has an address.
            if window["location"]?["href"] == nil { window["location"] = ["href": "https://page.example/"] }
            steps.append(["load": .object(window), "visitor": e["visitor"] ?? "v", "session": e["session"] ?? "s"])
            events.append(
                .object(JSONObject([("type", "core.library-loaded")] + common(e) + [("window", .object(window))]))
            )
            stage = 0
            if browser { advance(to: 3, e) }
            return true
        }
        func advance(to target: Int, _ e: JSONValue) {
            let names = ["", "pageBottom", "domReady", "windowLoaded"]
            while stage < target {
                stage += 1
                if !browser { steps.append([names[stage]: true]) }
                events.append(.object(JSONObject([("type", .string(Self.lifecycle[stage]))] + common(e))))
            }
        }
        for e in caseEvents {
            guard let type = e["type"]?.stringValue else { return nil }
            let at = Self.lifecycle.firstIndex(of: type)
            if e["window"] != nil || stage < 0 || (at.map { $0 <= stage } ?? false) {
                guard load(e) else { return nil }
            }
            // The visitor's choice, made on the page before the event (`_tagwire.consent`).
            if let choice = e["consent"] {
                guard e["window"] == nil else { return nil }
                steps.append(["consent": choice])
            }
            if let at {
                advance(to: at, e)
            } else if type == "core.direct-call" {
                let id = e["identifier"] ?? .null
                steps.append(["track": [id, e["detail"] ?? .null]])
                var event: [(String, JSONValue)] = [("type", "core.direct-call"), ("identifier", id)] + common(e)
                if let choice = e["consent"] { event.append(("consent", choice)) }
                if let d = e["detail"] { event.append(("detail", d)) }
                events.append(.object(JSONObject(event)))
            } else if browser, type == "core.click", let target = e["target"] {
                steps.append(["click": target])
                var event: [(String, JSONValue)] = [("type", "core.click"), ("target", target)] + common(e)
                if let choice = e["consent"] { event.append(("consent", choice)) }
                events.append(.object(JSONObject(event)))
            } else if browser, !type.hasPrefix("core.") || type == "core.custom-event" {
                guard let name = type == "core.custom-event" ? (e["eventType"] ?? e["name"]) : .string(type) else {
                    return nil
                }
                var custom: [(String, JSONValue)] = [("eventType", name), ("detail", e["detail"] ?? .null)]
                var event: [(String, JSONValue)] = [("type", "core.custom-event"), ("eventType", name)]
                if let d = e["detail"] { event.append(("detail", d)) }
                if let t = e["target"] {
                    custom.append(("target", t))
                    event.append(("target", t))
                }
                steps.append(["custom": .object(JSONObject(custom))])
                events.append(.object(JSONObject(event + common(e))))
            } else {
                return nil
            }
        }
    }
}
