/// The parts of a document a reader of it will look at: object members on the listed paths are built, others are
/// read and checked exactly as usual (every error is still reported, at the same offset, with the same message)
/// but not kept.
///
/// A path keeps everything below its end. An array passes the projection on to each of its elements, unless the
/// projection names an element by index, in which case the whole array is kept. `nil` (the reader's default)
/// keeps everything.
public final class JSONProjection: Sendable {
    /// One member the projection keeps: its key and what to keep of its value (`nil`: all of it).
    struct Member: Sendable {
        let key: String
        let length: Int
        let node: JSONProjection?
    }

    let members: [Member]
    /// Keeps nothing: values are checked and dropped.
    let dropsAll: Bool
    /// Some member key is a decimal array index: arrays under this node are kept whole.
    let namesIndex: Bool

    /// Keeps nothing at all (used to read over values).
    static let nothing = JSONProjection(members: [], dropsAll: true)

    private init(members: [Member], dropsAll: Bool) {
        self.members = members
        self.dropsAll = dropsAll
        namesIndex = members.contains { JSONValue.arrayIndex($0.key) != nil }
    }

    /// The projection that keeps the values at `paths` (each a list of member names from the root) and everything
    /// below them; `nil` when some path is empty (the whole document is kept).
    public static func keeping(_ paths: [[String]]) -> JSONProjection? {
        if paths.contains(where: \.isEmpty) { return nil }
        var groups: [(key: String, rests: [[String]])] = []
        for path in paths {
            let rest = Array(path.dropFirst())
            if let i = groups.firstIndex(where: { $0.key == path[0] }) {
                groups[i].rests.append(rest)
            } else {
                groups.append((path[0], [rest]))
            }
        }
        return JSONProjection(
            members: groups.map { Member(key: $0.key, length: $0.key.utf8.count, node: keeping($0.rests)) },
            dropsAll: false
        )
    }

    /// The member paths kept, each ending where everything below is kept (for diagnostics and tests).
    public var paths: [[String]] {
        members.flatMap { m -> [[String]] in
            guard let node = m.node else { return [[m.key]] }
            return node.paths.map { [m.key] + $0 }
        }
    }

    /// What to build of the member `key`: `nil` all of it, a node part of it, ``nothing`` none of it.
    @inline(__always)
    func member(_ key: String) -> JSONProjection? {
        if dropsAll { return .nothing }
        let length = key.utf8.count
        for m in members where m.length == length && m.key == key {
            return m.node
        }
        return .nothing
    }
}
