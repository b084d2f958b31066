import ArgumentParser
import Foundation
import TagwireCompiler
import TagwireExtensions
import TagwireJSON
import TagwireMeta
import TagwireWeb

/// `tagwire quickstart`: Adobe's Meta quick-start as files in git. Generation is the default subcommand;
/// `quickstart validate` is the "Start validation" step.
public struct Quickstart: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract:
            "Generate a web and an edge property for Meta's Pixel and Conversions API, and validate them in a browser.",
        discussion: """
            `tagwire quickstart --domain …` generates (the default subcommand); `tagwire quickstart validate <web> \
            <edge>` walks the generated demo site in headless Chromium and checks each event end to end.

            Example:
              tagwire quickstart --domain shop.example.com --pixel-id 1234567890123456 --access-token-env META_ACCESS_TOKEN
              tagwire quickstart validate shop-example-com-web shop-example-com-edge --meta-sandbox
            """,
        subcommands: [QuickstartGenerate.self, QuickstartValidate.self],
        defaultSubcommand: QuickstartGenerate.self
    )

    public init() {}
}

/// `tagwire quickstart [generate]`: a web property and an edge property with one `MetaConversion_<Event>` rule per
/// standard Meta event, validated, built, with the embed code and the data-layer contract.
public struct QuickstartGenerate: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract:
            "Generate a web and an edge property sending Meta's standard events through the Pixel and the Conversions API.",
        discussion: """
            Writes <out>/<name>-web and <out>/<name>-edge (the name comes from the domain: shop.example.com gives \
            shop-example-com), with one MetaConversion_<Event> rule per standard event on the page (PageView on page \
            load, the others on _tagwire.track("meta:<Event>") and, for AddToCart and InitiateCheckout, clicks), the \
            MetaConversion_DataLayer data element at --data-layer-path, one MetaCAPI_<Event> rule per event on the \
            server with the full customer-information mapping, three environments whose token is a secret reference \
            to --access-token-env (the token is written nowhere), fixture cases covering every rule, and a demo shop \
            in <name>-web/site (pages with the embed code and site/journey.json, the walk `tagwire quickstart \
            validate` drives; `tagwire serve --demo` serves them). Then it \
            validates both, builds the web library for development into --build-dir, and prints the embed code and \
            which data-layer fields each event reads. The same inputs give the same files; an existing property \
            directory is refused without --force (which rewrites the generated files and leaves others alone).

            Example:
              tagwire quickstart --domain shop.example.com --pixel-id 1234567890123456 --access-token-env META_ACCESS_TOKEN --out properties
            """
    )

    @Option(help: "The site's host name; it names the properties.")
    var domain: String

    @Option(help: "The Meta pixel (dataset) id.")
    var pixelId: String

    @Option(help: "The environment variable that holds the Conversions API access token when the edge property runs.")
    var accessTokenEnv: String

    @Option(help: "Where the page keeps its Meta data layer.")
    var dataLayerPath = "window.dataLayer.meta"

    @Option(help: "The URL the web property forwards events to (default: https://collect.<domain>/v1/events).")
    var endpoint: String?

    @Option(help: "The directory the two properties are written into.")
    var out = "."

    @Option(help: "The properties' name before -web and -edge (default: from the domain).")
    var name: String?

    @Option(help: "Where the development build goes (default: <out>/build).")
    var buildDir: String?

    @Flag(help: "Rewrite existing properties' generated files.")
    var force = false

    @Option(help: "Output: text or json.")
    var format: DiagnosticFormat = .text

    public init() {}

    public func validate() throws {
        _ = try settings()
    }

    /// The checked inputs.
    func settings() throws -> QuickstartGenerator {
        let host = domain.lowercased()
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let validLabel: (Substring) -> Bool = { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
        }
        guard labels.count >= 2, host.count <= 253, labels.allSatisfy(validLabel),
            labels.last?.allSatisfy({ $0.isLetter }) == true
        else {
            throw ValidationError("--domain '\(domain)' is not a host name; expected one such as shop.example.com")
        }
        try OptionCheck.pixelID(pixelId)
        try OptionCheck.environmentVariable(accessTokenEnv, option: "--access-token-env")
        let segments = dataLayerPath.split(separator: ".", omittingEmptySubsequences: false)
        let identifier: (Substring) -> Bool = { s in
            guard let first = s.first, first.isLetter || first == "_" || first == "$" else { return false }
            return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "$") }
        }
        guard segments.count >= 2, segments.first == "window", segments.dropFirst().allSatisfy(identifier) else {
            throw ValidationError(
                "--data-layer-path '\(dataLayerPath)' is not a path under window; expected one such as window.dataLayer.meta"
            )
        }
        let bare = QuickstartGenerator.bare(host)
        let forward = endpoint ?? "https://collect.\(bare)/v1/events"
        guard let url = URL(string: forward), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ValidationError("--endpoint '\(forward)' is not an http or https URL")
        }
        let base =
            name
            ?? bare.replacingOccurrences(of: ".", with: "-")
        guard !base.isEmpty, base.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw ValidationError("--name '\(base)' may hold only letters, digits, '-' and '_'")
        }
        return QuickstartGenerator(
            name: base,
            domain: host,
            pixelID: pixelId,
            tokenVariable: accessTokenEnv,
            dataLayerPath: dataLayerPath,
            endpoint: forward
        )
    }

    public func run() async throws {
        let generator = try settings()
        let fm = FileManager.default
        let webDir = (out as NSString).appendingPathComponent(generator.webName)
        let edgeDir = (out as NSString).appendingPathComponent(generator.edgeName)
        for dir in [webDir, edgeDir] {
            if let contents = try? fm.contentsOfDirectory(atPath: dir), !contents.isEmpty, !force {
                throw ValidationError("'\(dir)' exists and is not empty; give --force to rewrite its generated files")
            }
        }
        let absoluteOut = URL(fileURLWithPath: out).standardizedFileURL
        let schemas = try PropertyFiles.schemasDirectory(for: absoluteOut.appendingPathComponent(generator.webName))
        let written = [(webDir, generator.webFiles), (edgeDir, generator.edgeFiles)]
        for (dir, files) in written {
            try PropertyFiles.write(files, into: URL(fileURLWithPath: dir).standardizedFileURL, schemas: schemas)
        }
        let counts = written.map(\.1.count)
        var report =
            "wrote \(PropertyInput.shown(webDir)) (\(counts[0]) files) and \(PropertyInput.shown(edgeDir)) (\(counts[1]) files)\n"
        var json: [(String, JSONValue)] = [
            ("web", .string(PropertyInput.shown(webDir))), ("edge", .string(PropertyInput.shown(edgeDir))),
            ("files", ["web": .number(Double(counts[0])), "edge": .number(Double(counts[1]))]),
        ]

        // Both validate as they are.
        var rules = 0
        var elements = 0
        for dir in [webDir, edgeDir] {
            guard let load = PropertyInput.load(dir) else { throw ExitCode(1) }
            let result = Compiler.validate(load, registry: BuiltInExtensions.all.contracts)
            if !result.diagnostics.isEmpty {
                PropertyInput.report(result.diagnostics, sources: result.sources, format: .text, property: dir)
            }
            if result.hasErrors { throw ExitCode(1) }
            rules += load.propertySet?.rules.count ?? 0
            elements += load.propertySet?.dataElements.count ?? 0
        }
        report += "validated: 2 properties, \(rules) rules, \(elements) data elements\n"
        json.append(
            (
                "validated",
                ["properties": 2, "rules": .number(Double(rules)), "dataElements": .number(Double(elements))]
            )
        )

        let build = buildDir ?? (out as NSString).appendingPathComponent("build")
        let (artifact, web) = try Build.publish(
            property: webDir,
            library: nil,
            environment: "development",
            out: build,
            assetBase: "",
            format: .text,
            warningsAsErrors: false
        )
        report += "built development: \(PropertyInput.shown(artifact))\n"
        json.append(("build", .string(PropertyInput.shown(artifact))))
        if let web {
            report +=
                "\nembed code, in the <head> of every page (tagwire serve --libraries \(PropertyInput.shown(build)) hosts the file):\n"
            report += "  \(WebLibrary.queueSnippet)\n  \(web.stableEmbedCode(base: "/libraries"))\n"
            json.append(
                ("embedCode", [.string(WebLibrary.queueSnippet), .string(web.stableEmbedCode(base: "/libraries"))])
            )
        }
        report += "\n" + generator.contract
        json.append(("dataLayer", .string(generator.dataLayerPath)))
        json.append(
            (
                "contract",
                .array(
                    generator.contractRows.map { row in
                        [
                            "event": .string(row.event), "startsOn": .string(row.start),
                            "reads": .array(row.reads.map(JSONValue.string)),
                            "metaRequires": .array(row.required.map(JSONValue.string)),
                        ]
                    }
                )
            )
        )
        report += """

            next:
              tagwire serve \(PropertyInput.shown(edgeDir)) --demo \(PropertyInput.shown(webDir)) --meta-sandbox
                then open http://127.0.0.1:8080/demo/ (the demo shop; with \(accessTokenEnv)=<token> and no --meta-sandbox, to Meta)
              tagwire quickstart validate \(PropertyInput.shown(webDir)) \(PropertyInput.shown(edgeDir)) --meta-sandbox
              tagwire test \(PropertyInput.shown(webDir)) \(PropertyInput.shown(edgeDir)) --coverage

            """
        switch format {
        case .text: Output.out(report)
        case .json: Output.out(JSONWriter(pretty: true).string(.object(JSONObject(json))) + "\n")
        }
    }
}

/// The files of the two quick-start properties, from the inputs alone (no clock, no randomness).
struct QuickstartGenerator {
    typealias Content = PropertyFiles.Content

    var name: String
    var domain: String
    var pixelID: String
    var tokenVariable: String
    var dataLayerPath: String
    var endpoint: String

    var webName: String { name + "-web" }
    var edgeName: String { name + "-edge" }

    /// Meta's standard events the quick-start sends, and how each starts on the page.
    static let events: [(name: String, file: String, clicks: String?)] = [
        ("PageView", "page-view", nil), ("AddPaymentInfo", "add-payment-info", nil),
        ("AddToCart", "add-to-cart", "button.add-to-cart"), ("CompleteRegistration", "complete-registration", nil),
        ("InitiateCheckout", "initiate-checkout", "form#checkout button[type=submit]"), ("Lead", "lead", nil),
        ("Purchase", "purchase", nil), ("Search", "search", nil), ("Subscribe", "subscribe", nil),
        ("ViewContent", "view-content", nil),
    ]

    /// The customer-information fields the edge reads from `<path>.userData`, with the Conversions API setting each
    /// fills.
    static let userData: [(setting: String, field: String)] = [
        ("email", "email"), ("phone", "phone"), ("firstName", "firstName"), ("lastName", "lastName"),
        ("dob", "dateOfBirth"), ("gender", "gender"), ("city", "city"), ("state", "state"), ("zip", "zip"),
        ("country", "country"), ("externalId", "externalId"),
    ]

    static func environments(secrets: JSONValue?) -> [(String, Content)] {
        ["development", "production", "staging"].map { stage in
            var o = JSONObject([("name", .string(stage)), ("stage", .string(stage))])
            if let secrets { o["secrets"] = secrets }
            return ("environments/\(stage).json", .json(.object(o)))
        }
    }

    static let library: (String, Content) = ("libraries/main.json", .json(["name": "main", "resources": "all"]))

    /// The site's domain without `www.`: the shop's name, and the base of the collection host.
    static func bare(_ host: String) -> String { host.hasPrefix("www.") ? String(host.dropFirst(4)) : host }

    var domains: JSONValue {
        let bare = Self.bare(domain)
        return [.string(bare), .string("www." + bare)]
    }

    // MARK: Web

    var webFiles: [(String, Content)] {
        var files: [(String, Content)] = [
            (
                "property.json",
                .json(
                    .object(
                        JSONObject([
                            ("name", .string(webName)), ("platform", "web"), ("domains", domains),
                            (
                                "description",
                                "Adobe's Meta quick-start on the page: Pixel events with a fresh event id, forwarded to the edge for the Conversions API."
                            ),
                        ])
                    )
                )
            ),
            Self.library,
            ("extensions/edge.json", .json(["name": "edge", "settings": ["endpoint": .string(endpoint)]])),
            ("extensions/meta-pixel.json", .json(["name": "meta-pixel", "settings": ["pixelId": .string(pixelID)]])),
            (
                "data-elements/fbc-cookie.json",
                .json(["name": "Meta Click ID", "type": "core.cookie", "settings": ["name": "_fbc"]])
            ),
            (
                "data-elements/fbp-cookie.json",
                .json(["name": "Meta Browser ID", "type": "core.cookie", "settings": ["name": "_fbp"]])
            ),
            (
                "data-elements/metaconversion-datalayer.json",
                .json(
                    [
                        "name": "MetaConversion_DataLayer", "type": "core.path",
                        "settings": ["path": .string(dataLayerPath)],
                        "description":
                            "The page's Meta data layer: conversionData (event id, value, currency, contents) and userData.",
                    ]
                )
            ),
            (
                "data-elements/page-referrer.json",
                .json(["name": "Page Referrer", "type": "core.page-info", "settings": ["attribute": "referrer"]])
            ),
            (
                "data-elements/page-url.json",
                .json(["name": "Page URL", "type": "core.page-info", "settings": ["attribute": "url"]])
            ),
        ]
        files += Self.environments(secrets: nil)
        for e in Self.events { files.append(("rules/metaconversion-\(e.file).json", .json(webRule(e)))) }
        files += webFixtures
        files += siteFiles
        return files
    }

    // MARK: Demo site

    /// The demo shop in `site/`: four pages carrying the embed code and a data layer at the data-layer path, and the
    /// walk through them that `tagwire quickstart validate` drives (`tagwire serve --demo` serves the pages).
    var siteFiles: [(String, Content)] {
        let library =
            (DemoSite.origin(endpoint) ?? "") + "/libraries/" + WebLibrary.slug(webName) + "/"
            + WebLibrary.stableName(property: webName, environment: "development")
        let shop = Self.bare(domain)
        let product: JSONValue = [
            "content_ids": ["SKU-1"], "content_type": "product", "value": 49.9, "currency": "USD",
            "contents": [["id": "SKU-1", "quantity": 1, "item_price": 49.9]],
        ]
        func page(_ title: String, user: JSONValue, custom: JSONValue, track: String?, body: String) -> String {
            let layer: JSONValue = ["userData": user, "conversionData": ["value": 49.9, "customData": custom]]
            return """
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>\(title) · \(shop)</title>
                  <!-- The page's Meta data layer, read by the MetaConversion_* rules (MetaConversion_DataLayer). -->
                  <script>
                \(dataLayerScript(layer))
                  </script>
                  <!-- The embed code: calls made before the library loads wait in _tagwire.q. -->
                  \(WebLibrary.queueSnippet)
                \(track.map { "  <script>_tagwire.track(\"meta:\($0)\");</script>\n" } ?? "")\
                  <script async src="\(library)" crossorigin="anonymous"></script>
                </head>
                <body>
                \(body)
                </body>
                </html>

                """
        }
        let email: JSONValue = "jane.doe@example.com"
        let pages: [(String, String)] = [
            (
                "product.html",
                page(
                    "Trail shoe",
                    user: ["email": email, "firstName": "Jane", "lastName": "Doe", "country": "US", "zip": "94025"],
                    custom: product,
                    track: "ViewContent",
                    body: """
                          <h1>Trail shoe</h1>
                          <p>49.90 USD</p>
                          <!-- A click fires MetaConversion_AddToCart (button.add-to-cart). -->
                          <button type="button" id="add" class="add-to-cart">Add to cart</button>
                          <p><a id="to-cart" href="cart.html">Go to the cart</a></p>
                        """
                )
            ),
            (
                "cart.html",
                page(
                    "Cart",
                    user: ["email": email],
                    custom: ["content_ids": ["SKU-1"], "value": 49.9, "currency": "USD", "num_items": 1],
                    track: nil,
                    body: """
                          <h1>Your cart</h1>
                          <p>Trail shoe × 1: 49.90 USD</p>
                          <!-- Submitting fires MetaConversion_InitiateCheckout (form#checkout button[type=submit]). -->
                          <form id="checkout" action="checkout.html" method="get">
                            <button type="submit" id="checkout-button">Check out</button>
                          </form>
                        """
                )
            ),
            (
                "checkout.html",
                page(
                    "Checkout",
                    user: ["email": email, "phone": "+1 650 555 1212"],
                    custom: ["value": 49.9, "currency": "USD"],
                    track: "AddPaymentInfo",
                    body: """
                          <h1>Payment</h1>
                          <p>Card ending 4242</p>
                          <p><a id="place-order" href="thank-you.html?order=1001">Place the order</a></p>
                        """
                )
            ),
            (
                "thank-you.html",
                page(
                    "Thank you",
                    user: ["email": email, "phone": "+1 650 555 1212", "firstName": "Jane", "lastName": "Doe"],
                    custom: product.objectValue.map { o -> JSONValue in
                        var o = o
                        o["order_id"] = "1001"
                        return .object(o)
                    } ?? product,
                    track: "Purchase",
                    body: """
                          <h1>Thank you, Jane</h1>
                          <p>Order 1001: 49.90 USD</p>
                        """
                )
            ),
        ]
        let journey: JSONValue = [
            "description":
                "A visitor buys the trail shoe: product page, add to cart, cart, checkout, thank-you page (tagwire quickstart validate walks it).",
            "steps": [
                ["open": "product.html"], ["click": "button.add-to-cart"], ["click": "#to-cart", "then": "cart.html"],
                ["click": "#checkout-button", "then": "checkout.html"],
                ["click": "#place-order", "then": "thank-you.html"],
            ],
            "expect": [
                "PageView", "ViewContent", "AddToCart", "PageView", "InitiateCheckout", "PageView", "AddPaymentInfo",
                "PageView", "Purchase",
            ],
        ]
        return pages.map { ("site/" + $0.0, .text($0.1)) } + [("site/journey.json", .json(journey))]
    }

    /// Assigns `layer` at the data-layer path, creating the objects above it.
    func dataLayerScript(_ layer: JSONValue) -> String {
        let segments = dataLayerPath.split(separator: ".").map(String.init)
        var lines: [String] = []
        for i in 2..<max(2, segments.count) {
            let path = segments[0..<i].joined(separator: ".")
            lines.append("    \(path) = \(path) || {};")
        }
        lines.append("    \(segments.joined(separator: ".")) = \(JSONWriter().string(layer));")
        return lines.joined(separator: "\n")
    }

    func webRule(_ e: (name: String, file: String, clicks: String?)) -> JSONValue {
        var events: [JSONValue] = []
        if e.name == "PageView" {
            events.append(["type": "core.library-loaded"])
        } else {
            if let selector = e.clicks {
                events.append(["type": "core.click", "settings": ["elementSelector": .string(selector)]])
            }
            events.append(["type": "core.direct-call", "settings": ["identifier": .string("meta:\(e.name)")]])
        }
        var members: [(String, JSONValue)] = [
            ("name", .string("MetaConversion_\(e.name)")), ("order", e.name == "PageView" ? 10 : 50),
            ("events", .array(events)),
        ]
        if e.name == "Purchase" {
            members.append(
                (
                    "conditions",
                    [
                        [
                            "type": "core.value-comparison", "name": "Order has a value",
                            "settings": [
                                "leftOperand": "{{MetaConversion_DataLayer.conversionData.value}}",
                                "comparison": ["operator": "greaterThan"], "rightOperand": 0,
                            ],
                        ]
                    ]
                )
            )
        }
        members.append(
            (
                "actions",
                [
                    [
                        "type": "core.generate-event-id", "name": "New event id",
                        "settings": ["path": .string(dataLayerPath + ".conversionData.eventId")],
                    ],
                    [
                        "type": "meta-pixel.send-event", "name": .string("Pixel \(e.name)"),
                        "settings": [
                            "eventName": .string(e.name),
                            "parameters": "{{MetaConversion_DataLayer.conversionData.customData}}",
                            "eventId": "{{MetaConversion_DataLayer.conversionData.eventId}}",
                        ],
                    ],
                    [
                        "type": "edge.send-event", "name": "Forward to the edge",
                        "settings": [
                            "xdm": [
                                "eventType": .string(e.name),
                                "web": [
                                    "webPageDetails": ["URL": "{{Page URL}}"],
                                    "webReferrer": ["URL": "{{Page Referrer}}"],
                                ],
                            ],
                            "data": [
                                "eventName": .string(e.name), "meta": "{{MetaConversion_DataLayer}}",
                                "cookies": ["fbp": "{{Meta Browser ID}}", "fbc": "{{Meta Click ID}}"],
                            ],
                        ],
                    ],
                ]
            )
        )
        return .object(JSONObject(members))
    }

    // MARK: Edge

    var edgeFiles: [(String, Content)] {
        let path: (String, String, String) -> (String, Content) = { file, name, path in
            (
                "data-elements/\(file).json",
                .json(["name": .string(name), "type": "core.path", "settings": ["path": .string(path)]])
            )
        }
        var files: [(String, Content)] = [
            (
                "property.json",
                .json(
                    .object(
                        JSONObject([
                            ("name", .string(edgeName)), ("platform", "edge"), ("domains", domains),
                            (
                                "description",
                                "Adobe's Meta quick-start on the server: one Conversions API rule per event name, with the full customer-information mapping."
                            ),
                        ])
                    )
                )
            ),
            Self.library,
            (
                "extensions/meta-capi.json",
                .json(
                    [
                        "name": "meta-capi",
                        "settings": [
                            "pixelId": "{{Meta Pixel ID}}", "accessToken": "{{Meta Access Token}}",
                            "graphApiVersion": .string(GraphAPIVersions.default), "defaultCountryCode": "1",
                        ],
                    ]
                )
            ),
            path("client-ip", "Client IP Address", "arc.request.ip"),
            path("client-user-agent", "Client User Agent", "arc.request.headers.user-agent"),
            path("event-name", "Event Name", "arc.event.data.eventName"),
            path("fbc", "Meta Click ID", "arc.event.data.cookies.fbc"),
            path("fbp", "Meta Browser ID", "arc.event.data.cookies.fbp"),
            (
                "data-elements/meta-access-token.json",
                .json(["name": "Meta Access Token", "type": "core.secret", "settings": ["secret": "meta-access-token"]])
            ),
            (
                "data-elements/meta-data-layer.json",
                .json([
                    "name": "Meta Data Layer", "type": "core.path", "settings": ["path": "arc.event.data.meta"],
                    "default": [:],
                ])
            ),
            (
                "data-elements/meta-pixel-id.json",
                .json(["name": "Meta Pixel ID", "type": "core.constant", "settings": ["value": .string(pixelID)]])
            ),
            path("page-referrer", "Page Referrer", "arc.event.xdm.web.webReferrer.URL"),
            path("page-url", "Page URL", "arc.event.xdm.web.webPageDetails.URL"),
        ]
        files += Self.environments(secrets: ["meta-access-token": ["env": .string(tokenVariable)]])
        for e in Self.events { files.append(("rules/metacapi-\(e.file).json", .json(edgeRule(e.name)))) }
        files += edgeFixtures
        return files
    }

    func edgeRule(_ event: String) -> JSONValue {
        var settings: [(String, JSONValue)] = [
            ("eventName", .string(event)), ("eventId", "{{Meta Data Layer.conversionData.eventId}}"),
            ("eventSourceUrl", "{{Page URL}}"), ("referrerUrl", "{{Page Referrer}}"), ("actionSource", "website"),
        ]
        for u in Self.userData { settings.append((u.setting, .string("{{Meta Data Layer.userData.\(u.field)}}"))) }
        settings += [
            ("clientIpAddress", "{{Client IP Address}}"), ("clientUserAgent", "{{Client User Agent}}"),
            ("fbc", "{{Meta Click ID}}"), ("fbp", "{{Meta Browser ID}}"),
            ("customData", "{{Meta Data Layer.conversionData.customData}}"), ("lduEnabled", false),
        ]
        return .object(
            JSONObject([
                ("name", .string("MetaCAPI_\(event)")), ("order", event == "PageView" ? 10 : 50),
                (
                    "conditions",
                    [
                        [
                            "type": "core.value-comparison", "name": .string("Event is \(event)"),
                            "settings": [
                                "leftOperand": "{{Event Name}}", "comparison": ["operator": "equals"],
                                "rightOperand": .string(event),
                            ],
                        ]
                    ]
                ),
                (
                    "actions",
                    [
                        .object(
                            JSONObject([
                                ("type", "meta-capi.send-event"), ("name", .string("Conversions API \(event)")),
                                ("settings", .object(JSONObject(settings))),
                            ])
                        )
                    ]
                ),
            ])
        )
    }

    // MARK: Fixtures

    /// The data layer a fixture page holds, written at the data-layer path.
    func window(value: Double) -> JSONValue {
        var layer: JSONValue = [
            "userData": [
                "email": " Jane.Doe@Example.com ", "phone": "(650) 555-1212", "firstName": "Jane", "lastName": "Doe",
                "dateOfBirth": "1990-02-16", "gender": "Female", "city": "Menlo Park", "state": "California",
                "zip": "94025-1234", "country": "United States", "externalId": "cust-1001",
            ],
            "conversionData": [
                "value": .number(value),
                "customData": [
                    "currency": "USD", "value": .number(value), "content_ids": ["SKU-1"], "content_type": "product",
                ],
            ],
        ]
        // Nest the data layer under its path below window.
        for segment in dataLayerPath.split(separator: ".").dropFirst().reversed() {
            layer = .object(JSONObject([(String(segment), layer)]))
        }
        var window = layer.objectValue ?? JSONObject()
        window["location"] = [
            "href": .string("https://\(domains.arrayValue?.first?.stringValue ?? domain)/products/sku-1")
        ]
        window["document"] = ["title": "Trail shoe", "referrer": "https://www.google.com/"]
        return .object(window)
    }

    static let request: JSONValue = [
        "ip": "203.0.113.7",
        "headers": [
            "user-agent":
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
        ],
    ]

    /// One page event per standard event: the page load, then each event's direct call on the same page.
    var journey: [JSONValue] {
        var out: [JSONValue] = []
        for (i, e) in Self.events.enumerated() {
            var event = JSONObject([
                ("type", e.name == "PageView" ? "core.library-loaded" : "core.direct-call"), ("page", "p1"),
                ("visitor", "v1"),
                ("cookies", ["_fbp": "fb.1.1596403881668.1116446470"]), ("request", Self.request),
            ])
            if e.name != "PageView" { event["identifier"] = .string("meta:\(e.name)") }
            if i == 0 { event["window"] = window(value: 49.9) }
            out.append(.object(event))
        }
        return out
    }

    /// What every standard event must produce: the rule fired, the Pixel call with an event id, and on the edge the
    /// Conversions API event with the same id and the hashed email.
    func expectation(_ index: Int, _ event: String) -> JSONValue {
        let id: JSONValue = ["matches": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"]
        return [
            "event": .number(Double(index)),
            "rules": ["MetaConversion_\(event)": "fired"],
            "dispatches": [
                ["destination": "meta-pixel", "fields": ["/call/1": .string(event), "/call/3/eventID": id]],
                ["destination": "edge", "fields": ["/data/eventName": .string(event)]],
            ],
            "forwarded": [
                [
                    "rule": .string("MetaConversion_\(event)"),
                    "rules": ["MetaCAPI_\(event)": "fired"],
                    "dispatches": [
                        [
                            "destination": "meta-capi",
                            "fields": [
                                "/pixelId": .string(pixelID), "/payload/data/0/event_name": .string(event),
                                "/payload/data/0/event_id": id,
                                "/payload/data/0/user_data/em/0": ["sha256Of": "jane.doe@example.com"],
                                "/payload/data/0/user_data/ph/0": ["sha256Of": "16505551212"],
                            ],
                        ]
                    ],
                ]
            ],
        ]
    }

    var webFixtures: [(String, Content)] {
        let ndjson = journey.map { JSONWriter().string($0) }.joined(separator: "\n") + "\n"
        var zero = journey[0]
        if case .object(var o) = zero {
            o["type"] = "core.direct-call"
            o["identifier"] = "meta:Purchase"
            o["window"] = window(value: 0)
            zero = .object(o)
        }
        let cases: JSONValue = [
            "description":
                "Every standard event from the page to the Conversions API (generated by tagwire quickstart).",
            "then": .string("../../\(edgeName)"), "now": 1_765_000_000, "seed": 1,
            "secrets": ["meta-access-token": "test-token"],
            "cases": [
                [
                    "name": "every standard event reaches the Pixel and the Conversions API with one event id",
                    "events": "quickstart-journey.ndjson",
                    "expect": .array(Self.events.enumerated().map { expectation($0.offset, $0.element.name) }),
                ],
                [
                    "name": "a purchase without a value sends nothing",
                    "events": [zero],
                    "expect": [
                        [
                            "event": 0, "rules": ["MetaConversion_Purchase": "conditionNotMet"],
                            "noDispatch": ["meta-pixel", "edge"],
                        ]
                    ],
                ],
            ],
        ]
        return [("fixtures/quickstart-journey.ndjson", .text(ndjson)), ("fixtures/quickstart.json", .json(cases))]
    }

    var edgeFixtures: [(String, Content)] {
        let event: JSONValue = [
            "data": [
                "eventName": "Purchase",
                "meta": [
                    "userData": ["email": "Jane.Doe@Example.com", "country": "US"],
                    "conversionData": ["eventId": "order-1", "customData": ["currency": "USD", "value": 99.8]],
                ],
            ],
            "xdm": ["web": ["webPageDetails": ["URL": .string("https://\(domain)/checkout/thank-you")]]],
            "request": Self.request,
        ]
        let cases: JSONValue = [
            "description": "Events as the web property forwards them (generated by tagwire quickstart).",
            "now": 1_765_000_000, "secrets": ["meta-access-token": "test-token"],
            "cases": [
                [
                    "name": "a purchase is sent with its event id and the hashed email",
                    "events": [event],
                    "expect": [
                        [
                            "event": 0, "rules": ["MetaCAPI_Purchase": "fired", "MetaCAPI_Lead": "conditionNotMet"],
                            "dispatches": [
                                [
                                    "destination": "meta-capi",
                                    "fields": [
                                        "/payload/data/0/event_id": "order-1",
                                        "/payload/data/0/custom_data/currency": "usd",
                                        "/payload/data/0/user_data/em/0": ["sha256Of": "jane.doe@example.com"],
                                    ],
                                ]
                            ],
                        ]
                    ],
                ],
                [
                    "name": "an unset access token fails the rule, as sending would",
                    "secrets": [:], "events": [event],
                    "expect": [
                        [
                            "event": 0,
                            "rules": [
                                "MetaCAPI_Purchase": [
                                    "status": "failed", "reason": ["matches": "secret 'meta-access-token' is not set"],
                                ]
                            ],
                            "noDispatch": ["meta-capi"],
                        ]
                    ],
                ],
            ],
        ]
        return [("fixtures/quickstart.json", .json(cases))]
    }

    // MARK: The data-layer contract

    /// Per event: how it starts, which `<path>.*` fields it reads, and which of them Meta requires.
    var contractRows: [(event: String, start: String, reads: [String], required: [String])] {
        let common =
            ["conversionData.customData", "conversionData.eventId (written)"]
            + Self.userData.map { "userData.\($0.field)" }
        return Self.events.map { e in
            let start =
                e.name == "PageView"
                ? "page load" : "_tagwire.track(\"meta:\(e.name)\")" + (e.clicks.map { " or a click on \($0)" } ?? "")
            let reads = e.name == "Purchase" ? ["conversionData.value"] + common : common
            let required =
                e.name == "Purchase" ? ["conversionData.customData.currency", "conversionData.customData.value"] : []
            return (e.name, start, reads, required)
        }
    }

    /// ``contractRows`` as a table.
    var contract: String {
        var rows: [(String, String, String, String)] = [
            ("event", "starts on", "reads " + dataLayerPath + ".", "Meta requires")
        ]
        for r in contractRows {
            let reads = r.reads.filter { !$0.hasPrefix("userData.") } + ["userData.*"]
            rows.append(
                (
                    r.event, r.start, reads.joined(separator: ", "),
                    r.required.isEmpty ? "-" : r.required.joined(separator: ", ")
                )
            )
        }
        return "data layer contract (userData.*: " + Self.userData.map(\.field).joined(separator: ", ") + "):\n"
            + TextTable.render(rows.map { [$0.0, $0.1, $0.2, $0.3] })
    }
}
