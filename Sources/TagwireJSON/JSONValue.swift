/// A JSON value as Tagwire reads and writes it.
///
/// Objects keep their members in document order (``JSONObject``), so what a rule author wrote is what a
/// dispatch carries. Numbers are `Double`s: the reader rejects numbers that do not fit one. An integer beyond ±2^53,
/// where a `Double` no longer holds every integer, is kept as the digits it was written with (``bigInteger(_:)``), so
/// that ids such as `12345678901234567891` keep every digit.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    /// An integer written in JSON whose magnitude is 2^53 or more: its decimal digits as written (with a leading `-`
    /// when negative). As a number it reads as the nearest `Double`.
    case bigInteger(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The name of the value's JSON type, as diagnostics spell it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return n.rounded() == n ? "integer" : "number"
        case .bigInteger: return "integer"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number payload, if this is a number.
    public var numberValue: Double? {
        switch self {
        case .number(let n): return n
        case .bigInteger(let digits): return Double(digits)
        default: return nil
        }
    }

    /// The boolean payload, if this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The object payload, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array payload, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// Whether this is JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The member `key` of an object; `nil` for other values or a missing key.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Reads one path segment: an object member, or an array element when the segment is a decimal index.
    public func child(_ segment: String) -> JSONValue? {
        switch self {
        case .object(let o):
            return o[segment]
        case .array(let a):
            guard let i = JSONValue.arrayIndex(segment), i < a.count else { return nil }
            return a[i]
        default:
            return nil
        }
    }

    /// Parses a canonical decimal array index ("0", "12"; not "01" or "-1").
    public static func arrayIndex(_ segment: String) -> Int? {
        let utf8 = segment.utf8
        guard let first = utf8.first, first >= 0x30, first <= 0x39, utf8.count <= 9 else { return nil }
        if first == 0x30 && utf8.count > 1 { return nil }
        var n = 0
        for b in utf8 {
            guard b >= 0x30, b <= 0x39 else { return nil }
            n = n * 10 + Int(b - 0x30)
        }
        return n
    }
}

/// A JSON object whose members keep their document order.
///
/// Members live in one array (one allocation per object); lookups scan it for small objects and use a hash
/// index for larger ones.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// One member: a key and its value.
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        @inlinable
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]
    private var index: [String: Int]?

    private static let indexThreshold = 32

    /// An empty object.
    public init() {
        members = []
        index = nil
    }

    /// An object from members in order; a later duplicate key replaces the earlier value in place.
    public init(_ pairs: [(String, JSONValue)]) {
        index = nil
        var list: [Member] = []
        list.reserveCapacity(pairs.count)
        if pairs.count <= JSONObject.indexThreshold {
            outer: for (k, v) in pairs {
                let length = k.utf8.count
                for i in list.indices where list[i].key.utf8.count == length && list[i].key == k {
                    list[i].value = v
                    continue outer
                }
                list.append(Member(key: k, value: v))
            }
            members = list
        } else {
            var positions: [String: Int] = [:]
            positions.reserveCapacity(pairs.count)
            for (k, v) in pairs {
                if let i = positions[k] {
                    list[i].value = v
                } else {
                    positions[k] = list.count
                    list.append(Member(key: k, value: v))
                }
            }
            members = list
            index = positions
        }
    }

    /// An object from pairs whose keys the caller knows to be unique (the members of another object, a template's
    /// members): no duplicate check. With a repeated key, lookups find the first.
    public init(uniqueKeys pairs: [(String, JSONValue)]) {
        self.init(uniqueMembers: pairs.map { Member(key: $0.0, value: $0.1) })
    }

    /// Builds an object from members whose keys are known to be unique (used by the reader).
    init(uniqueMembers: [Member]) {
        members = uniqueMembers
        index = nil
        if uniqueMembers.count > JSONObject.indexThreshold { rebuildIndex() }
    }

    private mutating func rebuildIndex() {
        var idx: [String: Int] = [:]
        idx.reserveCapacity(members.count)
        for (i, m) in members.enumerated() { idx[m.key] = i }
        index = idx
    }

    /// The keys in document order.
    public var keys: [String] { members.map(\.key) }

    /// The values in document order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The number of members.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        let length = key.utf8.count
        return members.withUnsafeBufferPointer { buf in
            // Comparing lengths first (stored, O(1)) skips most of the full string comparisons.
            for i in buf.indices where buf[i].key.utf8.count == length && buf[i].key == key { return i }
            return nil
        }
    }

    /// The value for `key`; setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return members[i].value
        }
        set {
            if let i = position(of: key) {
                if let newValue {
                    members[i].value = newValue
                } else {
                    members.remove(at: i)
                    if index != nil { rebuildIndex() }
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
                if index != nil {
                    index?[key] = members.count - 1
                } else if members.count > JSONObject.indexThreshold {
                    rebuildIndex()
                }
            }
        }
    }

    /// Iterates members in document order.
    public func makeIterator() -> IndexingIterator<[Member]> {
        members.makeIterator()
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members == rhs.members
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}
