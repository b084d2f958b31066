import ArgumentParser
import Hummingbird
import TagwireGraphSandbox

/// `tagwire-graph-sandbox`: a loopback stand-in for Meta's Graph API Conversions endpoint.
@main
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tagwire-graph-sandbox",
        abstract: "Run a local Graph API sandbox for the Conversions API (loopback only).",
        discussion: "Point tagwire at it with TAGWIRE_META_GRAPH_URL=http://127.0.0.1:<port>."
    )

    @Option(help: "Address to listen on (loopback).")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8090

    @Option(
        name: .customLong("token"),
        help: "An access token and the pixels it may send to: TOKEN=PIXEL[,PIXEL]. Repeatable."
    )
    var tokens: [String] = ["sandbox-token=1234567890123456"]

    @Option(help: "App secret to check appsecret_proof against.")
    var appSecret: String?

    @Flag(help: "Require appsecret_proof.")
    var requireProof = false

    @Flag(help: "Accept unhashed customer information with a warning instead of rejecting it.")
    var lenientHashes = false

    func run() async throws {
        var table: [String: Set<String>] = [:]
        for spec in tokens {
            let parts = spec.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ValidationError("--token expects TOKEN=PIXEL[,PIXEL], got '\(spec)'") }
            table[String(parts[0]), default: []].formUnion(parts[1].split(separator: ",").map(String.init))
        }
        let state = SandboxState(
            configuration: SandboxConfiguration(
                tokens: table,
                appSecret: appSecret,
                requireProof: requireProof,
                strictHashes: !lenientHashes
            )
        )
        let port = self.port
        let app = GraphSandbox.application(state: state, host: host, port: port) { bound in
            print("graph sandbox listening on http://\(host):\(bound)")
        }
        try await app.runService()
    }
}
