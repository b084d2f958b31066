import TagwireJSON

/// Runs NDJSON input through an engine (and optionally forwards web `edge` dispatches to an edge engine),
/// producing one result value per event line. A bad line yields an error record naming its line; the run goes on.
public struct EventRunner: Sendable {
    public let engine: Engine
    public let forward: Engine?
    var session: Session
    var forwardSession: Session
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
        var lineNumber = 0
        var start = 0
        while start < input.count {
            var end = start
            while end < input.count, input[end] != 0x0A { end += 1 }
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
        let event: JSONValue
        do {
            // Only what the rules can read is built; the whole line is still checked.
            event = try JSONReader.parse(line, options: .event, keeping: engine.eventProjection)
        } catch {
            return (
                errorRecord(index: index, line: lineNumber, message: "\(error.message) at column \(error.offset + 1)"),
                []
            )
        }
        guard case .object = event else {
            return (
                errorRecord(
                    index: index,
                    line: lineNumber,
                    message: "an event must be a JSON object, not \(event.typeName)"
                ), []
            )
        }
        if engine.graph.isWeb, event["type"]?.stringValue == nil {
            return (errorRecord(index: index, line: lineNumber, message: Self.missingType), [])
        }
        return evaluateWithDispatches(event, index: index, receivedAt: receivedAt)
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
        let evaluation = engine.evaluate(event, receivedAt: receivedAt, session: &session)
        if recordsOutcomes { outcomes += evaluation.rules }
        var result = evaluation.json(index: index)
        var all = evaluation.dispatches
        guard let forward else { return (result, all) }
        var forwarded: [JSONValue] = []
        for d in evaluation.dispatches where d.destination == "edge" {
            var members: [(String, JSONValue)] = [("xdm", d.json["xdm"] ?? .null), ("data", d.json["data"] ?? .null)]
            if let request = d.json["request"] { members.append(("request", request)) }
            let edgeEvaluation = forward.evaluate(
                .object(JSONObject(members)),
                receivedAt: receivedAt,
                session: &forwardSession
            )
            all += edgeEvaluation.dispatches
            if recordsOutcomes { forwardOutcomes += edgeEvaluation.rules }
            forwarded.append(
                .object(
                    JSONObject([
                        ("rule", .string(d.rule)),
                        ("rules", .array(edgeEvaluation.rules.map(\.json))),
                        ("dispatches", .array(edgeEvaluation.dispatches.map(\.json))),
                    ])
                )
            )
        }
        if case .object(var o) = result {
            o["forwarded"] = .array(forwarded)
            result = .object(o)
        }
        return (result, all)
    }

    func errorRecord(index: Int, line: Int?, message: String) -> JSONValue {
        var m: [(String, JSONValue)] = [("index", .number(Double(index)))]
        if let line { m.append(("line", .number(Double(line)))) }
        m.append(("error", .string(line.map { "line \($0): \(message)" } ?? message)))
        return .object(JSONObject(m))
    }
}
