/// "Did you mean" suggestions by edit distance.
public enum Suggestions {
    /// The candidates closest to `name` (case-insensitive Levenshtein distance within a third of the length,
    /// at least 2), best first, at most `limit`. When none is that close, a candidate of three or more characters
    /// that `name` starts or ends with, or that starts with `name` (`emailAddress` → `email`, `userEmail` →
    /// `email`, `pix` → `pixelId`), longest first.
    public static func closest<S: Sequence>(to name: String, in candidates: S, limit: Int = 1) -> [String]
    where S.Element == String {
        let lowered = name.lowercased()
        let target = Array(lowered.unicodeScalars)
        let threshold = max(2, target.count / 3)
        var scored: [(Int, String)] = []
        var containing: [String] = []
        for c in candidates {
            let candidate = c.lowercased()
            let d = distance(target, Array(candidate.unicodeScalars), cap: threshold)
            if d <= threshold {
                scored.append((d, c))
            } else if min(candidate.count, lowered.count) >= 3,
                lowered.hasPrefix(candidate) || lowered.hasSuffix(candidate) || candidate.hasPrefix(lowered)
            {
                containing.append(c)
            }
        }
        if scored.isEmpty {
            containing.sort { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
            return Array(containing.prefix(limit))
        }
        scored.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var seen = Set<String>()
        return scored.map(\.1).filter { seen.insert($0).inserted }.prefix(limit).map { $0 }
    }

    /// A note text: "did you mean 'x'?", or nil when nothing is close.
    public static func didYouMean<S: Sequence>(_ name: String, in candidates: S) -> String? where S.Element == String {
        guard let best = closest(to: name, in: candidates).first else { return nil }
        return "did you mean '\(best)'?"
    }

    static func distance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], cap: Int) -> Int {
        if abs(a.count - b.count) > cap { return cap + 1 }
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMin = current[0]
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowMin = min(rowMin, current[j])
            }
            if rowMin > cap { return cap + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
