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
        writeEvent(read(line, index: index, lineNumber: lineNumber), index: index, receivedAt: receivedAt, into: &out)
    }

    /// Like ``writeLine(_:index:lineNumber:receivedAt:into:)`` for a line already read (see ``read(_:index:lineNumber:)``),
    /// so that two runners can share one reading.
    public mutating func writeEvent(
        _ read: Result<JSONValue, ErrorRecord>,
        index: Int,
        receivedAt: Double,
        into out: inout [UInt8]
    ) -> LineSummary {
        var summary = LineSummary()
        let event: JSONValue
        switch read {
        case .failure(let record):
            JSONWriter().write(record.value, into: &out)
            summary.unreadable = 1
            return summary
        case .success(let e): event = e
        }
        let (evaluation, forwarded) = evaluateAll(event, receivedAt: receivedAt)
        Self.write(EventResult(evaluation: evaluation, forwarded: forwarded), index: index, into: &out, &summary)
        return summary
    }

    /// An event's evaluation and, with a forward engine, each forwarded edge event's.
    public struct EventResult: Sendable {
        public var evaluation: Evaluation
        public var forwarded: [(rule: String, evaluation: Evaluation)]?

        /// Whether `other` prints the same (what `tagwire diff` compares before writing anything).
        public func hasSameContent(as other: EventResult) -> Bool {
            func same(_ a: Evaluation, _ b: Evaluation) -> Bool {
                a.rules.count == b.rules.count && a.dispatches.count == b.dispatches.count
                    && zip(a.rules, b.rules).allSatisfy {
                        $0.name == $1.name && $0.status == $1.status && $0.reason == $1.reason
                            && $0.warnings == $1.warnings && $0.trace == $1.trace
                    }
                    && zip(a.dispatches, b.dispatches).allSatisfy { $0.hasSameContent(as: $1) }
            }
            guard same(evaluation, other.evaluation) else { return false }
            switch (forwarded, other.forwarded) {
            case (nil, nil): return true
            case (let x?, let y?):
                return x.count == y.count
                    && zip(x, y).allSatisfy { $0.rule == $1.rule && same($0.evaluation, $1.evaluation) }
            default: return false
            }
        }
    }

    /// Evaluates a line already read; an error record stays one (nil result).
    public mutating func evaluateEvent(_ read: Result<JSONValue, ErrorRecord>, receivedAt: Double) -> EventResult? {
        guard case .success(let event) = read else { return nil }
        let (evaluation, forwarded) = evaluateAll(event, receivedAt: receivedAt)
        return EventResult(evaluation: evaluation, forwarded: forwarded)
    }

    /// Writes an evaluated line, or the error record of one that could not be read.
    public static func write(
        _ result: EventResult?,
        read: Result<JSONValue, ErrorRecord>,
        index: Int,
        into out: inout [UInt8]
    ) {
        var summary = LineSummary()
        guard let result else {
            if case .failure(let record) = read { JSONWriter().write(record.value, into: &out) }
            return
        }
        write(result, index: index, into: &out, &summary)
    }

    static func write(_ result: EventResult, index: Int, into out: inout [UInt8], _ summary: inout LineSummary) {
        let (evaluation, forwarded) = (result.evaluation, result.forwarded)
        JSONWriter.writeRaw(#"{"index":"#, into: &out)
        JSONWriter.writeNumber(Double(index), into: &out)
        Self.write(evaluation, into: &out, &summary)
        if let forwarded {
            JSONWriter.writeRaw(#","forwarded":["#, into: &out)
            for (k, f) in forwarded.enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONWriter.writeRaw(#"{"rule":"#, into: &out)
                JSONWriter.writeString(f.rule, into: &out)
                Self.write(f.evaluation, into: &out, &summary)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        out.append(0x7D)
    }

    /// `,"rules":[...],"dispatches":[...]`, counted into `summary`.
    static func write(_ evaluation: Evaluation, into out: inout [UInt8], _ summary: inout LineSummary) {
        JSONWriter.writeRaw(#","rules":["#, into: &out)
        for (i, r) in evaluation.rules.enumerated() {
            if i > 0 { out.append(0x2C) }
            r.write(into: &out)
            if r.status == .failed { summary.failedRules += 1 }
            summary.warnings += r.warnings.count
        }
        JSONWriter.writeRaw(#"],"dispatches":["#, into: &out)
        for (i, d) in evaluation.dispatches.enumerated() {
            if i > 0 { out.append(0x2C) }
            d.write(into: &out)
            summary.warnings += d.warningCount
        }
        summary.dispatches += evaluation.dispatches.count
        out.append(0x5D)
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
        let (evaluation, forwarded) = evaluateAll(event, receivedAt: receivedAt)
        var result = evaluation.json(index: index)
        guard let forwarded else { return (result, evaluation.dispatches) }
        var all = evaluation.dispatches
        var list: [JSONValue] = []
        for f in forwarded {
            all += f.evaluation.dispatches
            list.append(
                .object(
                    JSONObject([
                        ("rule", .string(f.rule)),
                        ("rules", .array(f.evaluation.rules.map(\.json))),
                        ("dispatches", .array(f.evaluation.dispatches.map(\.json))),
                    ])
                )
            )
        }
        if case .object(var o) = result {
            o["forwarded"] = .array(list)
            result = .object(o)
        }
        return (result, all)
    }

    /// The event's evaluation and, with a forward engine, the evaluation of each of its `edge` dispatches there
    /// (nil without one).
    mutating func evaluateAll(_ event: JSONValue, receivedAt: Double) -> (
        Evaluation, [(rule: String, evaluation: Evaluation)]?
    ) {
        let evaluation = engine.evaluate(event, receivedAt: receivedAt, session: &session)
        if recordsOutcomes { outcomes += evaluation.rules }
        guard let forward else { return (evaluation, nil) }
        var forwarded: [(rule: String, evaluation: Evaluation)] = []
        for d in evaluation.dispatches where d.destination == "edge" {
            var members: [(String, JSONValue)] = [("xdm", d.json["xdm"] ?? .null), ("data", d.json["data"] ?? .null)]
            if let request = d.json["request"] { members.append(("request", request)) }
            let edgeEvaluation = forward.evaluate(
                .object(JSONObject(members)),
                receivedAt: receivedAt,
                session: &forwardSession
            )
            if recordsOutcomes { forwardOutcomes += edgeEvaluation.rules }
            forwarded.append((d.rule, edgeEvaluation))
        }
        return (evaluation, forwarded)
    }

    func errorRecord(index: Int, line: Int?, message: String) -> JSONValue {
        var m: [(String, JSONValue)] = [("index", .number(Double(index)))]
        if let line { m.append(("line", .number(Double(line)))) }
        m.append(("error", .string(line.map { "line \($0): \(message)" } ?? message)))
        return .object(JSONObject(m))
    }
}
