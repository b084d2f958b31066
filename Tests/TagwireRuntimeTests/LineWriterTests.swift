import Foundation
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireRuntime
import TagwireTestSupport
import Testing

/// `EventRunner.writeLine`, which `tagwire run` uses for JSON output, writes exactly what `JSONWriter` writes of the
/// result value: for web events forwarded to the edge, edge events with warnings and failures, traces, and lines
/// that cannot be run.
struct LineWriterTests {
    static func check(_ runner: EventRunner, _ input: [UInt8]) -> Int {
        var fast = runner
        var slow = runner
        var checked = 0
        input.withUnsafeBufferPointer { buf in
            for (i, line) in EventRunner.lines(input).enumerated() {
                let slice = UnsafeBufferPointer(rebasing: buf[line.range])
                var out: [UInt8] = []
                let summary = fast.writeLine(
                    slice,
                    index: i,
                    lineNumber: line.number,
                    receivedAt: 1_765_000_000,
                    into: &out
                )
                let value = slow.evaluateLine(slice, index: i, lineNumber: line.number, receivedAt: 1_765_000_000)
                let expected = JSONWriter().string(value)
                #expect(String(decoding: out, as: UTF8.self) == expected, "line \(line.number)")
                // The summary counts what the value says.
                let outcomes =
                    (value["rules"]?.arrayValue ?? [])
                    + (value["forwarded"]?.arrayValue ?? []).flatMap { $0["rules"]?.arrayValue ?? [] }
                #expect(summary.failedRules == outcomes.filter { $0["status"] == "failed" }.count)
                #expect(summary.unreadable == (value["error"] == nil ? 0 : 1))
                checked += 1
            }
        }
        return checked
    }

    @Test(arguments: [false, true])
    func webEventsForwardedToTheEdge(traced: Bool) throws {
        let options = EngineOptions(trace: traced, resolveCredentials: true, allowMissingSecrets: true)
        let web = Engine(graph: try Fixtures.graph(Fixtures.web), extensions: BuiltInExtensions.all, options: options)
        let edge = Engine(
            graph: try Fixtures.graph(Fixtures.edge),
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in nil },
            options: options
        )
        var input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.pageEvents)))
        input += Array("{\"type\": 1}\nnot json\n[1,2]\n".utf8)
        #expect(Self.check(EventRunner(engine: web, forward: edge, seed: 7), input) == 9)
    }

    @Test
    func edgeEventsWithWarningsAndFailures() throws {
        let edge = Engine(
            graph: try Fixtures.graph(Fixtures.edge),
            extensions: BuiltInExtensions.all,
            secrets: SecretResolver { _ in "token" },
            options: EngineOptions(resolveCredentials: true)
        )
        let lines = [
            #"{"data":{"eventName":"Purchase","meta":{"userData":{"email":"not an email","phone":"12"},"conversionData":{"eventId":"o-1","customData":{"currency":"USD","value":1.5}}}},"xdm":{"web":{"webPageDetails":{"URL":"https://shop.example.com/?e=a@b.co"}}},"request":{"ip":"203.0.113.1","headers":{"user-agent":"UA"}}}"#,
            #"{"data":{"eventName":"Purchase","meta":{"conversionData":{"customData":{"value":"x"}}}}}"#,
            #"{"data":{"eventName":"Lead","meta":{"userData":{"email":"a@b.co"},"conversionData":{"eventId":12345678901234567890}}},"request":{"ip":"::1","headers":{"user-agent":"\u00e9\u2028"}}}"#,
            #"{"data":{"eventName":"Lead"}}"#,
        ]
        #expect(Self.check(EventRunner(engine: edge, seed: 1), Array(lines.joined(separator: "\n").utf8)) == 4)
    }
}
