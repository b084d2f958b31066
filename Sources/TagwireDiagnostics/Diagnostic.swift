import TagwireJSON

/// Where a diagnostic points: a file of the property, a JSON pointer into it, and its line and column.
public struct SourceLocation: Hashable, Sendable {
    /// Path relative to the property root, "/"-separated.
    public var file: String
    /// RFC 6901 pointer to the value ("" is the whole document).
    public var pointer: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column in Unicode scalars, when known.
    public var column: Int?

    /// A location; line and column are filled from the file's source map by ``SourceFiles``.
    public init(file: String, pointer: String = "", line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.pointer = pointer
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or as much of it as is known.
    public var prefix: String {
        var s = file
        if let line {
            s += ":\(line)"
            if let column { s += ":\(column)" }
        }
        return s
    }
}

/// One problem found in a property, with where it is and how to fix it.
public struct Diagnostic: Hashable, Sendable {
    /// How serious a diagnostic is.
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case note, warning, error

        private var rank: Int {
            switch self {
            case .note: return 0
            case .warning: return 1
            case .error: return 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    /// A secondary location ("first defined here", "did you mean").
    public struct Note: Hashable, Sendable {
        public var message: String
        public var location: SourceLocation?

        /// A note with an optional location.
        public init(_ message: String, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    /// A stable identifier: `domain.kebab-case` (domains `json`, `model`, `compile`, `ext.<extension>`).
    public var id: String
    /// Lower-case first letter, no trailing period, user names in quotes.
    public var message: String
    public var location: SourceLocation?
    public var notes: [Note]
    /// One actionable sentence.
    public var help: String?

    public init(
        _ severity: Severity,
        id: String,
        _ message: String,
        at location: SourceLocation? = nil,
        notes: [Note] = [],
        help: String? = nil
    ) {
        self.severity = severity
        self.id = id
        self.message = message
        self.location = location
        self.notes = notes
        self.help = help
    }
}

/// Collects diagnostics in emission order; sorts them for output.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// Stop recording errors past this many (a note says how many were dropped); `nil` for no limit.
    public var errorLimit: Int?
    public private(set) var droppedErrors = 0

    /// An empty bag.
    public init(errorLimit: Int? = nil) {
        self.errorLimit = errorLimit
    }

    /// Records a diagnostic.
    public mutating func emit(_ diagnostic: Diagnostic) {
        if diagnostic.severity == .error, let limit = errorLimit, errorCount >= limit {
            droppedErrors += 1
            return
        }
        diagnostics.append(diagnostic)
    }

    /// Records every diagnostic of a sequence.
    public mutating func emit<S: Sequence>(contentsOf list: S) where S.Element == Diagnostic {
        for d in list { emit(d) }
    }

    /// Whether any error was recorded.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } || droppedErrors > 0 }

    /// The number of errors recorded.
    public var errorCount: Int { diagnostics.reduce(0) { $0 + ($1.severity == .error ? 1 : 0) } }

    /// The number of warnings recorded.
    public var warningCount: Int { diagnostics.reduce(0) { $0 + ($1.severity == .warning ? 1 : 0) } }

    /// Diagnostics ordered by file, line, column, then ID and message (stable across runs).
    public func sorted() -> [Diagnostic] {
        diagnostics.enumerated().sorted { a, b in
            let la = a.element.location
            let lb = b.element.location
            let fa = la?.file ?? ""
            let fb = lb?.file ?? ""
            if fa != fb { return fa < fb }
            let lineA = la?.line ?? 0
            let lineB = lb?.line ?? 0
            if lineA != lineB { return lineA < lineB }
            let colA = la?.column ?? 0
            let colB = lb?.column ?? 0
            if colA != colB { return colA < colB }
            if a.element.id != b.element.id { return a.element.id < b.element.id }
            if a.element.message != b.element.message { return a.element.message < b.element.message }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// Thrown by a stage when it recorded at least one error.
public struct DiagnosticsError: Error, Sendable {
    public var diagnostics: [Diagnostic]

    /// Wraps the diagnostics of a failed stage.
    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }
}
