import ArgumentParser
import Foundation
import TagwireJSON
import TagwireRuntime

/// How `tagwire run` writes its results.
public enum RunFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// One JSON line per event (the default when standard output is not a terminal).
    case json
    /// A summary line per event, with an indented line for each dispatch, failure and warning.
    case text
}

/// What makes `tagwire run` exit 1 besides unreadable lines and undelivered events.
public enum FailOn: String, ExpressibleByArgument, Sendable, CaseIterable {
    /// A rule failed.
    case failed
    /// A rule failed, or a rule or dispatch has a warning.
    case warning
}

/// Writes `tagwire run`'s result lines in the chosen format and counts what the exit status depends on.
struct RunOutput {
    let format: RunFormat
    private var lines = JSONLines()
    private var text: [UInt8] = []
    private(set) var events = 0
    /// What the lines written so far say in total.
    private(set) var totals = EventRunner.LineSummary()
    var unreadable: Int { totals.unreadable }

    init(format: RunFormat) { self.format = format }

    /// The format for standard output: text on a terminal, JSON otherwise.
    static func defaultFormat() -> RunFormat { isatty(STDOUT_FILENO) == 1 ? .text : .json }

    mutating func write(_ line: JSONValue) {
        events += 1
        totals.add(EventRunner.LineSummary(line: line))
        switch format {
        case .json: lines.write(line)
        case .text:
            text.append(contentsOf: Self.describe(line).utf8)
            if text.count > 1 << 16 { flushText() }
        }
    }

    private mutating func flushText() {
        FileHandle.standardOutput.write(Data(text))
        text.removeAll(keepingCapacity: true)
    }

    /// Appends result lines written elsewhere (JSON format), with what they say in total.
    mutating func append(lines bytes: [UInt8], _ summary: EventRunner.LineSummary, count: Int) {
        events += count
        totals.add(summary)
        lines.append(raw: bytes)
    }

    /// Writes what is buffered; in text mode, with a closing summary when `summary`.
    mutating func flush(summary: Bool = false) {
        switch format {
        case .json: lines.flush()
        case .text:
            if summary {
                let t = totals
                var s =
                    "\(events) event\(events == 1 ? "" : "s"): \(t.dispatches) dispatch\(t.dispatches == 1 ? "" : "es")"
                s +=
                    ", \(t.failedRules) failed rule\(t.failedRules == 1 ? "" : "s"), \(t.warnings) warning\(t.warnings == 1 ? "" : "s")"
                if t.unreadable > 0 { s += ", \(t.unreadable) unreadable line\(t.unreadable == 1 ? "" : "s")" }
                text.append(contentsOf: (s + "\n").utf8)
            }
            flushText()
        }
    }

    /// Whether the run should exit 1 for `failOn`.
    func fails(on failOn: FailOn?) -> Bool {
        switch failOn {
        case nil: return false
        case .failed?: return totals.failedRules > 0
        case .warning?: return totals.failedRules > 0 || totals.warnings > 0
        }
    }

    /// The text form of one result line.
    static func describe(_ line: JSONValue) -> String {
        let index = line["index"]?.numberValue.map { Int($0) } ?? 0
        if let error = line["error"]?.stringValue { return "#\(index) error: \(error)\n" }
        var s = "#\(index) " + summary(line["rules"]) + "\n"
        s += details(line["rules"], line["dispatches"], indent: "  ")
        for f in line["forwarded"]?.arrayValue ?? [] {
            s += "  => edge (from \(f["rule"]?.stringValue ?? "?")): " + summary(f["rules"]) + "\n"
            s += details(f["rules"], f["dispatches"], indent: "    ")
        }
        if let n = line["enqueued"]?.numberValue { s += "  enqueued \(Int(n)) Conversions API event(s)\n" }
        for d in line["deliveries"]?.arrayValue ?? [] {
            let outcome = d["outcome"]?.stringValue ?? "?"
            var entry =
                "  \(outcome): meta-capi pixel \(d["pixelId"]?.stringValue ?? "?") (\(d["rule"]?.stringValue ?? "?"))"
            if let a = d["attempts"]?.numberValue { entry += ", \(Int(a)) attempt\(a == 1 ? "" : "s")" }
            if let r = d["reason"]?.stringValue { entry += ": \(r)" }
            if let t = d["fbtrace_id"]?.stringValue { entry += " (fbtrace_id \(t))" }
            s += entry + "\n"
        }
        return s
    }

    /// `fired: A, B; failed: C; not met: 9` for a list of rule outcomes.
    static func summary(_ rules: JSONValue?) -> String {
        var fired: [String] = []
        var failed: [String] = []
        var notMet = 0
        var skipped = 0
        for r in rules?.arrayValue ?? [] {
            let name = r["name"]?.stringValue ?? "?"
            switch r["status"]?.stringValue {
            case "fired": fired.append(name)
            case "failed": failed.append(name)
            case "conditionNotMet": notMet += 1
            default: skipped += 1
            }
        }
        var parts: [String] = []
        parts.append("fired: " + (fired.isEmpty ? "none" : fired.joined(separator: ", ")))
        if !failed.isEmpty { parts.append("failed: " + failed.joined(separator: ", ")) }
        if notMet > 0 { parts.append("not met: \(notMet)") }
        if skipped > 0 { parts.append("skipped: \(skipped)") }
        return parts.joined(separator: "; ")
    }

    /// One line per dispatch, failed rule and warning.
    static func details(_ rules: JSONValue?, _ dispatches: JSONValue?, indent: String) -> String {
        var s = ""
        for d in dispatches?.arrayValue ?? [] {
            s += indent + "-> " + dispatch(d) + "\n"
            for w in d["warnings"]?.arrayValue ?? [] { s += indent + "   warning: " + (w.stringValue ?? "") + "\n" }
        }
        for r in rules?.arrayValue ?? [] {
            let name = r["name"]?.stringValue ?? "?"
            if r["status"] == "failed" { s += indent + "failed \(name): " + (r["reason"]?.stringValue ?? "") + "\n" }
            for w in r["warnings"]?.arrayValue ?? [] {
                s += indent + "warning (\(name)): " + (w.stringValue ?? "") + "\n"
            }
        }
        return s
    }

    /// What a dispatch sends where, without values (customer information stays out of terminals).
    static func dispatch(_ d: JSONValue) -> String {
        let destination = d["destination"]?.stringValue ?? "?"
        let rule = d["rule"]?.stringValue ?? "?"
        switch destination {
        case "meta-capi":
            var parts: [String] = []
            for e in d["payload"]?["data"]?.arrayValue ?? [] {
                var p = e["event_name"]?.stringValue ?? "?"
                if let id = e["event_id"].map(text) { p += " event_id \(id)" }
                if let keys = e["user_data"]?.objectValue?.keys, !keys.isEmpty {
                    p += "; user_data: " + keys.joined(separator: " ")
                }
                if let keys = e["custom_data"]?.objectValue?.keys, !keys.isEmpty {
                    p += "; custom_data: " + keys.joined(separator: " ")
                }
                parts.append(p)
            }
            var s = "meta-capi pixel \(d["pixelId"]?.stringValue ?? "?") (\(rule)): " + parts.joined(separator: " | ")
            if let code = d["payload"]?["test_event_code"]?.stringValue { s += "; test_event_code \(code)" }
            return s
        case "meta-pixel":
            let call = d["call"]?.arrayValue ?? []
            var s = "meta-pixel \(d["pixelId"]?.stringValue ?? "?") (\(rule)): fbq"
            s += "(" + call.prefix(2).map(text).joined(separator: ", ") + ")"
            if let keys = call.dropFirst(2).first?.objectValue?.keys, !keys.isEmpty {
                s += " parameters: " + keys.joined(separator: " ")
            }
            if let id = call.dropFirst(3).first?["eventID"].map(text) { s += " eventID \(id)" }
            return s
        case "edge":
            let name = d["data"]?["eventName"]?.stringValue ?? d["xdm"]?["eventType"]?.stringValue ?? "event"
            return "edge \(d["endpoint"]?.stringValue ?? "?") (\(rule)): \(name)"
        case "http":
            return "http \(d["method"]?.stringValue ?? "POST") \(d["url"]?.stringValue ?? "?") (\(rule))"
        default:
            return "\(destination) (\(rule))"
        }
    }

    private static func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return JSONWriter().string(v)
    }
}
