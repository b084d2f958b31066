import Foundation
import Logging
import Synchronization
import TagwireJSON

/// Removes what logs must never carry: secret values (access tokens, app secrets, the admin token), bearer
/// credentials, `access_token=` parameters and e-mail addresses. Event bodies are never logged in the first
/// place; this is the net under that rule.
public final class Redactor: Sendable {
    private let secrets = Mutex<[String]>([])

    public init() {}

    /// Adds secret values to remove (values shorter than 4 characters are ignored: they would mangle text).
    public func add(_ values: [String]) {
        let keep = values.filter { $0.count >= 4 }
        secrets.withLock { s in
            for v in keep where !s.contains(v) { s.append(v) }
            s.sort { $0.count > $1.count }
        }
    }

    /// The text with secrets and personal data replaced by `[redacted]`.
    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets.withLock({ $0 }) where out.contains(s) {
            out = out.replacingOccurrences(of: s, with: "[redacted]")
        }
        out = Self.replaceCredentials(out)
        out = Self.replaceEmails(out)
        return out
    }

    /// `Bearer x`, `OAuth x`, `access_token=x`, `appsecret_proof=x`.
    static func replaceCredentials(_ text: String) -> String {
        var out = text
        for prefix in ["Bearer ", "bearer ", "OAuth ", "access_token=", "appsecret_proof=", "\"access_token\":\""] {
            var searchStart = out.startIndex
            while let r = out.range(of: prefix, range: searchStart..<out.endIndex) {
                var end = r.upperBound
                while end < out.endIndex, !" \"&,;\n}".contains(out[end]) { end = out.index(after: end) }
                if end == r.upperBound {
                    searchStart = end
                    continue
                }
                out.replaceSubrange(r.upperBound..<end, with: "[redacted]")
                searchStart = out.index(r.upperBound, offsetBy: "[redacted]".count)
            }
        }
        return out
    }

    /// Anything shaped like `local@domain.tld`.
    static func replaceEmails(_ text: String) -> String {
        guard text.contains("@") else { return text }
        let chars = Array(text)
        func isLocal(_ c: Character) -> Bool { c.isLetter || c.isNumber || "._%+-".contains(c) }
        func isDomain(_ c: Character) -> Bool { c.isLetter || c.isNumber || ".-".contains(c) }
        var out = ""
        var i = 0
        var copied = 0
        while i < chars.count {
            if chars[i] == "@" {
                var s = i
                while s > copied, isLocal(chars[s - 1]) { s -= 1 }
                var e = i + 1
                while e < chars.count, isDomain(chars[e]) { e += 1 }
                let domain = String(chars[(i + 1)..<e])
                if s < i, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix(".") {
                    out += String(chars[copied..<s]) + "[redacted]"
                    copied = e
                    i = e
                    continue
                }
            }
            i += 1
        }
        out += String(chars[copied..<chars.count])
        return out
    }
}

/// A swift-log handler writing one JSON object per line (`ts`, `level`, `logger`, `msg`, metadata), with every
/// message and metadata value passed through a ``Redactor``.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let redactor: Redactor
    let sink: LogSink

    /// A handler for `label`.
    public init(label: String, redactor: Redactor, level: Logger.Level = .info, sink: LogSink = .standardError) {
        self.label = label
        self.redactor = redactor
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var members: [(String, JSONValue)] = [
            ("ts", .string(Self.timestamp())), ("level", .string(event.level.rawValue)), ("logger", .string(label)),
            ("msg", .string(redactor.redact(event.message.description))),
        ]
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let m = event.metadata { all.merge(m) { _, new in new } }
        for key in all.keys.sorted() {
            guard let value = all[key] else { continue }
            members.append((key, .string(redactor.redact(value.description))))
        }
        var line = JSONWriter().bytes(.object(JSONObject(members)))
        line.append(0x0A)
        sink.write(line)
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var t = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &t)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(t.tm_year) + 1900,
            Int(t.tm_mon) + 1,
            Int(t.tm_mday),
            Int(t.tm_hour),
            Int(t.tm_min),
            Int(t.tm_sec),
            Int(now.tv_nsec / 1_000_000)
        )
    }
}

/// Where log lines go: standard error, or memory (tests read what was logged).
public final class LogSink: Sendable {
    private let keeps: Bool
    private let memory = Mutex<[UInt8]>([])

    private init(memory: Bool) { keeps = memory }

    /// Standard error.
    public static let standardError = LogSink(memory: false)

    /// A sink that keeps the lines.
    public static func inMemory() -> LogSink { LogSink(memory: true) }

    func write(_ line: [UInt8]) {
        if keeps {
            memory.withLock { $0.append(contentsOf: line) }
        } else {
            FileHandle.standardError.write(Data(line))
        }
    }

    /// What was written (in-memory sinks).
    public var text: String { String(decoding: memory.withLock { $0 }, as: UTF8.self) }
}
