import TagwireJSON

/// A CSS selector of the subset Tagwire matches against element descriptors: type (`button`), `#id`, `.class`,
/// `[attr]`, `[attr=value]` (value bare or quoted), and the descendant (` `) and child (`>`) combinators.
/// Anything else (`,`, `*`, pseudo-classes, `~`, `+`, `^=` …) is rejected when the property is built.
public struct Selector: Sendable, Hashable {
    /// One element test: all of its parts must hold.
    public struct Compound: Sendable, Hashable {
        public var tag: String?
        public var id: String?
        public var classes: [String] = []
        public var attributes: [(name: String, value: String?)] = []

        public static func == (a: Compound, b: Compound) -> Bool {
            a.tag == b.tag && a.id == b.id && a.classes == b.classes
                && a.attributes.map(\.name) == b.attributes.map(\.name)
                && a.attributes.map(\.value) == b.attributes.map(\.value)
        }

        public func hash(into h: inout Hasher) {
            h.combine(tag)
            h.combine(id)
            h.combine(classes)
            for a in attributes {
                h.combine(a.name)
                h.combine(a.value)
            }
        }
    }

    /// How a compound relates to the one before it.
    public enum Combinator: Sendable, Hashable {
        case descendant, child
    }

    /// Compounds left to right; `combinators[i]` joins `compounds[i]` and `compounds[i + 1]`.
    public private(set) var compounds: [Compound]
    public private(set) var combinators: [Combinator]

    /// A selector that cannot be parsed, with the character offset of the problem.
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    /// Parses a selector of the supported subset.
    public static func parse(_ text: String) -> Result<Selector, ParseError> {
        let chars = Array(text.unicodeScalars)
        var i = 0
        var compounds: [Compound] = []
        var combinators: [Combinator] = []
        var pending: Combinator? = nil

        func isIdent(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_"
                || c.value > 0x7F
        }
        func ident() -> String {
            var s = ""
            while i < chars.count, isIdent(chars[i]) {
                s.unicodeScalars.append(chars[i])
                i += 1
            }
            return s
        }

        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" || c == "\n" {
                i += 1
                if !compounds.isEmpty, pending == nil { pending = .descendant }
                continue
            }
            if c == ">" {
                guard !compounds.isEmpty, pending != .child else {
                    return .failure(ParseError(message: "'>' must stand between two element tests", offset: i))
                }
                pending = .child
                i += 1
                continue
            }
            // A compound.
            var compound = Compound()
            var any = false
            let start = i
            while i < chars.count {
                let d = chars[i]
                if isIdent(d), i == start {
                    let name = ident()
                    compound.tag = name.lowercased()
                    any = true
                } else if d == "#" {
                    i += 1
                    let name = ident()
                    guard !name.isEmpty else {
                        return .failure(ParseError(message: "'#' must be followed by an id", offset: i - 1))
                    }
                    compound.id = name
                    any = true
                } else if d == "." {
                    i += 1
                    let name = ident()
                    guard !name.isEmpty else {
                        return .failure(ParseError(message: "'.' must be followed by a class name", offset: i - 1))
                    }
                    compound.classes.append(name)
                    any = true
                } else if d == "[" {
                    let open = i
                    i += 1
                    while i < chars.count, chars[i] == " " { i += 1 }
                    let name = ident()
                    guard !name.isEmpty else {
                        return .failure(ParseError(message: "'[' must be followed by an attribute name", offset: open))
                    }
                    while i < chars.count, chars[i] == " " { i += 1 }
                    var value: String? = nil
                    if i < chars.count, chars[i] == "=" {
                        i += 1
                        while i < chars.count, chars[i] == " " { i += 1 }
                        if i < chars.count, chars[i] == "\"" || chars[i] == "'" {
                            let q = chars[i]
                            i += 1
                            var v = ""
                            while i < chars.count, chars[i] != q {
                                v.unicodeScalars.append(chars[i])
                                i += 1
                            }
                            guard i < chars.count else {
                                return .failure(
                                    ParseError(message: "unterminated quoted attribute value", offset: open)
                                )
                            }
                            i += 1
                            value = v
                        } else {
                            let v = ident()
                            guard !v.isEmpty else {
                                return .failure(ParseError(message: "attribute value expected after '='", offset: i))
                            }
                            value = v
                        }
                        while i < chars.count, chars[i] == " " { i += 1 }
                    }
                    guard i < chars.count, chars[i] == "]" else {
                        let what = i < chars.count ? "'\(Character(chars[i]))'" : "end of selector"
                        return .failure(
                            ParseError(
                                message:
                                    "unsupported attribute test: \(what) where ']' was expected (only [attr] and [attr=value] are supported)",
                                offset: i
                            )
                        )
                    }
                    i += 1
                    compound.attributes.append((name, value))
                    any = true
                } else {
                    break
                }
            }
            guard any else {
                return .failure(
                    ParseError(
                        message: "'\(Character(c))' is not supported",
                        offset: i
                    )
                )
            }
            if !compounds.isEmpty { combinators.append(pending ?? .descendant) }
            pending = nil
            compounds.append(compound)
        }
        guard !compounds.isEmpty else { return .failure(ParseError(message: "the selector is empty", offset: 0)) }
        if pending == .child {
            return .failure(ParseError(message: "'>' must stand between two element tests", offset: chars.count))
        }
        return .success(Selector(compounds: compounds, combinators: combinators))
    }

    /// Whether the clicked element or one of its ancestors matches.
    ///
    /// `chain` is the target first, then its ancestors parent first, each an element descriptor
    /// `{tag, id, classes, attributes}`.
    public func matchesTargetOrAncestor(_ chain: [JSONValue]) -> Bool {
        for k in chain.indices where matches(chain, at: k) { return true }
        return false
    }

    /// Whether the element `chain[index]` (with ancestors `chain[index+1...]`) matches the whole selector.
    public func matches(_ chain: [JSONValue], at index: Int) -> Bool {
        match(compoundIndex: compounds.count - 1, chain: chain, at: index)
    }

    private func match(compoundIndex: Int, chain: [JSONValue], at index: Int) -> Bool {
        guard index < chain.count, Selector.test(compounds[compoundIndex], chain[index]) else { return false }
        if compoundIndex == 0 { return true }
        switch combinators[compoundIndex - 1] {
        case .child:
            return match(compoundIndex: compoundIndex - 1, chain: chain, at: index + 1)
        case .descendant:
            var j = index + 1
            while j < chain.count {
                if match(compoundIndex: compoundIndex - 1, chain: chain, at: j) { return true }
                j += 1
            }
            return false
        }
    }

    static func test(_ c: Compound, _ element: JSONValue) -> Bool {
        if let tag = c.tag {
            guard let t = element["tag"]?.stringValue, t.lowercased() == tag else { return false }
        }
        let attributes = element["attributes"]?.objectValue
        if let id = c.id {
            let actual = element["id"]?.stringValue ?? attributes?["id"]?.stringValue
            guard actual == id else { return false }
        }
        if !c.classes.isEmpty {
            var classes: [String] = element["classes"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if let cls = attributes?["class"]?.stringValue { classes += cls.split(separator: " ").map(String.init) }
            for cl in c.classes where !classes.contains(cl) { return false }
        }
        for (name, value) in c.attributes {
            var actual: JSONValue? = attributes?[name]
            if actual == nil, name == "id" { actual = element["id"] }
            if actual == nil, name == "class", let cls = element["classes"]?.arrayValue {
                actual = .string(cls.compactMap(\.stringValue).joined(separator: " "))
            }
            guard let a = actual, !a.isNull else { return false }
            if let value {
                guard Coercion.interpolationText(a) == value else { return false }
            }
        }
        return true
    }
}
