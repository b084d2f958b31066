import TagwireJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs NDJSON input through an engine (and optionally forwards web `edge` dispatches to an edge engine),
/// producing one result value per event line. A bad line yields an error record naming its line; the run goes on.
public struct EventRunner: Sendable {
    public let engine: Engine
    public let forward: Engine?
    var session: Session
    var forwardSession: Session
    /// Where the session's random source stands: unchanged while no event drew a random value (an id, a uuid).
    public var randomState: UInt64 { session.random.state &+ forwardSession.random.state }
    /// Whether to keep every rule outcome (``outcomes``, ``forwardOutcomes``), as `tagwire test --coverage` does.
    public var recordsOutcomes = false
    /// The outcomes of the engine's rules, for every event so far (with ``recordsOutcomes``).
    public private(set) var outcomes: [RuleOutcome] = []
    /// The outcomes of the forward engine's rules (with ``recordsOutcomes``).
    public private(set) var forwardOutcomes: [RuleOutcome] = []

    /// A runner; `seed` makes generated ids reproducible.
    public init(engine: Engine, forward: Engine? = nil, seed: UInt64? = nil) {
        self.engine = engine
        self.forward = forward
        session = Session(seed: seed)
        forwardSession = Session(seed: seed.map { $0 &+ 1 })
    }

    /// Evaluates each non-blank line of `input`, calling `emit` with its result, in order.
    public mutating func run(_ input: [UInt8], receivedAt: () -> Double, emit: (JSONValue) -> Void) {
        runWithDispatches(input, receivedAt: receivedAt) { result, _ in emit(result) }
    }

    /// The non-blank lines of NDJSON input: byte range (without the line break) and 1-based line number.
    public static func lines(_ input: [UInt8]) -> [(range: Range<Int>, number: Int)] {
        var out: [(Range<Int>, Int)] = []
        out.reserveCapacity(input.count / 512)
        var lineNumber = 0
        var start = 0
        while start < input.count {
            // memchr finds the line break a vector at a time.
            let end = input.withUnsafeBufferPointer { buf -> Int in
                guard let base = buf.baseAddress, let hit = memchr(base + start, 0x0A, buf.count - start) else {
                    return buf.count
                }
                return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start, input[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if !input[start..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                out.append((start..<lineEnd, lineNumber))
            }
            start = end + 1
        }
        return out
    }

    /// Like ``run(_:receivedAt:emit:)``, also handing over each line's dispatches (with credentials).
    public mutating func runWithDispatches(
        _ input: [UInt8],
        receivedAt: () -> Double,
        emit: (JSONValue, [Dispatch]) -> Void
    ) {
        let lines = Self.lines(input)
        input.withUnsafeBufferPointer { buf in
            for (index, line) in lines.enumerated() {
                let (result, dispatches) = evaluateLineWithDispatches(
                    UnsafeBufferPointer(rebasing: buf[line.range]),
                    index: index,
                    lineNumber: line.number,
                    receivedAt: receivedAt()
                )
                emit(result, dispatches)
            }
        }
    }

    /// The result of one line: an evaluation, or an error record.
    public mutating func evaluateLine(
        _ line: UnsafeBufferPointer<UInt8>,
        index: Int,
        lineNumber: Int,
        receivedAt: Double
    ) -> JSONValue {
        evaluateLineWithDispatches(line, index: index, lineNumber: lineNumber, receivedAt: receivedAt).result
    }

    /// The result of one line and every dispatch it produced (with credentials, for delivery), including those of
    /// the forward engine.
    public mutating func evaluateLineWithDispatches(
        _ line: UnsafeBufferPointer<UInt8>,
        index: Int,
        lineNumber: Int,
        receivedAt: Double
    ) -> (result: JSONValue, dispatches: [Dispatch]) {
        switch read(line, index: index, lineNumber: lineNumber) {
        case .failure(let record): return (record.value, [])
        case .success(let event): return evaluateWithDispatches(event, index: index, receivedAt: receivedAt)
        }
    }

    /// What the result line of an event says in total, for exit statuses and summaries.
    public struct LineSummary: Sendable {
        /// Lines that could not be run.
        public var unreadable = 0
        public var failedRules = 0
        public var warnings = 0
        public var dispatches = 0

        public init() {}

        /// The figures of a result line already built (as ``EventRunner/evaluateLine(_:index:lineNumber:receivedAt:)``
        /// gives it): what ``EventRunner/writeLine(_:index:lineNumber:receivedAt:into:)`` counts as it writes.
        public init(line: JSONValue) {
            if line["error"] != nil { unreadable = 1 }
            count(rules: line["rules"], dispatches: line["dispatches"])
            for f in line["forwarded"]?.arrayValue ?? [] { count(rules: f["rules"], dispatches: f["dispatches"]) }
        }

        private mutating func count(rules: JSONValue?, dispatches list: JSONValue?) {
            for r in rules?.arrayValue ?? [] {
                if r["status"] == "failed" { failedRules += 1 }
                warnings += r["warnings"]?.arrayValue?.count ?? 0
            }
            for d in list?.arrayValue ?? [] {
                dispatches += 1
                warnings += d["warnings"]?.arrayValue?.count ?? 0
            }
        }

        /// Adds another line's (or lines') figures.
        public mutating func add(_ other: LineSummary) {
            unreadable += other.unreadable
            failedRules += other.failedRules
            warnings += other.warnings
            dispatches += other.dispatches
        }
    }

    /// Writes the result line of one input line (without the line break) as `JSONWriter` writes
    /// ``evaluateLine(_:index:lineNumber:receivedAt:)``'s value, without building that value.
    public mutating func writeLine(
        _ line: UnsafeBufferPointer<UInt8>,
        index: Int,
        lineNumber: Int,
        receivedAt: Double,
        into out: inout [UInt8]
    ) -> LineSummary {
        let event = read(line, index: index, lineNumber: lineNumber)
        return Self.write(evaluateEvent(event, receivedAt: receivedAt), read: event, index: index, into: &out)
    }

    /// An event's evaluation and, with a forward engine, each forwarded edge event's.
    public struct EventResult: Sendable {
        public var evaluation: Evaluation
        public var forwarded: [(rule: String, evaluation: Evaluation)]?

        /// Every dispatch, the forwarded events' included.
        public var dispatches: [Dispatch] {
            evaluation.dispatches + (forwarded ?? []).flatMap(\.evaluation.dispatches)
        }

        /// The result line: `{"index", "rules", "dispatches"}`, and `"forwarded"` with a forward engine.
        public func json(index: Int) -> JSONValue {
            var result = evaluation.json(index: index)
            guard let forwarded, case .object(var o) = result else { return result }
            o["forwarded"] = .array(
                forwarded.map { f in
                    .object(
                        JSONObject([
                            ("rule", .string(f.rule)), ("rules", .array(f.evaluation.rules.map(\.json))),
                            ("dispatches", .array(f.evaluation.dispatches.map(\.json))),
                        ])
                    )
                }
            )
            result = .object(o)
            return result
        }

        /// Whether `other` prints the same (what `tagwire diff` compares before writing anything).
        public func hasSameContent(as other: EventResult) -> Bool {
            guard evaluation.hasSameContent(as: other.evaluation) else { return false }
            switch (forwarded, other.forwarded) {
            case (nil, nil): return true
            case (let x?, let y?):
                return x.count == y.count
                    && zip(x, y).allSatisfy { $0.rule == $1.rule && $0.evaluation.hasSameContent(as: $1.evaluation) }
            default: return false
            }
        }
    }

    /// Evaluates a line already read (see ``read(_:index:lineNumber:whole:)``; two runners can share one reading);
    /// nil for an error record.
    public mutating func evaluateEvent(_ read: Result<JSONValue, ErrorRecord>, receivedAt: Double) -> EventResult? {
        guard case .success(let event) = read else { return nil }
        return evaluateAll(event, receivedAt: receivedAt)
    }

    /// Writes an evaluated line, or the error record of one that could not be read; what the line says in total.
    @discardableResult
    public static func write(
        _ result: EventResult?,
        read: Result<JSONValue, ErrorRecord>,
        index: Int,
        into out: inout [UInt8]
    ) -> LineSummary {
        var summary = LineSummary()
        guard let result else {
            if case .failure(let record) = read { JSONWriter().write(record.value, into: &out) }
            summary.unreadable = 1
            return summary
        }
        JSONWriter.writeRaw(#"{"index":"#, into: &out)
        JSONWriter.writeNumber(Double(index), into: &out)
        result.evaluation.write(into: &out, &summary)
        if let forwarded = result.forwarded {
            JSONWriter.writeRaw(#","forwarded":["#, into: &out)
            for (k, f) in forwarded.enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONWriter.writeRaw(#"{"rule":"#, into: &out)
                JSONWriter.writeString(f.rule, into: &out)
                f.evaluation.write(into: &out, &summary)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        out.append(0x7D)
        return summary
    }

    /// The event a line holds, or the error record that takes its place; with `whole`, every part of the event is
    /// built, as another engine may read parts this one does not.
    public func read(_ line: UnsafeBufferPointer<UInt8>, index: Int, lineNumber: Int, whole: Bool = false) -> Result<
        JSONValue, ErrorRecord
    > {
        let event: JSONValue
        do {
            // Only what the rules can read is built; the whole line is still checked.
            event = try JSONReader.parse(line, options: .event, keeping: whole ? nil : engine.eventProjection)
        } catch {
            return .failure(
                ErrorRecord(
                    errorRecord(
                        index: index,
                        line: lineNumber,
                        message: "\(error.message) at column \(error.offset + 1)"
                    )
                )
            )
        }
        guard case .object = event else {
            return .failure(
                ErrorRecord(
                    errorRecord(
                        index: index,
                        line: lineNumber,
                        message: "an event must be a JSON object, not \(event.typeName)"
                    )
                )
            )
        }
        if engine.graph.isWeb, event["type"]?.stringValue == nil {
            return .failure(ErrorRecord(errorRecord(index: index, line: lineNumber, message: Self.missingType)))
        }
        return .success(event)
    }

    /// A line's error record, as a failure.
    public struct ErrorRecord: Error {
        var value: JSONValue
        init(_ value: JSONValue) { self.value = value }
    }

    static let missingType = "a page event needs a string 'type', such as \"core.page-bottom\""

    /// Evaluates a parsed event (and forwards its edge dispatches when a forward engine is set).
    public mutating func evaluate(_ event: JSONValue, index: Int, receivedAt: Double) -> JSONValue {
        evaluateWithDispatches(event, index: index, receivedAt: receivedAt).result
    }

    mutating func evaluateWithDispatches(_ event: JSONValue, index: Int, receivedAt: Double) -> (
        result: JSONValue, dispatches: [Dispatch]
    ) {
        if engine.graph.isWeb, event["type"]?.stringValue == nil {
            return (errorRecord(index: index, line: nil, message: Self.missingType), [])
        }
        let result = evaluateAll(event, receivedAt: receivedAt)
        return (result.json(index: index), result.dispatches)
    }

    /// The event's evaluation and, with a forward engine, the evaluation of each of its `edge` dispatches there.
    mutating func evaluateAll(_ event: JSONValue, receivedAt: Double) -> EventResult {
        let evaluation = engine.evaluate(event, receivedAt: receivedAt, session: &session)
        if recordsOutcomes { outcomes += evaluation.rules }
        guard let forward else { return EventResult(evaluation: evaluation, forwarded: nil) }
        var forwarded: [(rule: String, evaluation: Evaluation)] = []
        for d in evaluation.dispatches where d.destination == "edge" {
            let sent = d.json
            var members: [(String, JSONValue)] = [("xdm", sent["xdm"] ?? .null), ("data", sent["data"] ?? .null)]
            if let request = sent["request"] { members.append(("request", request)) }
            let edgeEvaluation = forward.evaluate(
                .object(JSONObject(members)),
                receivedAt: receivedAt,
                session: &forwardSession
            )
            if recordsOutcomes { forwardOutcomes += edgeEvaluation.rules }
            forwarded.append((d.rule, edgeEvaluation))
        }
        return EventResult(evaluation: evaluation, forwarded: forwarded)
    }

    /// A runner in this one's state whose engines share no storage with its engines (see ``Engine/replica(extensions:)``),
    /// for another thread.
    public func replica(extensions: RuntimeExtensions) -> EventRunner {
        var copy = EventRunner(
            engine: engine.replica(extensions: extensions),
            forward: forward?.replica(extensions: extensions)
        )
        copy.session = session
        copy.forwardSession = forwardSession
        copy.recordsOutcomes = recordsOutcomes
        return copy
    }

    func errorRecord(index: Int, line: Int?, message: String) -> JSONValue {
        var m: [(String, JSONValue)] = [("index", .number(Double(index)))]
        if let line { m.append(("line", .number(Double(line)))) }
        m.append(("error", .string(line.map { "line \($0): \(message)" } ?? message)))
        return .object(JSONObject(m))
    }
}
