import Foundation
import TagwireJSON

/// Writes to standard output and standard error; the only place the commands print.
enum Output {
    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    static func err(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}

/// Columns aligned for a terminal: each cell but the last padded to its column's widest, two spaces between, each
/// line indented and ending in a line break.
enum TextTable {
    static func render(_ rows: [[String]], indent: String = "  ") -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { i in rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        var out = ""
        for row in rows {
            let cells = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            out += indent + cells.joined(separator: "  ") + "\n"
        }
        return out
    }
}

/// JSON lines to standard output, written in 64 KiB chunks rather than a system call per line.
struct JSONLines {
    private let writer = JSONWriter()
    private var out: [UInt8] = []

    init() { out.reserveCapacity(1 << 16) }

    mutating func write(_ line: JSONValue) {
        writer.write(line, into: &out)
        out.append(0x0A)
        if out.count > 1 << 16 { flush() }
    }

    /// Appends lines already written (each ending in a line break).
    mutating func append(raw bytes: [UInt8]) {
        out.append(contentsOf: bytes)
        if out.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        FileHandle.standardOutput.write(Data(out))
        out.removeAll(keepingCapacity: true)
    }
}
