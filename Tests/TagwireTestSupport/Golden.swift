import Foundation
import Testing

/// Golden files: expected output kept beside a test's fixtures, compared whole. `TAGWIRE_RECORD=1` rewrites them
/// from the actual output instead, and records an issue, so that a recording run is never green.
public enum Golden {
    /// The case folders under `root` (hidden entries left out), sorted.
    public static func cases(in root: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Compares `actual` with the file at `expected`, or records it there when recording.
    public static func check(_ actual: String, against expected: URL, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        if ProcessInfo.processInfo.environment["TAGWIRE_RECORD"] != nil {
            try actual.write(to: expected, atomically: true, encoding: .utf8)
            Issue.record("recorded \(expected.path); rerun without TAGWIRE_RECORD", sourceLocation: sourceLocation)
            return
        }
        let text = try String(contentsOf: expected, encoding: .utf8)
        #expect(actual == text, "\(expected.path)", sourceLocation: sourceLocation)
    }
}
