import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaExtensions
import TagwireModel
import TagwireRuntime

func generatedEvents(_ count: Int) -> [UInt8] {
    let names = [
        "PageView", "ViewContent", "AddToCart", "InitiateCheckout", "AddPaymentInfo", "Purchase", "Search", "Lead",
        "CompleteRegistration", "Subscribe",
    ]
    var out: [UInt8] = []
    out.reserveCapacity(count * 2600)
    let writer = JSONWriter()
    var rng = SystemRandomNumberGenerator()
    for i in 0..<count {
        let name = names[i % names.count]
        let contents: [JSONValue] = (0..<4).map { k in
            [
                "id": .string("SKU-\(i % 1000)-\(k)"), "quantity": .number(Double(k + 1)),
                "item_price": .number(Double(10 + k) + 0.99),
                "title": .string("Product number \(k) with a longer descriptive title"),
            ]
        }
        let event: JSONValue = [
            "xdm": [
                "eventType": .string(name), "timestamp": "2026-11-29T00:00:00Z",
                "_id": .string("evt-\(i)-\(UInt32.random(in: 0...UInt32.max, using: &rng))"),
                "web": [
                    "webPageDetails": [
                        "URL": .string(
                            "https://shop.example.com/products/item-\(i % 500)?utm_source=newsletter&utm_medium=email"
                        ), "name": "Product page",
                    ],
                    "webReferrer": ["URL": "https://www.google.com/search?q=trail+shoes"],
                ],
                "device": [
                    "screenHeight": 1080, "screenWidth": 1920, "type": "desktop", "manufacturer": "Framework",
                    "model": "Laptop 13",
                ],
                "commerce": [
                    "order": [
                        "purchaseID": .string("order-\(i)"), "currencyCode": "USD", "priceTotal": 129.5,
                        "payments": [
                            ["paymentType": "credit_card", "paymentAmount": 129.5, "transactionID": .string("tx-\(i)")]
                        ],
                    ],
                    "productListAdds": ["value": 1],
                ],
                "placeContext": [
                    "localTime": "2026-11-29T01:00:00+01:00", "localTimezoneOffset": -60,
                    "geo": ["countryCode": "US", "stateProvince": "CA", "city": "Menlo Park", "postalCode": "94025"],
                ],
                "marketing": [
                    "trackingCode": "newsletter-2026-11", "campaignGroup": "winter-sale",
                    "campaignName": "Trail shoes winter sale",
                ],
                "environment": [
                    "browserDetails": [
                        "userAgent":
                            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
                    ]
                ],
            ],
            "data": [
                "eventName": .string(name),
                "cookies": [
                    "fbp": "fb.1.1596403881668.1116446470", "fbc": "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz",
                ],
                "meta": [
                    "userData": [
                        "email": .string("Customer.\(i % 10000)@Example.com"), "phone": "(650) 555-1212",
                        "firstName": "Jane", "lastName": "Doe",
                        "dateOfBirth": "1990-02-16", "gender": "female", "city": "Menlo Park", "state": "CA",
                        "zip": "94025", "country": "US",
                        "externalId": .string("cust-\(i % 10000)"),
                    ],
                    "conversionData": [
                        "eventId": .string("id-\(i)"),
                        "customData": [
                            "value": 129.5, "currency": "USD", "content_type": "product", "num_items": 4,
                            "contents": .array(contents),
                            "content_ids": .array(contents.map { $0["id"] ?? .null }),
                        ],
                    ],
                ],
            ],
            "request": [
                "ip": "203.0.113.7",
                "headers": [
                    "user-agent":
                        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                    "accept": "application/json", "accept-language": "en-US,en;q=0.9",
                    "origin": "https://shop.example.com",
                    "referer": "https://shop.example.com/products/item", "x-forwarded-for": "203.0.113.7, 10.0.0.1",
                    "content-type": "application/json",
                ],
            ],
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
        "data": [
            [
                "event_name": name, "event_time": 1_764_374_400, "event_id": conversion["eventId"] ?? "",
                "event_source_url": url ?? "", "action_source": "website", "user_data": userData,
                "custom_data": conversion["customData"] ?? [:],
            ] as [String: Any]
        ],
        "partner_agent": "naive",
    ]
    return (try? JSONSerialization.data(withJSONObject: payload))?.count ?? 0
}

func benchEngine(events count: Int, propertyDir: String) throws {
    print(
        "== engine: quickstart edge property over \(count) generated events (parse-only, projected parse and full engine timed in alternating chunks, best of 5 rounds per chunk; the baseline runs once)"
    )
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
                if (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event)) != nil {
                    parsedValues += 1
                }
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
                if (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event, keeping: projection))
                    != nil
                {
                    projectedValues += 1
                }
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
                guard
                    let event = try? JSONReader.parse(
                        UnsafeBufferPointer(rebasing: buf[r]),
                        options: .event,
                        keeping: projection
                    )
                else { continue }
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
                let result = runner.evaluateLine(
                    UnsafeBufferPointer(rebasing: buf[r]),
                    index: i,
                    lineNumber: i + 1,
                    receivedAt: 1_764_374_400
                )
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
    print(
        "parse only (engine reader):  \(format(parseRate, 1)) MB/s, \(format(Double(count) / parse, 0)) events/s (\(parsedValues) parsed)"
    )
    print(
        "parse only, projected:       \(format(mb / projected, 1)) MB/s (what the engine builds of each event: \(projection.map { "\($0.paths.count) paths" } ?? "all of it"))"
    )
    print(
        "full engine:                 \(format(engineRate, 1)) MB/s, \(format(engineEventsPerSecond, 0)) events/s (\(dispatches) dispatches, \(format(Double(outputBytes) / 1_048_576)) MiB out)"
    )
    print(
        "naive Foundation baseline:   \(format(naiveEventsPerSecond * Double(corpus.count) / Double(count) / 1_048_576, 1)) MB/s, \(format(naiveEventsPerSecond, 0)) events/s (sample of \(sample))"
    )
    print(
        "tagwire run report lines:    \(format(mb / report, 1)) MB/s, \(format(Double(count) / report, 0)) events/s (\(format(Double(reportBytes) / 1_048_576)) MiB of report)"
    )
    print("ratio engine / parse-only:   \(format(engineRate / parseRate))")
    print("ratio engine / naive:        \(format(engineEventsPerSecond / naiveEventsPerSecond))x")
    print("peak memory:                 \(format(peakMemoryMB(), 1)) MB")
}

/// Parses the generated corpus ten times, nothing else.
func benchParse(events count: Int) {
    let corpus = generatedEvents(count)
    let lines = lineRanges(corpus)
    var n = 0
    let t = seconds {
        corpus.withUnsafeBufferPointer { buf in
            for _ in 0..<10 {
                for r in lines
                where (try? JSONReader.parse(UnsafeBufferPointer(rebasing: buf[r]), options: .event)) != nil { n += 1 }
            }
        }
    }
    print("parse: \(format(Double(corpus.count) * 10 / 1_048_576 / t, 1)) MB/s (\(n) values)")
}
