import AsyncHTTPClient
import Foundation
import NIOCore
import TagwireJSON

/// Headless Chromium driven through chromedriver's W3C WebDriver HTTP API: enough to open pages, click, run
/// scripts and add a script to every new document (Chrome DevTools' `Page.addScriptToEvaluateOnNewDocument`, which
/// chromedriver relays). The user needs Chromium and chromedriver (Debian's `chromium`, `chromium-driver`), nothing
/// else.
final class ChromeDriver {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let driver: Process
    let session: String

    private init(driver: Process, session: String) {
        self.driver = driver
        self.session = session
    }

    /// The first of `names` found on `PATH` (or a path given as it is).
    static func find(_ names: [String]) -> String? {
        let fm = FileManager.default
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in names {
            if name.contains("/") { if fm.isExecutableFile(atPath: name) { return name } else { continue } }
            for dir in path.split(separator: ":") {
                let candidate = String(dir) + "/" + name
                if fm.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// Starts chromedriver on a free loopback port and a headless Chromium session.
    static func start(chromium: String, chromedriver: String, timeout: Duration = .seconds(30)) async throws
        -> ChromeDriver
    {
        guard let port = Loopback.freePort() else {
            throw Failure(description: "no free loopback port for chromedriver")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromedriver)
        process.arguments = ["--port=\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot start chromedriver '\(chromedriver)': \(error.localizedDescription)")
        }
        let base = "http://127.0.0.1:\(port)"
        do {
            let deadline = ContinuousClock.now + timeout
            while true {
                if let status = try? await request("GET", base + "/status", body: nil, timeout: .seconds(2)),
                    status["ready"]?.boolValue == true
                {
                    break
                }
                guard process.isRunning, ContinuousClock.now < deadline else {
                    throw Failure(description: "chromedriver '\(chromedriver)' did not answer on port \(port)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            var arguments: [JSONValue] = [
                "--headless=new", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900",
                "--no-first-run", "--disable-background-networking",
            ]
            // Chromium refuses to start its sandbox as root (containers, CI); anywhere else the sandbox stays on.
            if getuid() == 0 { arguments.append("--no-sandbox") }
            let capabilities: JSONValue = [
                "capabilities": [
                    "alwaysMatch": [
                        "browserName": "chrome",
                        "goog:chromeOptions": ["binary": .string(chromium), "args": .array(arguments)],
                    ]
                ]
            ]
            let created = try await request("POST", base + "/session", body: capabilities, timeout: timeout)
            guard let id = created["sessionId"]?.stringValue else {
                throw Failure(description: "chromedriver started no session: \(JSONWriter().string(created))")
            }
            return ChromeDriver(driver: process, session: base + "/session/" + id)
        } catch {
            process.terminate()
            throw error
        }
    }

    /// One WebDriver command: its `value`, or the WebDriver error as a failure.
    static func request(_ method: String, _ url: String, body: JSONValue?, timeout: Duration) async throws
        -> JSONValue
    {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(body)))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: TimeAmount(timeout))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let answer = try JSONReader.parse(Array(bytes.readableBytesView))
        let value = answer["value"] ?? .null
        if response.status.code >= 400 || value["error"] != nil {
            let error = value["error"]?.stringValue ?? "HTTP \(response.status.code)"
            let message = value["message"]?.stringValue?.split(separator: "\n").first.map(String.init) ?? ""
            throw Failure(description: "\(error): \(message)")
        }
        return value
    }

    func command(_ method: String, _ path: String, _ body: JSONValue? = [:], timeout: Duration = .seconds(60))
        async throws -> JSONValue
    {
        try await Self.request(method, session + path, body: method == "GET" ? nil : body, timeout: timeout)
    }

    /// Opens `url` and waits for its load event.
    func open(_ url: String) async throws {
        _ = try await command("POST", "/url", ["url": .string(url)])
    }

    /// The current page's URL.
    func currentURL() async throws -> String {
        try await command("GET", "/url").stringValue ?? ""
    }

    /// Clicks the first element matching `selector`.
    func click(_ selector: String) async throws {
        let found: JSONValue
        do {
            found = try await command("POST", "/element", ["using": "css selector", "value": .string(selector)])
        } catch {
            throw Failure(description: "no element matches '\(selector)' on \((try? await currentURL()) ?? "the page")")
        }
        // The W3C element reference's fixed key.
        guard let id = found["element-6066-11e4-a52e-4f735466cecf"]?.stringValue else {
            throw Failure(description: "no element matches '\(selector)'")
        }
        _ = try await command("POST", "/element/\(id)/click")
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    func execute(_ script: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await command("POST", "/execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// Runs `script` (a function body whose last argument is a callback) and returns what it passes the callback.
    func executeAsync(_ script: String, _ arguments: [JSONValue] = []) async throws -> JSONValue {
        try await command("POST", "/execute/async", ["script": .string(script), "args": .array(arguments)])
    }

    /// Runs `script` before any of the page's own scripts, on every page opened from now on.
    func addScriptToNewDocuments(_ script: String) async throws {
        _ = try await command(
            "POST",
            "/goog/cdp/execute",
            ["cmd": "Page.addScriptToEvaluateOnNewDocument", "params": ["source": .string(script)]]
        )
    }

    /// Ends the session and stops chromedriver (and its Chromium).
    func quit() async {
        _ = try? await command("DELETE", "", nil, timeout: .seconds(10))
        if driver.isRunning { driver.terminate() }
        let deadline = ContinuousClock.now + .seconds(5)
        while driver.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if driver.isRunning { kill(driver.processIdentifier, SIGKILL) }
    }
}
