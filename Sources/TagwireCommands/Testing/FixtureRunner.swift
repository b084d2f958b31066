import Foundation
import TagwireDiagnostics
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireRuntime

/// The outcome of one case.
struct CaseResult {
    var file: FixtureFile
    var fixtureCase: FixtureCase
    var failures: [CaseFailure]
    /// Each event's result line, as `tagwire run` writes it.
    var results: [JSONValue]
    var passed: Bool { failures.isEmpty }
}

/// Runs fixture cases: compiles each property once per environment, runs the case's events through an engine whose
/// secrets are the case's (never the process environment), and checks the expectations.
struct FixtureRunner {
    /// The edge property cases of web properties go to when they name none.
    var then: String?
    /// Compiled graphs by path and environment (nil: the default), or why there is none.
    private var graphs: [String: Result<RuleGraph, CaseError>] = [:]
    /// Coverage by property, in the order properties were first run.
    private(set) var coverage: [Coverage] = []
    private var coverageIndex: [String: Int] = [:]

    struct CaseError: Error {
        var message: String
    }

    init(then: String?) { self.then = then }

    private mutating func graph(_ path: String, environment: String?) -> Result<RuleGraph, CaseError> {
        let key = path + "\u{0}" + (environment ?? "")
        if let g = graphs[key] { return g }
        let result: Result<RuleGraph, CaseError>
        switch PropertyInput.graph(path, library: nil, environment: PropertyInput.isArtifact(path) ? nil : environment)
        {
        case .success(let g): result = .success(g)
        case .failure(.artifact(let e)), .failure(.unreadable(let e)):
            result = .failure(CaseError(message: "\(path): \(e)"))
        case .failure(.invalid(let errors, let sources)):
            let text = PropertyInput.render(errors, sources: sources, format: .text, property: path)
            result = .failure(CaseError(message: "\(path) has errors (`tagwire validate` shows them all):\n" + text))
        }
        graphs[key] = result
        return result
    }

    private mutating func covering(_ path: String, _ graph: RuleGraph) -> Int {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        if let i = coverageIndex[key] { return i }
        coverage.append(Coverage(name: PropertyInput.shown(path), graph: graph))
        coverageIndex[key] = coverage.count - 1
        return coverage.count - 1
    }

    /// Runs one case of a fixture file of the property at `property`.
    mutating func run(_ c: FixtureCase, of file: FixtureFile, property: String) -> CaseResult {
        func failed(_ message: String, at pointer: String? = nil) -> CaseResult {
            CaseResult(
                file: file,
                fixtureCase: c,
                failures: [CaseFailure(pointer: pointer ?? c.pointer, message: message)],
                results: []
            )
        }
        let main: RuleGraph
        switch graph(property, environment: c.environment) {
        case .success(let g): main = g
        case .failure(let e): return failed(e.message)
        }
        var forwardGraph: RuleGraph?
        let thenPath = c.then ?? (main.isWeb ? then : nil)
        if let thenPath {
            guard main.isWeb else {
                return failed("'then' sends a web property's 'edge' dispatches on; \(property) is an edge property")
            }
            switch graph(thenPath, environment: c.environment) {
            case .success(let g):
                guard !g.isWeb else {
                    return failed("'then' names \(thenPath), a web property; it must be an edge property")
                }
                forwardGraph = g
            case .failure(let e): return failed(e.message)
            }
        }
        let bytes: [UInt8]
        switch c.events {
        case .inline(let b): bytes = b
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return failed("cannot read the events file '\(path)'", at: c.pointer + "/events")
            }
            bytes = [UInt8](data)
        }
        // The case's secrets and nothing else: a case gives the same results on every machine.
        let secrets = c.secrets
        let resolver = SecretResolver { secrets[$0.name] }
        let options = EngineOptions(resolveCredentials: true)
        let engine = Engine(graph: main, extensions: BuiltInExtensions.all, secrets: resolver, options: options)
        let forward = forwardGraph.map {
            Engine(graph: $0, extensions: BuiltInExtensions.all, secrets: resolver, options: options)
        }
        var runner = EventRunner(engine: engine, forward: forward, seed: c.seed)
        runner.recordsOutcomes = true
        var results: [JSONValue] = []
        let now = c.now
        runner.run(bytes, receivedAt: { now }) { results.append($0) }

        coverage[covering(property, main)].add(runner.outcomes)
        if let forwardGraph, let thenPath {
            let i = covering(thenPath, forwardGraph)
            coverage[i].add(runner.forwardOutcomes)
        }

        var checker = ExpectationChecker(
            ruleNames: main.rules.map(\.name),
            forwardRuleNames: forwardGraph?.rules.map(\.name) ?? [],
            isWeb: main.isWeb
        )
        var failures: [CaseFailure] = []
        for (i, r) in results.enumerated() {
            if let error = r["error"]?.stringValue {
                failures.append(
                    CaseFailure(pointer: c.pointer + "/events", message: "event \(i) could not be run: \(error)")
                )
            }
        }
        for x in c.expectations {
            guard x.event < results.count else {
                failures.append(
                    CaseFailure(
                        pointer: x.pointer + "/event",
                        message:
                            "the case has \(results.count) event(s); there is no event \(x.event) (events count from 0)"
                    )
                )
                continue
            }
            checker.check(x, result: results[x.event])
        }
        return CaseResult(file: file, fixtureCase: c, failures: failures + checker.failures, results: results)
    }
}

extension CaseFailure {
    init(pointer: String, message: String) {
        self.init(pointer: pointer, message: message, expected: nil, actual: nil)
    }
}

/// Writing actual results back as expectations (`tagwire test --update`).
enum ExpectationRecorder {
    /// The `expect` list for a case's results: every event's rule statuses and dispatches (every field), and its
    /// forwarded edge events'. Matchers already written that still hold (`matches`, `sha256Of`, `absent`) are kept
    /// in place of the value they stand for.
    static func expectations(for result: CaseResult) -> JSONValue {
        var events: [JSONValue] = []
        for (i, r) in result.results.enumerated() {
            let old = result.fixtureCase.expectations.first { $0.event == i }
            var members: [(String, JSONValue)] = [("event", .number(Double(i)))]
            members += outcomes(rules: r["rules"], dispatches: r["dispatches"], old: old?.outcomes)
            if let forwarded = r["forwarded"]?.arrayValue, !forwarded.isEmpty {
                let list: [JSONValue] = forwarded.enumerated().map { k, f in
                    let oldForward = (old?.forwarded.indices.contains(k) ?? false) ? old?.forwarded[k].outcomes : nil
                    return .object(
                        JSONObject(
                            [("rule", f["rule"] ?? .null)]
                                + outcomes(rules: f["rules"], dispatches: f["dispatches"], old: oldForward)
                        )
                    )
                }
                members.append(("forwarded", .array(list)))
            }
            events.append(.object(JSONObject(members)))
        }
        return .array(events)
    }

    private static func outcomes(rules: JSONValue?, dispatches: JSONValue?, old: OutcomeExpectation?) -> [(
        String, JSONValue
    )] {
        var members: [(String, JSONValue)] = []
        let statuses: [(String, JSONValue)] = (rules?.arrayValue ?? []).compactMap { r in
            guard let name = r["name"]?.stringValue, let status = r["status"] else { return nil }
            if let reason = old?.rules.first(where: { $0.name == name })?.reason,
                ExpectationChecker.matches(reason, r["reason"])
            {
                return (name, .object(JSONObject([("status", status), ("reason", reason.json)])))
            }
            return (name, status)
        }
        members.append(("rules", .object(JSONObject(statuses))))
        let list = dispatches?.arrayValue ?? []
        var recorded: [JSONValue] = []
        var oldUsed = Set<Int>()
        for d in list {
            let destination = d["destination"]?.stringValue ?? ""
            let rule = d["rule"]?.stringValue
            var fields = d.leaves().filter { $0.pointer != "/destination" && $0.pointer != "/rule" }.map {
                (pointer: $0.pointer, value: $0.value)
            }
            // The earlier expectation for this dispatch (same destination and rule, in order), for its matchers.
            if let old,
                let k = old.dispatches.indices.first(where: {
                    !oldUsed.contains($0) && old.dispatches[$0].destination == destination
                        && (old.dispatches[$0].rule == nil || old.dispatches[$0].rule == rule)
                })
            {
                oldUsed.insert(k)
                for f in old.dispatches[k].fields {
                    if case .equals = f.matcher { continue }
                    guard ExpectationChecker.matches(f.matcher, d.at(pointer: f.pointer)) else { continue }
                    if let j = fields.firstIndex(where: { $0.pointer == f.pointer }) {
                        fields[j].value = f.matcher.json
                    } else {
                        fields.append((f.pointer, f.matcher.json))
                    }
                }
            }
            var entry: [(String, JSONValue)] = [("destination", .string(destination))]
            if let rule { entry.append(("rule", .string(rule))) }
            // Leaves are scalars or empty containers, so a recorded value never reads as a matcher.
            entry.append(("fields", .object(JSONObject(fields.map { ($0.pointer, $0.value) }))))
            recorded.append(.object(JSONObject(entry)))
        }
        members.append(("dispatches", .array(recorded)))
        let stillNone = (old?.noDispatch ?? []).map(\.destination).filter { destination in
            !list.contains { $0["destination"]?.stringValue == destination }
        }
        if !stillNone.isEmpty { members.append(("noDispatch", .array(stillNone.map(JSONValue.string)))) }
        return members
    }
}
