import TagwireJSON

/// A reference to a data element from a `{{Name.a.b}}` token: the element's index in the graph and the path read
/// into its value.
public struct TokenReference: Sendable, Hashable {
    /// Index into ``RuleGraph/dataElements``.
    public var element: Int
    /// Segments read into the element's value (`a`, `b`, `0`).
    public var path: [String]

    public init(element: Int, path: [String]) {
        self.element = element
        self.path = path
    }
}

/// One piece of a settings string that mixes text and tokens.
public enum TextPart: Sendable, Hashable {
    case literal(String)
    case token(TokenReference)
}

/// A settings value parsed once at build time: literal subtrees stay JSON, strings with tokens become parts.
///
/// A string that is exactly one token yields the data element's typed value; a token inside longer text is
/// converted to text (missing becomes "", objects and arrays become JSON).
public indirect enum Template: Sendable, Hashable {
    /// A value with no tokens anywhere inside.
    case literal(JSONValue)
    /// A string that is exactly one token: the typed value (missing stays missing).
    case token(TokenReference)
    /// A string mixing literal text and tokens.
    case text([TextPart])
    /// An array with tokens somewhere inside.
    case array([Template])
    /// An object with tokens somewhere inside, members in document order.
    case object([TemplateMember])

    /// Whether the template contains no tokens.
    public var isLiteral: Bool {
        if case .literal = self { return true }
        return false
    }

    /// The literal value, when the template has no tokens.
    public var literalValue: JSONValue? {
        if case .literal(let v) = self { return v }
        return nil
    }

    /// The member template for `key`, when this is an object.
    public func member(_ key: String) -> Template? {
        switch self {
        case .object(let members):
            return members.first { $0.key == key }?.value
        case .literal(.object(let o)):
            return o[key].map { Template.literal($0) }
        default:
            return nil
        }
    }

    /// Every token reference inside, in document order.
    public var references: [TokenReference] {
        var out: [TokenReference] = []
        collect(into: &out)
        return out
    }

    private func collect(into out: inout [TokenReference]) {
        switch self {
        case .literal: return
        case .token(let r): out.append(r)
        case .text(let parts):
            for p in parts { if case .token(let r) = p { out.append(r) } }
        case .array(let a): for t in a { t.collect(into: &out) }
        case .object(let m): for t in m { t.value.collect(into: &out) }
        }
    }
}

/// An object member of a ``Template``.
public struct TemplateMember: Sendable, Hashable {
    public var key: String
    public var value: Template

    public init(key: String, value: Template) {
        self.key = key
        self.value = value
    }
}

/// A token found while scanning a settings string: its name text and its byte range in the string.
public struct ScannedToken: Sendable, Hashable {
    public var name: String
    public var range: Range<Int>
}

/// Splits settings strings into literal text and `{{...}}` tokens.
public enum TokenScanner {
    /// The result of scanning one string.
    public enum Piece: Sendable, Hashable {
        case literal(String)
        case token(String)
    }

    /// A malformed token: an opening `{{` without `}}`, or an empty name.
    public struct Malformed: Error, Sendable, Hashable {
        public var message: String
        public var offset: Int
    }

    /// Scans `s`; text without `{{` is one literal piece.
    public static func scan(_ s: String) -> Result<[Piece], Malformed> {
        let bytes = Array(s.utf8)
        var pieces: [Piece] = []
        var literalStart = 0
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x7B, bytes[i + 1] == 0x7B {
                var j = i + 2
                var close: Int?
                while j + 1 < bytes.count {
                    if bytes[j] == 0x7D, bytes[j + 1] == 0x7D {
                        close = j
                        break
                    }
                    if bytes[j] == 0x7B, bytes[j + 1] == 0x7B { break }
                    j += 1
                }
                guard let close else {
                    return .failure(Malformed(message: "'{{' is not closed by '}}'", offset: i))
                }
                let name = String(decoding: bytes[(i + 2)..<close], as: UTF8.self)
                let trimmed = name.trimmingCharacters(in: " ")
                if trimmed.isEmpty {
                    return .failure(Malformed(message: "'{{}}' names no data element", offset: i))
                }
                if literalStart < i {
                    pieces.append(.literal(String(decoding: bytes[literalStart..<i], as: UTF8.self)))
                }
                pieces.append(.token(trimmed))
                i = close + 2
                literalStart = i
                continue
            }
            i += 1
        }
        if literalStart < bytes.count {
            pieces.append(.literal(String(decoding: bytes[literalStart...], as: UTF8.self)))
        }
        return .success(pieces)
    }
}

extension String {
    func trimmingCharacters(in char: Character) -> String {
        var s = Substring(self)
        while s.first == char { s.removeFirst() }
        while s.last == char { s.removeLast() }
        return String(s)
    }
}

extension TokenScanner {
    /// Whether `s` contains `{{` (a byte scan; Foundation's `contains` on strings is far slower).
    @inlinable
    public static func mayContainToken(_ s: String) -> Bool {
        var previousBrace = false
        for b in s.utf8 {
            if b == 0x7B {
                if previousBrace { return true }
                previousBrace = true
            } else {
                previousBrace = false
            }
        }
        return false
    }
}
