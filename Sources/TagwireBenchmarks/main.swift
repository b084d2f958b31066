import Foundation
import TagwireExtensions
import TagwireCompiler
import TagwireDiagnostics
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaExtensions
import TagwireModel
import TagwireRuntime

// Release-mode benchmarks. Each prints its figures and a ratio against a baseline measured in the same run.
//
//   TAGWIRE_BENCHMARKS=1 swift run -c release tagwire-benchmarks [compile|engine|all] [--events N]
//
// `compile`: validate + build a generated property of 10,000 rules and 5,000 data elements (issue: under 2 s,
//            under 300 MB), against Foundation's JSONSerialization merely parsing the same files.
// `engine`:  the quickstart edge property over a generated corpus (~2.5 KB per event): parse-only throughput of the
//            engine's reader, full engine throughput, and a naive Foundation pipeline (JSONSerialization +
//            dictionary walking + JSONSerialization output).

func peakMemoryMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The byte ranges of the lines of an NDJSON corpus (without the line breaks).
func lineRanges(_ corpus: [UInt8]) -> [Range<Int>] {
    var lines: [Range<Int>] = []
    var start = 0
    for (i, b) in corpus.enumerated() where b == 0x0A {
        lines.append(start..<i)
        start = i + 1
    }
    return lines
}

func format(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

/// The best (shortest) of `runs` timings: the machine is shared, so the minimum is the least disturbed run.
func best(_ runs: Int = 3, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs { fastest = min(fastest, try seconds(body)) }
    return fastest
}

// MARK: compile

func generatedProperty(rules: Int, dataElements: Int) -> [PropertySource.File] {
    func file(_ path: String, _ value: JSONValue) -> PropertySource.File {
        PropertySource.File(path: path, bytes: JSONWriter(pretty: true).bytes(value))
    }
    var files: [PropertySource.File] = [
        file("property.json", ["name": "bench", "platform": "edge"]),
        file("extensions/meta-capi.json", ["name": "meta-capi", "settings": ["pixelId": "{{DE 0}}", "accessToken": "{{Token}}"]]),
        file("extensions/http.json", ["name": "http"]),
        file("environments/production.json", ["name": "production", "stage": "production", "secrets": ["token": ["env": "TOKEN"]]]),
        file("data-elements/token.json", ["name": "Token", "type": "core.secret", "settings": ["secret": "token"]]),
    ]
    for i in 0..<dataElements {
        let value: JSONValue = i % 5 == 0
            ? ["name": .string("DE \(i)"), "type": "core.constant", "settings": ["value": .string("v\(i)")]]
            : ["name": .string("DE \(i)"), "type": "core.path", "settings": ["path": .string("arc.event.data.field\(i % 97).sub\(i % 13)")], "default": "", "cleanText": true]
        files.append(file("data-elements/de-\(i).json", value))
    }
    for r in 0..<rules {
        let a = r % dataElements
        let b = (r * 7 + 3) % dataElements
        let c = (r * 13 + 5) % dataElements
        let action: JSONValue = r % 2 == 0
            ? ["type": "meta-capi.send-event", "settings": [
                "eventName": "Purchase", "eventId": .string("{{DE \(a)}}"), "email": .string("{{DE \(b)}}"),
                "phone": .string("{{DE \(c)}}"), "eventSourceUrl": "https://shop.example.com/", "clientUserAgent": .string("{{DE \(a)}}"),
                "customData": ["value": 10, "currency": "USD", "note": .string("rule \(r) {{DE \(b)}}")],
            ]]
            : ["type": "http.send-request", "settings": ["method": "POST", "url": .string("https://hooks.example.com/\(r)/{{DE \(c)}}"), "body": ["a": .string("{{DE \(a)}}")]]]
        files.append(file("rules/rule-\(r).json", [
            "name": .string("Rule \(r)"), "order": .number(Double(r % 100)),
            "conditions": [[
                "type": "core.value-comparison",
                "settings": ["leftOperand": .string("{{DE \(b)}}"), "comparison": ["operator": "equals"], "rightOperand": .string("x\(r)")],
            ]],
            "actions": [action],
        ]))
    }
    return files
}

func benchCompile() {
    print("== compile: validate + build a generated property (10,000 rules, 5,000 data elements; best of 3 runs)")
    let files = generatedProperty(rules: 10_000, dataElements: 5_000)
    let bytes = files.reduce(0) { $0 + $1.bytes.count }
    print("files: \(files.count), \(format(Double(bytes) / 1_048_576)) MiB")

    // Baseline: Foundation merely parsing every file (no positions, no checks).
    var parsed = 0
    let baseline = best {
        parsed = 0
        for f in files {
            if (try? JSONSerialization.jsonObject(with: Data(f.bytes))) != nil { parsed += 1 }
        }
    }
    var diagnostics = 0
    var artifactBytes = 0
    var phases: [(String, Double)] = []
    var bestPhases: [(String, Double)] = []
    var ours = Double.infinity
    for _ in 0..<3 {
        phases = []
        let total = seconds {
        var load: LoadResult?
        phases.append(("load", seconds { load = PropertyLoader.load(PropertySource(root: "bench", files: files)) }))
        guard let load else { return }
        phases.append(("validate", seconds { diagnostics = Compiler.validate(load, registry: BuiltInExtensions.all.contracts).diagnostics.count }))
        var result: CompilationResult?
        phases.append(("compile", seconds { result = Compiler.compile(load, options: CompileOptions(environment: "production"), registry: BuiltInExtensions.all.contracts) }))
        phases.append(("publish", seconds {
            if let graph = result?.graph { artifactBytes = PublishedLibrary(graph: graph, sourceRevision: nil).libraryBytes.count }
        }))
        }
        if total < ours {
            ours = total
            bestPhases = phases
        }
    }
    print("baseline (JSONSerialization parse only): \(format(baseline, 3)) s for \(parsed) files")
    print("tagwire validate + build:                \(format(ours, 3)) s (\(diagnostics) diagnostics, artifact \(format(Double(artifactBytes) / 1_048_576)) MiB)")
    if let load = Optional(PropertyLoader.load(PropertySource(root: "bench", files: files))), let g = Compiler.compile(load, registry: BuiltInExtensions.all.contracts).graph {
        var json: JSONValue = .null
        var bytes: [UInt8] = []
        let t1 = seconds { json = g.json }
        let t2 = seconds { bytes = JSONWriter().bytes(json) }
        let t3 = seconds { _ = SHA256.hexDigest(bytes) }
        print("publish detail: graph→JSON \(format(t1, 3)) s, write \(format(t2, 3)) s, sha256 \(format(t3, 3)) s")
    }
    print("phases of that run: " + bestPhases.map { "\($0.0) \(format($0.1, 3)) s" }.joined(separator: ", "))
    print("ratio (tagwire time / baseline time):    \(format(ours / baseline))x")
    print("peak memory (max RSS of the process):    \(format(peakMemoryMB(), 1)) MB")
}

// MARK: engine

func generatedEvents(_ count: Int) -> [UInt8] {
    let names = ["PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase", "Search", "Lead", "CompleteRegistration", "Subscribe"]
    var out: [UInt8] = []
    out.reserveCapacity(count * 2600)
    let writer = JSONWriter()
    var rng = SystemRandomNumberGenerator()
    for i in 0..<count {
        let name = names[i % names.count]
        let contents: [JSONValue] = (0..<4).map { k in
            ["id": .string("SKU-\(i % 1000)-\(k)"), "quantity": .number(Double(k + 1)), "item_price": .number(Double(10 + k) + 0.99), "title": .string("Product number \(k) with a longer descriptive title")]
        }
        let event: JSONValue = [
            "xdm": [
                "eventType": .string(name), "timestamp": "2026-11-29T00:00:00Z", "_id": .string("evt-\(i)-\(UInt32.random(in: 0...UInt32.max, using: &rng))"),
                "web": ["webPageDetails": ["URL": .string("https://shop.example.com/products/item-\(i % 500)?utm_source=newsletter&utm_medium=email"), "name": "Product page"],
                        "webReferrer": ["URL": "https://www.google.com/search?q=trail+shoes"]],
                "device": ["screenHeight": 1080, "screenWidth": 1920, "type": "desktop", "manufacturer": "Framework", "model": "Laptop 13"],
                "commerce": ["order": ["purchaseID": .string("order-\(i)"), "currencyCode": "USD", "priceTotal": 129.5,
                                       "payments": [["paymentType": "credit_card", "paymentAmount": 129.5, "transactionID": .string("tx-\(i)")]]],
                             "productListAdds": ["value": 1]],
                "placeContext": ["localTime": "2026-11-29T01:00:00+01:00", "localTimezoneOffset": -60,
                                 "geo": ["countryCode": "US", "stateProvince": "CA", "city": "Menlo Park", "postalCode": "94025"]],
                "marketing": ["trackingCode": "newsletter-2026-11", "campaignGroup": "winter-sale", "campaignName": "Trail shoes winter sale"],
                "environment": ["browserDetails": ["userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"]],
            ],
            "data": [
                "eventName": .string(name),
                "cookies": ["fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz"],
                "meta": [
                    "userData": ["email": .string("Customer.\(i % 10000)@Example.com"), "phone": "(650) 555-1212", "firstName": "Jane", "lastName": "Doe",
                                 "dateOfBirth": "1990-02-16", "gender": "female", "city": "Menlo Park", "state": "CA", "zip": "94025", "country": "US",
                                 "externalId": .string("cust-\(i % 10000)")],
                    "conversionData": ["eventId": .string("id-\(i)"),
                                       "customData": ["value": 129.5, "currency": "USD", "content_type": "product", "num_items": 4, "contents": .array(contents),
                                                      "content_ids": .array(contents.map { $0["id"] ?? .null })]],
                ],
            ],
            "request": ["ip": "203.0.113.7", "headers": [
                "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                "accept": "application/json", "accept-language": "en-US,en;q=0.9", "origin": "https://shop.example.com",
                "referer": "https://shop.example.com/products/item", "x-forwarded-for": "203.0.113.7, 10.0.0.1", "content-type": "application/json",
            ]],
        ]
        writer.write(event, into: &out)
        out.append(0x0A)
    }
    return out
}

/// A naive pipeline a developer might write with Foundation: parse into dictionaries, walk them for the event name
/// and fields, normalise and hash the same fields, and serialise the payload with JSONSerialization.
func naive(_ line: Data) -> Int {
    guard let event = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any],
        let data = event["data"] as? [String: Any], let name = data["eventName"] as? String,
        let meta = data["meta"] as? [String: Any], let user = meta["userData"] as? [String: Any],
        let conversion = meta["conversionData"] as? [String: Any]
    else { return 0 }
    let xdm = event["xdm"] as? [String: Any]
    let url = ((xdm?["web"] as? [String: Any])?["webPageDetails"] as? [String: Any])?["URL"] as? String
    let request = event["request"] as? [String: Any]
    let ua = (request?["headers"] as? [String: Any])?["user-agent"] as? String
    func h(_ s: String?) -> [String]? {
        guard let s else { return nil }
        return [SHA256.hexDigest(s.trimmingCharacters(in: .whitespaces).lowercased())]
    }
    var userData: [String: Any] = [:]
    userData["em"] = h(user["email"] as? String)
    userData["ph"] = h((user["phone"] as? String).map { $0.filter(\.isNumber) })
    userData["fn"] = h(user["firstName"] as? String)
    userData["ln"] = h(user["lastName"] as? String)
    userData["db"] = h((user["dateOfBirth"] as? String)?.replacingOccurrences(of: "-", with: ""))
    userData["ge"] = h((user["gender"] as? String).map { String($0.prefix(1)) })
    userData["ct"] = h((user["city"] as? String)?.replacingOccurrences(of: " ", with: ""))
    userData["st"] = h(user["state"] as? String)
    userData["zp"] = h(user["zip"] as? String)
    userData["country"] = h(user["country"] as? String)
    userData["external_id"] = h(user["externalId"] as? String)
    userData["client_ip_address"] = request?["ip"]
    userData["client_user_agent"] = ua
    let payload: [String: Any] = [
        "data": [[
            "event_name": name, "event_time": 1_764_374_400, "event_id": conversion["eventId"] ?? "",
            "event_source_url": url ?? "", "action_source": "website", "user_data": userData,
            "custom_data": conversion["customData"] ?? [:],
        ] as [String: Any]],
        "partner_agent": "naive",
    ]
    return (try? JSONSerialization.data(withJSONObject: payload))?.count ?? 0
}

func benchEngine(events count: Int, propertyDir: String) throws {
    print("== engine: quickstart edge property over \(count) generated events (parse-only, projected parse and full engine timed in alternating chunks, best of 5 rounds per chunk; the baseline runs once)")
    let corpus = generatedEvents(count)
    let mb = Double(corpus.count) / 1_048_576
    print("corpus: \(format(mb)) MiB, \(format(Double(corpus.count) / Double(count), 0) ) bytes per event")
    let load = PropertyLoader.load(try PropertySource.directory(propertyDir))
    guard let graph = Compiler.compile(load, registry: BuiltInExtensions.all.contracts).graph else {
        print("the property does not compile")
        return
    }
    // Split lines once; every measurement walks the same slices.
    let lines = lineRanges(corpus)

    // 1. Parse only, the engine's reader.
    var parsedValues = 0
    func parseOnly(_ chunk: Range<Int>) {
        corpus.withUnsafeBufferPointer { buf in
            for r in lines[chunk] {
                if (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event)) != nil { parsedValues += 1 }
            }
        }
    }
    // 2. Full engine: parse, evaluate every rule, build the dispatches and serialise what would be delivered (the
    //    Graph API request body of each Conversions API dispatch, the JSON of others). The `tagwire run` report
    //    line (every rule's outcome and each dispatch's printable form) is timed separately.
    let engine = Engine(graph: graph, extensions: BuiltInExtensions.all, secrets: SecretResolver { _ in "token" })
    let projection = engine.eventProjection
    var projectedValues = 0
    // 1b. Parse only, building what the engine reads (the rest is checked, not built).
    func projectedParseOnly(_ chunk: Range<Int>) {
        corpus.withUnsafeBufferPointer { buf in
            for r in lines[chunk] {
                if (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event, keeping: projection)) != nil { projectedValues += 1 }
            }
        }
    }
    var runner = EventRunner(engine: engine, seed: 1)
    var session = Session(seed: 1)
    var outputBytes = 0
    var dispatches = 0
    let writer = JSONWriter()
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    func fullEngine(_ chunk: Range<Int>) {
        corpus.withUnsafeBufferPointer { buf in
            for r in lines[chunk] {
                // As `tagwire run` reads events: only what the rules can read is built (the whole line is checked).
                guard let event = try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event, keeping: projection) else { continue }
                let evaluation = engine.evaluate(event, receivedAt: 1_764_374_400, session: &session)
                for d in evaluation.dispatches {
                    if let e = d.conversionsAPIEvent {
                        e.writeRequestBody(into: &out)
                    } else {
                        writer.write(d.json, into: &out)
                    }
                    dispatches += 1
                }
                outputBytes += out.count
                out.removeAll(keepingCapacity: true)
            }
        }
    }
    // The machine is shared and its speed drifts: the two are timed alternately, five times each, and the best
    // of each is kept, so both ratios come from the same stretch of time.
    // The machine is shared and its speed drifts within a run: the corpus is timed in chunks of 1,000 events, each
    // chunk parse-only, projected and full engine in turn, five rounds; each mode's time is the sum over chunks of
    // its best round, so all three come from the same stretches of time.
    let fullOnly = CommandLine.arguments.contains("--full-only")
    let chunks = stride(from: 0, to: lines.count, by: 1000).map { $0..<min($0 + 1000, lines.count) }
    var parseTimes = [Double](repeating: .infinity, count: chunks.count)
    var projectedTimes = parseTimes
    var fullTimes = parseTimes
    for _ in 0..<(fullOnly ? 3 : 5) {
        parsedValues = 0
        projectedValues = 0
        outputBytes = 0
        dispatches = 0
        for (c, chunk) in chunks.enumerated() {
            if !fullOnly {
                parseTimes[c] = min(parseTimes[c], seconds { parseOnly(chunk) })
                projectedTimes[c] = min(projectedTimes[c], seconds { projectedParseOnly(chunk) })
            }
            fullTimes[c] = min(fullTimes[c], seconds { fullEngine(chunk) })
        }
    }
    let parse = parseTimes.reduce(0, +)
    let projected = projectedTimes.reduce(0, +)
    let full = fullTimes.reduce(0, +)
    if CommandLine.arguments.contains("--full-only") {
        print("full engine: \(format(mb / full, 1)) MB/s")
        return
    }
    var reportBytes = 0
    let report = best {
        reportBytes = 0
        corpus.withUnsafeBufferPointer { buf in
            for (i, r) in lines.enumerated() {
                let result = runner.evaluateLine(UnsafeBufferPointer(rebasing: buf[r]), index: i, lineNumber: i + 1, receivedAt: 1_764_374_400)
                writer.write(result, into: &out)
                out.append(0x0A)
                reportBytes += out.count
                out.removeAll(keepingCapacity: true)
            }
        }
    }
    // 3. Naive Foundation baseline, on a sample when the corpus is large (it is slow); rates are per event.
    let sample = CommandLine.arguments.contains("--no-baseline") ? 1 : min(lines.count, 20_000)
    var naiveBytes = 0
    let naiveTime = seconds {
        for r in lines.prefix(sample) { naiveBytes += naive(Data(corpus[r])) }
    }
    let parseRate = mb / parse
    let engineRate = mb / full
    let naiveEventsPerSecond = Double(sample) / naiveTime
    let engineEventsPerSecond = Double(count) / full
    print("parse only (engine reader):  \(format(parseRate, 1)) MB/s, \(format(Double(count) / parse, 0)) events/s (\(parsedValues) parsed)")
    print("parse only, projected:       \(format(mb / projected, 1)) MB/s (what the engine builds of each event: \(projection.map { "\($0.paths.count) paths" } ?? "all of it"))")
    print("full engine:                 \(format(engineRate, 1)) MB/s, \(format(engineEventsPerSecond, 0)) events/s (\(dispatches) dispatches, \(format(Double(outputBytes) / 1_048_576)) MiB out)")
    print("naive Foundation baseline:   \(format(naiveEventsPerSecond * Double(corpus.count) / Double(count) / 1_048_576, 1)) MB/s, \(format(naiveEventsPerSecond, 0)) events/s (sample of \(sample))")
    print("tagwire run report lines:    \(format(mb / report, 1)) MB/s, \(format(Double(count) / report, 0)) events/s (\(format(Double(reportBytes) / 1_048_576)) MiB of report)")
    print("ratio engine / parse-only:   \(format(engineRate / parseRate))")
    print("ratio engine / naive:        \(format(engineEventsPerSecond / naiveEventsPerSecond))x")
    print("peak memory:                 \(format(peakMemoryMB(), 1)) MB")
}

// MARK: meta

/// The naive way: Foundation string handling, dictionaries and JSONSerialization.
func naiveMeta(_ s: [String: Any]) -> Int {
    func clean(_ v: Any?) -> String? {
        guard let t = (v as? String)?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !t.isEmpty else { return nil }
        return t
    }
    func hash(_ v: String?) -> [String]? { v.map { [SHA256.hexDigest($0)] } }
    var ud: [String: Any] = [:]
    ud["em"] = hash(clean(s["email"]))
    ud["ph"] = hash(clean(s["phone"]).map { $0.components(separatedBy: CharacterSet.decimalDigits.inverted).joined() })
    ud["fn"] = hash(clean(s["firstName"]).map { $0.components(separatedBy: CharacterSet.punctuationCharacters).joined() })
    ud["ln"] = hash(clean(s["lastName"]).map { $0.components(separatedBy: CharacterSet.punctuationCharacters).joined() })
    ud["db"] = hash(clean(s["dob"]).map { $0.replacingOccurrences(of: "-", with: "") })
    ud["ge"] = hash(clean(s["gender"]).map { String($0.prefix(1)) })
    ud["ct"] = hash(clean(s["city"]).map { $0.components(separatedBy: CharacterSet.alphanumerics.inverted).joined() })
    ud["st"] = hash(clean(s["state"]))
    ud["zp"] = hash(clean(s["zip"]).map { $0.components(separatedBy: "-")[0] })
    ud["country"] = hash(clean(s["country"]))
    ud["external_id"] = hash(clean(s["externalId"]))
    ud["client_ip_address"] = s["clientIpAddress"]
    ud["client_user_agent"] = s["clientUserAgent"]
    ud["fbc"] = s["fbc"]
    ud["fbp"] = s["fbp"]
    let event: [String: Any] = [
        "event_name": s["eventName"] ?? "", "event_time": 1_764_374_400, "event_id": s["eventId"] ?? "",
        "event_source_url": s["eventSourceUrl"] ?? "", "action_source": "website", "user_data": ud,
        "custom_data": s["customData"] ?? [:], "data_processing_options": [String](),
    ]
    return (try? JSONSerialization.data(withJSONObject: ["data": [event], "partner_agent": "naive"]))?.count ?? 0
}

func benchMeta(events count: Int) {
    print("== meta: normalise + hash + encode one Conversions API event (\(count) events; best of 3 runs)")
    var settingsList: [JSONObject] = []
    var foundationList: [[String: Any]] = []
    for i in 0..<count {
        let settings: JSONValue = [
            "eventName": "Purchase", "eventId": .string("order-\(i)"), "eventSourceUrl": "https://shop.example.com/checkout/thanks",
            "email": .string(" Customer.\(i % 5000)@Example.com "), "phone": "+1 (650) 555-1212", "firstName": "Jane", "lastName": "O'Doe",
            "dob": "1990-02-16", "gender": "female", "city": "Menlo Park", "state": "CA", "zip": "94025-1234", "country": "US",
            "externalId": .string("cust-\(i)"), "clientIpAddress": "203.0.113.7",
            "clientUserAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "fbc": "fb.1.1554763741205.AbCdEfGh", "fbp": "fb.1.1596403881668.1116446470",
            "customData": ["value": 129.5, "currency": "USD", "content_ids": ["SKU-1", "SKU-2"], "content_type": "product", "num_items": 2],
        ]
        settingsList.append(settings.objectValue ?? JSONObject())
        if CommandLine.arguments.contains("--no-baseline") { continue }
        if let any = try? JSONSerialization.jsonObject(with: Data(JSONWriter().bytes(settings))) as? [String: Any] { foundationList.append(any) }
    }
    let builder = ConversionEventBuilder()
    var bytes = 0
    var out: [UInt8] = []
    out.reserveCapacity(4096)
    let repeats = CommandLine.arguments.contains("--profile") ? 20 : 3
    let ours = best(repeats) {
        bytes = 0
        for s in settingsList {
            guard case .success(let built) = builder.build(s, receivedAt: 1_764_374_400, now: 1_764_374_400) else { continue }
            out += ConversionEventBuilder.requestBody(events: [built.bytes], testEventCode: nil, partnerAgent: "tagwire")
            bytes += out.count
            out.removeAll(keepingCapacity: true)
        }
    }
    var naiveBytes = 0
    let naive = CommandLine.arguments.contains("--no-baseline") ? 1 : best {
        naiveBytes = 0
        for s in foundationList { naiveBytes += naiveMeta(s) }
    }
    print("tagwire:  \(format(Double(count) / ours, 0)) events/s (\(format(ours * 1e6 / Double(count), 1)) µs per event, \(bytes / count) bytes)")
    print("naive:    \(format(Double(count) / naive, 0)) events/s (\(format(naive * 1e6 / Double(count), 1)) µs per event, \(naiveBytes / max(1, count)) bytes)")
    print("ratio tagwire / naive: \(format(naive / ours))x")
}

var arguments = Array(CommandLine.arguments.dropFirst())

/// The value after flag `name` (`--port 18280`), when there is one.
@MainActor func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

var eventCount = 100_000
if let n = option("--events").flatMap(Int.init), let i = arguments.firstIndex(of: "--events") {
    eventCount = n
    arguments.removeSubrange(i...(i + 1))
}
let which = arguments.first ?? "all"
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
if which == "parse" {
    // Profiling aid: parse the corpus ten times, nothing else.
    let corpus = generatedEvents(eventCount)
    let lines = lineRanges(corpus)
    var n = 0
    let t = seconds {
        corpus.withUnsafeBufferPointer { buf in
            for _ in 0..<10 {
                for r in lines where (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event)) != nil { n += 1 }
            }
        }
    }
    print("parse: \(format(Double(corpus.count) * 10 / 1_048_576 / t, 1)) MB/s (\(n) values)")
}
if which == "bare-server" {
    // The load test's baseline route (scripts/bench-serve.sh): runs until SIGTERM.
    let port = option("--port").flatMap(Int.init) ?? 18_280
    do {
        // --store DIR: each body stored durably (SQLite outbox, group commits) before the 202.
        try await runBareServer(port: port, onEventLoops: arguments.contains("--event-loops"), storeIn: option("--store"))
    } catch {
        print("bare server failed: \(error)")
    }
}
if which == "parts" {
    do {
        try benchParts(events: min(eventCount, 20_000), propertyDir: root.appendingPathComponent("Properties/meta-quickstart-edge").path)
        try await benchCommitter()
    } catch {
        print("parts benchmark failed: \(error)")
    }
}
if which == "compile" || which == "all" { benchCompile() }
if which == "meta" || which == "all" { benchMeta(events: min(eventCount, 50_000)) }
if which == "delivery" {
    do {
        try await benchDelivery(events: min(eventCount, 200_000))
    } catch {
        print("delivery benchmark failed: \(error)")
    }
}
if which == "engine" || which == "all" {
    do {
        try benchEngine(events: eventCount, propertyDir: root.appendingPathComponent("Properties/meta-quickstart-edge").path)
    } catch {
        print("engine benchmark failed: \(error)")
    }
}
