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

/// The naive way: Foundation string handling, dictionaries and JSONSerialization.
func naiveMeta(_ s: [String: Any]) -> Int {
    func clean(_ v: Any?) -> String? {
        guard let t = (v as? String)?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !t.isEmpty else {
            return nil
        }
        return t
    }
    func hash(_ v: String?) -> [String]? { v.map { [SHA256.hexDigest($0)] } }
    var ud: [String: Any] = [:]
    ud["em"] = hash(clean(s["email"]))
    ud["ph"] = hash(clean(s["phone"]).map { $0.components(separatedBy: CharacterSet.decimalDigits.inverted).joined() })
    ud["fn"] = hash(
        clean(s["firstName"]).map { $0.components(separatedBy: CharacterSet.punctuationCharacters).joined() }
    )
    ud["ln"] = hash(
        clean(s["lastName"]).map { $0.components(separatedBy: CharacterSet.punctuationCharacters).joined() }
    )
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
            "eventName": "Purchase", "eventId": .string("order-\(i)"),
            "eventSourceUrl": "https://shop.example.com/checkout/thanks",
            "email": .string(" Customer.\(i % 5000)@Example.com "), "phone": "+1 (650) 555-1212", "firstName": "Jane",
            "lastName": "O'Doe",
            "dob": "1990-02-16", "gender": "female", "city": "Menlo Park", "state": "CA", "zip": "94025-1234",
            "country": "US",
            "externalId": .string("cust-\(i)"), "clientIpAddress": "203.0.113.7",
            "clientUserAgent":
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "fbc": "fb.1.1554763741205.AbCdEfGh", "fbp": "fb.1.1596403881668.1116446470",
            "customData": [
                "value": 129.5, "currency": "USD", "content_ids": ["SKU-1", "SKU-2"], "content_type": "product",
                "num_items": 2,
            ],
        ]
        settingsList.append(settings.objectValue ?? JSONObject())
        if CommandLine.arguments.contains("--no-baseline") { continue }
        if let any = try? JSONSerialization.jsonObject(with: Data(JSONWriter().bytes(settings))) as? [String: Any] {
            foundationList.append(any)
        }
    }
    let builder = ConversionEventBuilder()
    var bytes = 0
    var out: [UInt8] = []
    out.reserveCapacity(4096)
    let repeats = CommandLine.arguments.contains("--profile") ? 20 : 3
    let ours = best(repeats) {
        bytes = 0
        for s in settingsList {
            guard case .success(let built) = builder.build(s, receivedAt: 1_764_374_400, now: 1_764_374_400) else {
                continue
            }
            out += ConversionEventBuilder.requestBody(
                events: [built.bytes],
                testEventCode: nil,
                partnerAgent: "tagwire"
            )
            bytes += out.count
            out.removeAll(keepingCapacity: true)
        }
    }
    var naiveBytes = 0
    let naive =
        CommandLine.arguments.contains("--no-baseline")
        ? 1
        : best {
            naiveBytes = 0
            for s in foundationList { naiveBytes += naiveMeta(s) }
        }
    print(
        "tagwire:  \(format(Double(count) / ours, 0)) events/s (\(format(ours * 1e6 / Double(count), 1)) µs per event, \(bytes / count) bytes)"
    )
    print(
        "naive:    \(format(Double(count) / naive, 0)) events/s (\(format(naive * 1e6 / Double(count), 1)) µs per event, \(naiveBytes / max(1, count)) bytes)"
    )
    print("ratio tagwire / naive: \(format(naive / ours))x")
}
