import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TagwireDelivery
import TagwireGraphSandbox
import TagwireJSON
import TagwireMetaSender
import TagwireModel
import TagwireRuntime
import TagwireServer

/// `tagwire quickstart validate <web> <edge>`: Adobe's "Start validation" step. It serves the edge property as
/// `tagwire serve` does (with the web property's demo pages and development library), walks the site in headless
/// Chromium, and follows each Meta event from the rule on the page to the Conversions API's answer.
public struct QuickstartValidate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Walk the web property's demo site in headless Chromium and check each Meta event end to end.",
        discussion: """
            Serves the edge property on loopback as `tagwire serve --demo <web>` does, opens the web property's \
            site/ pages in headless Chromium (Debian's chromium and chromium-driver) and walks them as \
            site/journey.json says, or opens the page at --url and waits for its rules. For each event a rule sent \
            it reports: the rule's outcome, the Pixel call and its event id, whether the edge received it, the \
            Conversions API's answer (TAGWIRE_META_GRAPH_URL, or the sandbox with --meta-sandbox), whether both \
            copies carry the same event id (so Meta deduplicates them), Tagwire's EMQ estimate, and what to fix \
            when something failed. Exit 1 when a row failed, 2 when the check could not run.

            Example:
              tagwire quickstart validate shop-example-com-web shop-example-com-edge --meta-sandbox
            """
    )

    @Argument(help: "The web property (its site/ folder holds the pages).")
    var web: String

    @Argument(help: "The edge property the page forwards to.")
    var edge: String

    @Option(
        help: ArgumentHelp(
            "Open this page instead of walking site/journey.json; it must load its library from this server (--port).",
            valueName: "URL"
        )
    )
    var url: String?

    @Flag(help: "Deliver to a Graph API sandbox in this process and load the Pixel script from it (no Meta account).")
    var metaSandbox = false

    @Option(
        help: ArgumentHelp(
            "Send the Conversions API copies as test events with this code (Events Manager → Test events).",
            valueName: "CODE"
        )
    )
    var testEventCode: String?

    @Option(help: "Port the validation server listens on (0 picks a free one).")
    var port = 0

    @Option(help: "Seconds to wait for the Conversions API's answers once the walk is over.")
    var timeout = 30.0

    @Option(help: ArgumentHelp("The Chromium binary (default: chromium on PATH).", valueName: "PATH"))
    var chromium: String?

    @Option(help: ArgumentHelp("The chromedriver binary (default: chromedriver on PATH).", valueName: "PATH"))
    var chromedriver: String?

    @Option(help: "Output: text or json.")
    var format: DiagnosticFormat = .text

    public init() {}

    public func validate() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port \(port) is not a port; expected 0 to 65535")
        }
        if let url {
            guard let c = URLComponents(string: url), c.scheme == "http" || c.scheme == "https", c.host != nil else {
                throw ValidationError("--url '\(url)' is not an http or https URL")
            }
        }
    }

    public func run() async throws {
        guard
            let chromium = ChromeDriver.find(
                chromium.map { [$0] } ?? ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
            ),
            let chromedriver = ChromeDriver.find(chromedriver.map { [$0] } ?? ["chromedriver"])
        else {
            Output.err(
                "error: quickstart validate needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver); give --chromium and --chromedriver when they are elsewhere\n"
            )
            throw ExitCode(2)
        }
        do {
            let report = try await check(chromium: chromium, chromedriver: chromedriver)
            switch format {
            case .text: Output.out(report.text)
            case .json: Output.out(JSONWriter(pretty: true).string(report.json) + "\n")
            }
            if report.failed > 0 { throw ExitCode(1) }
        } catch let error as ExitCode {
            throw error
        } catch {
            Output.err("error: \(error)\n")
            throw ExitCode(2)
        }
    }

    func check(chromium: String, chromedriver: String) async throws -> ValidationReport {
        guard let port = port == 0 ? Loopback.freePort() : port else {
            throw DemoSite.Failure(description: "no free loopback port for the validation server")
        }
        let origin = "http://127.0.0.1:\(port)"
        let sandboxPort = metaSandbox ? try LocalMetaSandbox.reservePort() : nil
        // A page at --url on another origin loads the library and posts its events across origins.
        let pageOrigin = url.flatMap(DemoSite.origin)
        let site = try DemoSite.prepare(
            web: web,
            origin: origin,
            pixelScript: sandboxPort.map(LocalMetaSandbox.pixelScript),
            pageHosts: url.flatMap { URLComponents(string: $0)?.host }.map { [$0] } ?? []
        )
        if url == nil, site.journey == nil {
            throw DemoSite.Failure(
                description:
                    "'\(PropertyInput.shown(web))/site/journey.json' is missing: it says how to walk the pages (tagwire quickstart writes it); or give --url"
            )
        }
        let secrets = metaSandbox ? LocalMetaSandbox.secrets : SecretResolver.system
        let loaded = Serve.loader(
            environment: nil,
            library: nil,
            secrets: secrets,
            adjust: testEventCode.map(Self.testEvents)
        )(edge)
        let library: ServedLibrary
        switch loaded {
        case .success(let l): library = l
        case .failure(let error):
            for d in error.diagnostics { Output.err(JSONWriter().string(d) + "\n") }
            let hint = metaSandbox ? "" : Serve.sandboxHint(for: edge, environment: nil)
            throw DemoSite.Failure(description: error.message + hint)
        }
        let logger = Logger(label: "tagwire.quickstart-validate") { _ in SwiftLogNoOpLogHandler() }
        let sandbox = sandboxPort.map {
            LocalMetaSandbox(port: $0, pixels: site.pixelIDs, tokens: library.secretValues, logger: logger)
        }
        let graphURL = sandbox?.url ?? ConversionsAPIConfiguration().baseURL

        let outbox = RecordingOutbox()
        let receipts = Mutex<[Receipt]>([])
        let options = ServeOptions(
            libraries: site.libraries,
            pages: site.pages,
            demoOrigins: Set([origin] + (pageOrigin.map { [$0] } ?? []))
        ) { events, answer in
            let outcomes = (try? JSONReader.parse(answer))?["events"]?.arrayValue ?? []
            receipts.withLock { list in
                for (i, e) in events.enumerated() {
                    list.append(Receipt(event: e, outcome: i < outcomes.count ? outcomes[i] : .null))
                }
            }
        }
        let server = EventServer(
            store: LibraryStore(loader: { _ in loaded }, initial: library),
            outbox: outbox,
            options: options,
            logger: logger
        )
        var services: [any Service] = [
            server.deliveryService(
                flushInterval: .milliseconds(100),
                sender: ConversionsAPISender(configuration: ConversionsAPIConfiguration(baseURL: graphURL))
            )
        ]
        if let sandbox { services.append(sandbox.service) }
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = server.application(host: "127.0.0.1", port: port, services: services) { p in
            boundContinuation.yield(p)
            boundContinuation.finish()
        }
        let serving = Task {
            defer { boundContinuation.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        defer { serving.cancel() }
        var listening = false
        for await _ in bound { listening = true }
        guard listening else {
            _ = await serving.result
            throw DemoSite.Failure(description: "cannot listen on 127.0.0.1:\(port)")
        }

        let (records, pages) = try await walk(site, origin: origin, chromium: chromium, chromedriver: chromedriver)

        // The page's forwards and Meta's answers arrive after the walk: wait for them, up to the timeout.
        let forwards = records.reduce(0) { n, r in
            n + (r["dispatches"]?.arrayValue ?? []).filter { $0["destination"]?.stringValue == "edge" }.count
        }
        let pixelIDs = Set(records.flatMap { ValidationReport.pixelEventIDs($0) })
        let deadline = ContinuousClock.now + .milliseconds(Int(max(0.1, timeout) * 1000))
        var seen: ValidationReport.SandboxSeen?
        while true {
            if let sandbox { seen = await Self.seen(by: sandbox.state) }
            let received = receipts.withLock { $0.count }
            let beaconsIn = seen.map { pixelIDs.isSubset(of: $0.beacons) } ?? true
            if received >= forwards, beaconsIn, await outbox.settled { break }
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        var report = ValidationReport(
            origin: origin,
            graphURL: graphURL,
            pages: pages,
            records: records,
            receipts: receipts.withLock { $0 },
            deliveries: await outbox.entries,
            sandbox: seen,
            expect: url == nil ? site.journey?.expect ?? [] : [],
            timeout: timeout
        )
        report.testEventCode = testEventCode
        return report
    }

    /// Every Conversions API action of the edge property sends test events under `code`.
    static func testEvents(_ code: String) -> @Sendable (inout PropertySet) -> Void {
        { set in
            for r in set.rules.indices {
                for a in set.rules[r].actions.indices where set.rules[r].actions[a].type == "meta-capi.send-event" {
                    set.rules[r].actions[a].settings["isTestEvent"] = true
                    set.rules[r].actions[a].settings["testEventCode"] = .string(code)
                }
            }
        }
    }

    /// Walks the site (or opens --url) in a new headless Chromium with the monitor on every page; returns what the
    /// monitor recorded and the pages seen.
    func walk(_ site: DemoSite, origin: String, chromium: String, chromedriver: String) async throws
        -> (records: [JSONValue], pages: [String])
    {
        let browser = try await ChromeDriver.start(chromium: chromium, chromedriver: chromedriver)
        var pages: [String] = []
        do {
            try await browser.addScriptToNewDocuments(Self.monitor)
            if let url {
                try await browser.open(url)
                pages.append(try await Self.settle(browser, on: nil, shown: url))
            } else if let journey = site.journey {
                for step in journey.steps {
                    switch step {
                    case .open(let page):
                        try await browser.open(origin + "/demo/" + page)
                        pages.append(try await Self.settle(browser, on: page, shown: page))
                    case .click(let selector, let then):
                        try await browser.click(selector)
                        if let then { pages.append(try await Self.settle(browser, on: then, shown: then)) }
                    }
                }
            }
            let records = try await browser.execute(
                #"return JSON.parse(sessionStorage.getItem("tagwire.validation") || "[]");"#
            )
            await browser.quit()
            return (records.arrayValue ?? [], pages)
        } catch {
            await browser.quit()
            throw error
        }
    }

    /// What the sandbox received: the event ids of the Pixel's beacons, and its deduplication counts.
    static func seen(by state: SandboxState) async -> ValidationReport.SandboxSeen {
        let beacons = await state.received().filter { $0.source == "browser" }.compactMap(\.eventID)
        let dedup = await state.dedupSummary()
        return ValidationReport.SandboxSeen(
            beacons: Set(beacons),
            unique: dedup.unique,
            copies: dedup.copies,
            duplicates: dedup.duplicates
        )
    }

    /// Waits until the page (named `page`, when given, without its query) has loaded and its library has run its
    /// load rules; returns the page's name with its query.
    static func settle(_ browser: ChromeDriver, on page: String?, shown: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        // Chromium shows a page it could not load as chrome-error://chromewebdata/.
        let script = """
            if (location.protocol === "chrome-error:") return "chrome-error:";
            var ready = document.readyState === "complete" && !!(window._tagwire && window._tagwire.loaded);
            return ready ? location.pathname.split("/").pop() + location.search : null;
            """
        while ContinuousClock.now < deadline {
            let answer = try await browser.execute(script).stringValue
            if answer == "chrome-error:" {
                throw DemoSite.Failure(description: "\(shown) could not be loaded (is its server up?)")
            }
            if let name = answer,
                page == nil || name.split(separator: "?").first.map(String.init) == page
            {
                // Window Loaded rules run one task after the load event.
                _ = try await browser.executeAsync("setTimeout(arguments[arguments.length - 1], 0);")
                return name
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoSite.Failure(
            description: "\(shown) did not load its Tagwire library within 30 s (is its embed code on it?)"
        )
    }

    /// Put on every page before its own scripts: a monitor (the runtime's hooks) that keeps each rule's outcome and
    /// dispatches in sessionStorage, so they survive the walk from page to page, and notes scripts that failed to
    /// load (Meta's, say). It also stands in for the embed code's `_tagwire` queue, which it has to create first.
    static let monitor = #"""
        (function () {
          var key = "tagwire.validation";
          function save(entry) {
            try {
              entry.page = window.location.pathname.split("/").pop() + window.location.search;
              var list = JSON.parse(window.sessionStorage.getItem(key) || "[]");
              list.push(entry);
              window.sessionStorage.setItem(key, JSON.stringify(list));
            } catch (e) {}
          }
          function report(kind) {
            return function (e) {
              var dispatches = [];
              try { dispatches = JSON.parse(JSON.stringify(e.dispatches || [])); } catch (x) {}
              save({ kind: kind, rule: e.rule, reason: e.reason || null, dispatches: dispatches });
            };
          }
          var t = (window._tagwire = window._tagwire || { q: [] });
          t.q = t.q || [];
          t.track = t.track || function () { t.q.push(["track", arguments]); };
          t.consent = t.consent || function () { t.q.push(["consent", arguments]); };
          (t.monitors = t.monitors || []).push({
            ruleCompleted: report("fired"),
            ruleConditionFailed: report("conditionNotMet"),
            ruleActionFailed: report("failed")
          });
          window.addEventListener("error", function (e) {
            var el = e.target;
            if (el && el.tagName === "SCRIPT" && el.src) save({ kind: "scriptFailed", src: String(el.src) });
          }, true);
        })();
        """#
}

/// An event the server accepted, and its outcome on the edge (an entry of the `202` answer).
struct Receipt: Sendable {
    var event: JSONValue
    var outcome: JSONValue
}

/// The outbox of a validation run: an in-memory outbox that remembers each Conversions API event it was given and
/// what became of it.
actor RecordingOutbox: Outbox {
    enum Status: Sendable, Equatable {
        case queued
        case retrying(String)
        case delivered
        case rejected(String)
    }

    struct Entry: Sendable {
        var event: JSONValue
        var status: Status
    }

    let inner = InMemoryOutbox()
    private(set) var entries: [Int64: Entry] = [:]

    /// Whether every event has had its first answer: delivered, refused, or failed and waiting to be tried again
    /// (the error is what the report needs; the retries are serve's business).
    var settled: Bool { entries.values.allSatisfy { $0.status != .queued } }

    func enqueue(_ items: [OutboxItem]) async throws -> [Int64] {
        let ids = try await inner.enqueue(items)
        for (id, item) in zip(ids, items) {
            entries[id] = Entry(event: (try? JSONReader.parse(item.payload)) ?? .null, status: .queued)
        }
        return ids
    }

    func claim(limit: Int, lease: Double, now: Double) async throws -> [OutboxRecord] {
        try await inner.claim(limit: limit, lease: lease, now: now)
    }

    func complete(_ ids: [Int64]) async throws {
        try await inner.complete(ids)
        for id in ids { entries[id]?.status = .delivered }
    }

    func reschedule(_ ids: [Int64], availableAt: Double, error: String) async throws {
        try await inner.reschedule(ids, availableAt: availableAt, error: error)
        for id in ids { entries[id]?.status = .retrying(error) }
    }

    func deadLetter(_ ids: [Int64], reason: String) async throws {
        try await inner.deadLetter(ids, reason: reason)
        for id in ids { entries[id]?.status = .rejected(reason) }
    }

    func stats(now: Double) async throws -> [String: OutboxStats] { try await inner.stats(now: now) }
    func deadLetters(limit: Int) async throws -> [DeadLetter] { try await inner.deadLetters(limit: limit) }
    func requeue(_ ids: [Int64], now: Double) async throws { try await inner.requeue(ids, now: now) }
    func purgeDeadLetters() async throws -> Int { try await inner.purgeDeadLetters() }
}
