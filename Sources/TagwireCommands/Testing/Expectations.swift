import Foundation
import TagwireDiagnostics
import TagwireHashing
import TagwireJSON

/// An expectation a case's results did not meet.
struct CaseFailure {
    /// Where the expectation is written in the fixture file.
    var pointer: String
    /// What was checked and how it went wrong ("event 4, dispatch meta-capi (MetaCAPI_Purchase), /payload/...").
    var message: String
    var expected: JSONValue?
    var actual: JSONValue?
}

/// Checks one event's result (a `tagwire run` line) against what a case expects of it.
struct ExpectationChecker {
    /// Rule names of the property and of the forwarded edge property, for did-you-mean hints.
    var ruleNames: [String]
    var forwardRuleNames: [String]
    var isWeb: Bool
    private(set) var failures: [CaseFailure] = []

    init(ruleNames: [String], forwardRuleNames: [String], isWeb: Bool) {
        self.ruleNames = ruleNames
        self.forwardRuleNames = forwardRuleNames
        self.isWeb = isWeb
    }

    mutating func check(_ x: EventExpectation, result: JSONValue) {
        let label = "event \(x.event)"
        check(
            x.outcomes,
            rules: result["rules"],
            dispatches: result["dispatches"],
            label: label,
            web: isWeb,
            names: ruleNames
        )
        let forwarded = result["forwarded"]?.arrayValue ?? []
        for (k, f) in x.forwarded.enumerated() {
            guard k < forwarded.count else {
                failures.append(
                    CaseFailure(
                        pointer: f.pointer,
                        message:
                            "\(label): expected a forwarded edge event #\(k + 1), but \(forwarded.count) were forwarded",
                        expected: nil,
                        actual: nil
                    )
                )
                continue
            }
            let actual = forwarded[k]
            if let rule = f.rule, actual["rule"]?.stringValue != rule {
                failures.append(
                    CaseFailure(
                        pointer: f.pointer + "/rule",
                        message: "\(label), forwarded #\(k + 1): forwarded by another rule",
                        expected: .string(rule),
                        actual: actual["rule"]
                    )
                )
            }
            check(
                f.outcomes,
                rules: actual["rules"],
                dispatches: actual["dispatches"],
                label: "\(label), forwarded #\(k + 1)",
                web: false,
                names: forwardRuleNames
            )
        }
    }

    private mutating func check(
        _ x: OutcomeExpectation,
        rules: JSONValue?,
        dispatches: JSONValue?,
        label: String,
        web: Bool,
        names: [String]
    ) {
        let outcomes = rules?.arrayValue ?? []
        for r in x.rules {
            guard names.contains(r.name) else {
                let hint = Suggestions.didYouMean(r.name, in: names).map { "; \($0)" } ?? ""
                failures.append(
                    CaseFailure(
                        pointer: r.pointer,
                        message: "\(label): no rule is named '\(r.name)'\(hint)",
                        expected: nil,
                        actual: nil
                    )
                )
                continue
            }
            let outcome = outcomes.first { $0["name"]?.stringValue == r.name }
            let status = outcome?["status"]?.stringValue ?? "notTriggered"
            if status != r.status {
                var message = "\(label): rule '\(r.name)'"
                if let reason = outcome?["reason"]?.stringValue { message += " (\(reason))" }
                failures.append(
                    CaseFailure(
                        pointer: r.pointer,
                        message: message,
                        expected: .string(r.status),
                        actual: .string(status)
                    )
                )
            } else if let m = r.reason, !Self.matches(m, outcome?["reason"]) {
                failures.append(
                    CaseFailure(
                        pointer: r.pointer + "/reason",
                        message: "\(label): rule '\(r.name)' has another reason",
                        expected: m.json,
                        actual: outcome?["reason"]
                    )
                )
            }
        }
        let actual = dispatches?.arrayValue ?? []
        var used = Set<Int>()
        for d in x.dispatches {
            let what = "\(label), dispatch \(d.destination)" + (d.rule.map { " (\($0))" } ?? "")
            let candidates = actual.indices.filter {
                !used.contains($0) && actual[$0]["destination"]?.stringValue == d.destination
                    && (d.rule == nil || actual[$0]["rule"]?.stringValue == d.rule)
            }
            guard !candidates.isEmpty else {
                let sent = actual.map {
                    ($0["destination"]?.stringValue ?? "?") + " (" + ($0["rule"]?.stringValue ?? "?") + ")"
                }
                failures.append(
                    CaseFailure(
                        pointer: d.pointer,
                        message: "\(what): no such dispatch; the event produced "
                            + (sent.isEmpty ? "none" : sent.joined(separator: ", ")),
                        expected: nil,
                        actual: nil
                    )
                )
                continue
            }
            // The first candidate meeting every field; else the one missing fewest, whose differences are shown.
            var best = candidates[0]
            var bestMisses: [(pointer: String, matcher: Matcher, actual: JSONValue?)] = []
            for (n, c) in candidates.enumerated() {
                let misses = d.fields.compactMap { f -> (String, Matcher, JSONValue?)? in
                    let v = actual[c].at(pointer: f.pointer)
                    return Self.matches(f.matcher, v) ? nil : (f.pointer, f.matcher, v)
                }
                if n == 0 || misses.count < bestMisses.count {
                    best = c
                    bestMisses = misses
                }
                if misses.isEmpty { break }
            }
            used.insert(best)
            for miss in bestMisses {
                failures.append(
                    CaseFailure(
                        pointer: d.pointer + "/fields/" + escapePointerToken(miss.pointer),
                        message: "\(what), \(miss.pointer)",
                        expected: Self.describe(miss.matcher),
                        actual: miss.actual
                    )
                )
            }
        }
        for n in x.noDispatch {
            let found = actual.filter { $0["destination"]?.stringValue == n.destination }
            if !found.isEmpty {
                let rules = found.compactMap { $0["rule"]?.stringValue }
                failures.append(
                    CaseFailure(
                        pointer: n.pointer,
                        message:
                            "\(label): expected no dispatch to \(n.destination), got \(found.count) (from \(rules.joined(separator: ", ")))",
                        expected: nil,
                        actual: found.count == 1 ? found[0] : .array(found)
                    )
                )
            }
        }
    }

    /// What a matcher expects, as shown in a failure.
    static func describe(_ m: Matcher) -> JSONValue {
        switch m {
        case .equals(let v): return v
        case .sha256Of(let t): return .string(SHA256.hexDigest(t) + " (sha256 of \"\(t)\")")
        default: return m.json
        }
    }

    static func matches(_ m: Matcher, _ actual: JSONValue?) -> Bool {
        switch m {
        case .absent: return actual == nil
        case .equals(let v): return actual.map { v.isSameJSON(as: $0) } ?? false
        case .sha256Of(let t): return actual?.stringValue == SHA256.hexDigest(t)
        case .matches(let pattern):
            let text: String
            switch actual {
            case .string(let s)?: text = s
            case let v? where v.numberValue != nil || v.boolValue != nil: text = JSONWriter().string(v)
            default: return false
            }
            guard let r = try? NSRegularExpression(pattern: pattern) else { return false }
            return r.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
    }
}

extension JSONValue {
    /// Equality as JSON means it: numbers by value, object members in any order (`==` keeps their order).
    func isSameJSON(as other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            return x.allSatisfy { m in y[m.key].map { m.value.isSameJSON(as: $0) } ?? false }
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.isSameJSON(as: $1) }
        case (.number, .bigInteger), (.bigInteger, .number):
            return numberValue == other.numberValue
        default:
            return self == other
        }
    }

    /// The value a JSON pointer (RFC 6901) names, nil when there is none.
    func at(pointer: String) -> JSONValue? {
        guard !pointer.isEmpty else { return self }
        var current: JSONValue? = self
        for token in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            current = current?.child(unescapePointerToken(String(token)))
            if current == nil { return nil }
        }
        return current
    }

    /// Every leaf (a scalar, or an empty object or array) with its JSON pointer, in document order.
    func leaves(prefix: String = "") -> [(pointer: String, value: JSONValue)] {
        switch self {
        case .object(let o) where !o.isEmpty:
            return o.flatMap { $0.value.leaves(prefix: prefix + "/" + escapePointerToken($0.key)) }
        case .array(let a) where !a.isEmpty:
            return a.enumerated().flatMap { $0.element.leaves(prefix: prefix + "/\($0.offset)") }
        default:
            return [(prefix, self)]
        }
    }
}

/// A line diff of two JSON values written out (pretty), for failures on objects and arrays.
enum JSONDiff {
    static func lines(_ expected: JSONValue, _ actual: JSONValue) -> [String] {
        let writer = JSONWriter(sortKeys: true, pretty: true)
        let a = writer.string(expected).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = writer.string(actual).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Longest common subsequence; the values in a failure are small.
        guard a.count * b.count <= 4_000_000 else { return a.map { "- " + $0 } + b.map { "+ " + $0 } }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                out.append("  " + a[i])
                i += 1
                j += 1
            } else if j < b.count, i == a.count || table[i][j + 1] >= table[i + 1][j] {
                out.append("+ " + b[j])
                j += 1
            } else {
                out.append("- " + a[i])
                i += 1
            }
        }
        return out
    }
}
