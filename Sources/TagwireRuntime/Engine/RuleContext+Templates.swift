import TagwireIR
import TagwireJSON

extension RuleContext {
    /// Renders a settings template: tokens become values; missing values drop object members, become `null` in
    /// arrays and "" inside text.
    public mutating func render(_ t: Template) throws(ComponentFailure) -> JSONValue? {
        switch t {
        case .literal(let v):
            return v
        case .token(let ref):
            return try reference(ref)
        case .text(let parts):
            var s = ""
            for p in parts {
                switch p {
                case .literal(let l): s += l
                case .token(let ref): s += Coercion.interpolationText(try reference(ref))
                }
            }
            return .string(s)
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try render(item) ?? .null) }
            return .array(out)
        case .object(let members):
            var out: [(String, JSONValue)] = []
            out.reserveCapacity(members.count)
            for m in members {
                if let v = try render(m.value) { out.append((m.key, v)) }
            }
            return .object(JSONObject(uniqueKeys: out))
        }
    }

    /// The value a token refers to: its data element's value, read along the token's path.
    public mutating func reference(_ ref: TokenReference) throws(ComponentFailure) -> JSONValue? {
        var v = try resolve(ref.element)
        for s in ref.path {
            guard let c = v else { break }
            v = c.child(s)
        }
        return v
    }

    /// Renders the members of an object template except `excluded`; a failure names its setting.
    public mutating func renderSettings(_ t: Template, excluding excluded: [String] = []) throws(ComponentFailure)
        -> JSONObject
    {
        switch t {
        case .object(let members):
            var out: [(String, JSONValue)] = []
            out.reserveCapacity(members.count)
            for m in members where !excluded.contains(m.key) {
                do {
                    if let v = try render(m.value) { out.append((m.key, v)) }
                } catch {
                    throw ComponentFailure("setting '\(m.key)': \(error.message)")
                }
            }
            // A template object's keys are those of a parsed JSON object: already unique.
            return JSONObject(uniqueKeys: out)
        case .literal(.object(var o)):
            for k in excluded { o[k] = nil }
            return o
        default:
            return JSONObject()
        }
    }

    /// The rendered settings of an installed extension, except `excluded`.
    public mutating func extensionSettings(_ name: String, excluding excluded: [String] = []) throws(ComponentFailure)
        -> JSONObject
    {
        guard let t = graph.extensionSettings(name) else {
            throw ComponentFailure("extension '\(name)' is not in this library")
        }
        do {
            return try renderSettings(t, excluding: excluded)
        } catch {
            throw ComponentFailure("extension '\(name)' \(error.message)")
        }
    }
}
