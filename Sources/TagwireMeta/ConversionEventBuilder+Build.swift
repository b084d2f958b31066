import Foundation
import TagwireJSON

/// Building one event: settings read, normalised, hashed and checked against Meta's rules, in one pass.
extension ConversionEventBuilder {
    static func present(_ v: JSONValue?) -> JSONValue? {
        switch v {
        case nil, .null?: return nil
        case .string(let s)? where TextTools.isBlank(s): return nil
        default: return v
        }
    }

    /// Text of a value that stands for text: numbers as their digits, never in exponent form or with `.0` when
    /// integral (an integer too large for a `Double` keeps the digits it was written with).
    static func text(_ v: JSONValue) -> String? {
        switch v {
        case .string(let s): return s
        case .bigInteger(let digits): return digits
        case .number(let n):
            guard n == n.rounded(), n.isFinite else { return String(n) }
            if abs(n) < 9.2e18 { return String(Int64(n)) }
            return String(format: "%.0f", n)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    static func bool(_ v: JSONValue?) -> Bool? {
        switch v {
        case .bool(let b)?: return b
        case .string(let s)?: return s == "true" ? true : (s == "false" ? false : nil)
        case .number(let n)?: return n != 0
        default: return nil
        }
    }

    /// Builds the event; `receivedAt` (Unix seconds) is the default `event_time` and `now` the validation clock.
    public func build(_ settings: JSONObject, receivedAt: Double, now: Double) -> Result<Built, Rejection> {
        build(fields: Fields(settings), receivedAt: receivedAt, now: now)
    }

    /// Builds the event from settings already placed by key.
    public func build(fields settings: Fields, receivedAt: Double, now: Double) -> Result<Built, Rejection> {
        var warnings: [String] = []
        guard let eventName = Self.present(settings[.eventName]).flatMap(Self.text), !eventName.isEmpty else {
            return .failure(Rejection(field: "event_name", reason: "is missing"))
        }
        guard eventName.utf8.count <= 50 || eventName.count <= 50 else {
            return .failure(Rejection(field: "event_name", reason: "'\(eventName)' is longer than 50 characters"))
        }
        // event_time: integer seconds; numeric strings and millisecond values are accepted and converted.
        var eventTime = receivedAt.rounded(.down)
        if let raw = Self.present(settings[.eventTime]) {
            var n: Double?
            switch raw {
            case .number(let x): n = x
            case .bigInteger(let digits): n = Double(digits)
            case .string(let s): n = Double(TextTools.trimmed(s))
            default: n = nil
            }
            guard var t = n, t.isFinite, t > 0 else {
                return .failure(Rejection(field: "event_time", reason: "'\(raw)' is not a Unix time in seconds"))
            }
            if t > 100_000_000_000 { t /= 1000 }
            eventTime = t.rounded(.down)
        }
        let actionSource = Self.present(settings[.actionSource]).flatMap(Self.text) ?? "website"
        guard metaActionSourceValues.contains(actionSource) else {
            return .failure(
                Rejection(
                    field: "action_source",
                    reason: "'\(actionSource)' is not one of \(metaActionSourceValues.joined(separator: ", "))"
                )
            )
        }
        let oldest = now - (actionSource == "physical_store" ? maxAgePhysicalStore : maxAge)
        if eventTime < oldest {
            return .failure(
                Rejection(
                    field: "event_time",
                    reason:
                        "\(Int64(eventTime)) is older than Meta accepts (\(actionSource == "physical_store" ? 62 : 7) days)"
                )
            )
        }
        if eventTime > now + maxFuture {
            return .failure(Rejection(field: "event_time", reason: "\(Int64(eventTime)) is in the future"))
        }

        // The event is written as JSON bytes in one pass, members in Meta's documented order.
        var out: [UInt8] = []
        out.reserveCapacity(1536)
        JSONWriter.writeRaw(#"{"event_name":"#, into: &out)
        JSONWriter.writeString(eventName, into: &out)
        JSONWriter.writeRaw(#","event_time":"#, into: &out)
        JSONWriter.writeNumber(eventTime, into: &out)
        var eventID: String?
        switch Self.eventID(settings[.eventId]) {
        case .success(let id): eventID = id
        case .failure(let problem):
            guard sendsWithoutInvalidEventID else { return .failure(problem) }
            warnings.append("\(problem.message); sent without event_id, so Meta cannot deduplicate it")
        }
        if let eventID {
            JSONWriter.writeRaw(#","event_id":"#, into: &out)
            JSONWriter.writeString(eventID, into: &out)
        }
        var sourceURL = Self.present(settings[.eventSourceUrl]).flatMap(Self.text)
        if let written = sourceURL, !keepsEmailsInURLs {
            let (url, removed) = Self.withoutEmailParameters(written)
            if removed > 0 {
                sourceURL = url
                warnings.append("event_source_url: \(removed) query parameter(s) holding an email address removed")
            }
        }
        if let sourceURL {
            guard sourceURL.hasPrefix("http://") || sourceURL.hasPrefix("https://") else {
                return .failure(
                    Rejection(field: "event_source_url", reason: "'\(sourceURL)' must start with http:// or https://")
                )
            }
            JSONWriter.writeRaw(#","event_source_url":"#, into: &out)
            JSONWriter.writeString(sourceURL, into: &out)
        }
        if var referrer = Self.present(settings[.referrerUrl]).flatMap(Self.text) {
            if !keepsEmailsInURLs {
                let (url, removed) = Self.withoutEmailParameters(referrer)
                if removed > 0 {
                    referrer = url
                    warnings.append("referrer_url: \(removed) query parameter(s) holding an email address removed")
                }
            }
            JSONWriter.writeRaw(#","referrer_url":"#, into: &out)
            JSONWriter.writeString(referrer, into: &out)
        }
        JSONWriter.writeRaw(#","action_source":"#, into: &out)
        JSONWriter.writeString(actionSource, into: &out)
        if let optOut = Self.bool(Self.present(settings[.optOut])) {
            JSONWriter.writeRaw(optOut ? #","opt_out":true"# : #","opt_out":false"#, into: &out)
        }
        if Self.bool(settings[.lduEnabled]) == true {
            JSONWriter.writeRaw(
                #","data_processing_options":["LDU"],"data_processing_options_country":0,"data_processing_options_state":0"#,
                into: &out
            )
        } else {
            JSONWriter.writeRaw(#","data_processing_options":[]"#, into: &out)
        }

        // user_data
        JSONWriter.writeRaw(#","user_data":{"#, into: &out)
        var userDataMembers = 0
        var hasUserAgent = false
        let countryHint = Self.present(settings[.country]).flatMap(Self.text).flatMap(Normalization.country)
        for (setting, key, hashed) in Self.userDataKeys {
            guard let raw = Self.present(settings[setting]) else { continue }
            if let hashedKey = hashed {
                // The member is written as it goes (hashes straight into the output) and taken back when no value
                // is left.
                let memberStart = out.count
                Self.writeMemberKey(key, first: userDataMembers == 0, into: &out)
                out.append(0x5B)
                // Where each distinct hash of this member was written (usually one: no array is made for it).
                var first: Range<Int>?
                var more: [Range<Int>] = []
                if case .array(let inputs) = raw {
                    for input in inputs {
                        appendHash(
                            input,
                            key: hashedKey,
                            country: countryHint,
                            into: &out,
                            first: &first,
                            more: &more,
                            warnings: &warnings
                        )
                    }
                } else {
                    appendHash(
                        raw,
                        key: hashedKey,
                        country: countryHint,
                        into: &out,
                        first: &first,
                        more: &more,
                        warnings: &warnings
                    )
                }
                if first == nil {
                    out.removeLast(out.count - memberStart)
                    continue
                }
                out.append(0x5D)
                userDataMembers += 1
            } else {
                guard let s = Self.text(raw).map(TextTools.trimmed), !s.isEmpty else {
                    warnings.append("user_data.\(key): expected text, got \(raw.typeName); left out")
                    continue
                }
                // The value is not repeated in the warning: an address is personal data.
                if key == "client_ip_address", !Self.isIPAddress(s) {
                    warnings.append("user_data.client_ip_address: not an IPv4 or IPv6 address; left out")
                    continue
                }
                if key == "fbc" || key == "fbp", !EventMatchQuality.isCookieID(s) {
                    warnings.append("user_data.\(key): not in Meta's fb.<index>.<time>.<value> format; sent as given")
                }
                Self.writeMemberKey(key, first: userDataMembers == 0, into: &out)
                if key == "fb_login_id" || key == "lead_id", let n = Int64(s) {
                    JSONWriter.writeNumber(Double(n), into: &out)
                } else {
                    JSONWriter.writeString(s, into: &out)
                }
                if key == "client_user_agent" { hasUserAgent = true }
                userDataMembers += 1
            }
        }
        if fbcFromEventSourceURL, Self.present(settings[.fbc]) == nil, let sourceURL,
            let clickID = Self.clickID(inURL: sourceURL)
        {
            Self.writeMemberKey("fbc", first: userDataMembers == 0, into: &out)
            JSONWriter.writeString("fb.1.\(Int64((eventTime * 1000).rounded(.down))).\(clickID)", into: &out)
            userDataMembers += 1
        }
        out.append(0x7D)
        if actionSource == "website" {
            guard sourceURL != nil else {
                return .failure(
                    Rejection(field: "event_source_url", reason: "is required when action_source is website")
                )
            }
            guard hasUserAgent else {
                return .failure(
                    Rejection(field: "user_data.client_user_agent", reason: "is required when action_source is website")
                )
            }
        }
        if userDataMembers == 0 {
            return .failure(Rejection(field: "user_data", reason: "has no customer information parameters"))
        }

        // custom_data: an object, or JSON text of one. A string `value` becomes a number and `currency` is
        // written lowercase, each in its place.
        var hasCurrency = false
        var hasValue = false
        if let raw = Self.present(settings[.customData]) {
            let custom: JSONObject
            switch raw {
            case .object(let o): custom = o
            case .string(let s):
                guard case .object(let o)? = try? JSONReader.parse(s) else {
                    return .failure(Rejection(field: "custom_data", reason: "is text that is not a JSON object"))
                }
                custom = o
            default:
                return .failure(Rejection(field: "custom_data", reason: "must be an object, not \(raw.typeName)"))
            }
            // Checked before writing, currency first.
            var currencyCode: String?
            if let currency = custom["currency"] {
                guard let code = currency.stringValue,
                    Regions.currencies.contains(TextTools.asciiCased(code, upper: true) ?? code.uppercased())
                else {
                    let shown = Self.text(currency) ?? currency.typeName
                    return .failure(
                        Rejection(field: "custom_data.currency", reason: "'\(shown)' is not an ISO 4217 currency code")
                    )
                }
                currencyCode = TextTools.asciiCased(code, upper: false) ?? code.lowercased()
            }
            var value: Double?
            if let v = custom["value"] {
                switch v {
                case .number(let n): value = n
                case .bigInteger(let digits): value = Double(digits)
                case .string(let s): value = Double(s)
                default: value = nil
                }
                guard value != nil else {
                    return .failure(Rejection(field: "custom_data.value", reason: "must be a number"))
                }
            }
            hasCurrency = currencyCode != nil
            hasValue = value != nil
            if !custom.isEmpty {
                let writer = JSONWriter()
                JSONWriter.writeRaw(#","custom_data":{"#, into: &out)
                for (i, member) in custom.members.enumerated() {
                    if i > 0 { out.append(0x2C) }
                    JSONWriter.writeString(member.key, into: &out)
                    out.append(0x3A)
                    if member.key == "value", let value {
                        JSONWriter.writeNumber(value, into: &out)
                    } else if member.key == "currency", let currencyCode {
                        JSONWriter.writeString(currencyCode, into: &out)
                    } else {
                        writer.write(member.value, into: &out)
                    }
                }
                out.append(0x7D)
            }
        }
        if eventName == "Purchase" {
            if !hasCurrency {
                return .failure(Rejection(field: "custom_data.currency", reason: "is required for Purchase events"))
            }
            if !hasValue {
                return .failure(Rejection(field: "custom_data.value", reason: "is required for Purchase events"))
            }
        }
        if actionSource == "app" {
            guard case .object(let app)? = Self.present(settings[.appData]) else {
                return .failure(Rejection(field: "app_data", reason: "is required when action_source is app"))
            }
            guard case .array(let extinfo)? = app["extinfo"], extinfo.count == 16 else {
                return .failure(Rejection(field: "app_data.extinfo", reason: "must be an array of 16 strings"))
            }
            guard app["advertiser_tracking_enabled"] != nil else {
                return .failure(
                    Rejection(
                        field: "app_data.advertiser_tracking_enabled",
                        reason: "is required when action_source is app"
                    )
                )
            }
            JSONWriter.writeRaw(#","app_data":"#, into: &out)
            JSONWriter().write(.object(app), into: &out)
        }
        out.append(0x7D)
        var testCode: String?
        if Self.bool(settings[.isTestEvent]) == true {
            testCode = Self.present(settings[.testEventCode]).flatMap(Self.text)
            if testCode == nil {
                return .failure(Rejection(field: "test_event_code", reason: "is required when isTestEvent is true"))
            }
        }
        return .success(
            Built(
                bytes: out,
                eventName: eventName,
                eventID: eventID,
                eventTime: eventTime,
                testEventCode: testCode,
                warnings: warnings
            )
        )
    }

    /// The event id as text: nil when none is given (no setting, or a data element with no value); a failure when
    /// one is given that cannot be an id, since an event sent without one is never deduplicated.
    static func eventID(_ value: JSONValue?) -> Result<String?, Rejection> {
        switch value {
        case nil, .null?: return .success(nil)
        case .string(let s)? where TextTools.isBlank(s):
            return .failure(Rejection(field: "event_id", reason: "is empty"))
        case .array?: return .failure(Rejection(field: "event_id", reason: "is an array, not text or a number"))
        case .object?: return .failure(Rejection(field: "event_id", reason: "is an object, not text or a number"))
        case .bool?: return .failure(Rejection(field: "event_id", reason: "is a boolean, not text or a number"))
        case let v?:
            return .success(text(v))
        }
    }

    /// The `fbclid` query parameter of a URL (percent-decoded; case kept: Meta's click ids are case-sensitive), or
    /// nil when it has none or an empty one.
    static func clickID(inURL url: String) -> String? {
        // Most URLs have none: a byte search first, so that they are not parsed.
        guard Self.containsClickID(url), let query = URLComponents(string: url)?.queryItems else { return nil }
        guard let value = query.first(where: { $0.name == "fbclid" })?.value, !value.isEmpty else { return nil }
        return value
    }

    /// A well-formed IPv4 dotted quad (four decimal octets up to 255, no leading zeros), by bytes: the common case,
    /// without the C string `inet_pton` needs. Anything else is left to `inet_pton`.
    static func isDottedQuad(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { b -> Bool in
            var parts = 0
            var i = 0
            while i < b.count {
                var value = 0
                var digits = 0
                let start = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39, digits < 4 {
                    value = value * 10 + Int(b[i] - 0x30)
                    digits += 1
                    i += 1
                }
                guard digits > 0, digits <= 3, value <= 255, !(digits > 1 && b[start] == 0x30) else { return false }
                parts += 1
                if i == b.count { break }
                guard b[i] == 0x2E, parts < 4 else { return false }
                i += 1
                guard i < b.count else { return false }
            }
            return parts == 4
        }
    }

    /// Whether the URL's bytes hold `fbclid=` (no String search, which goes through Foundation on Linux).
    static func containsClickID(_ url: String) -> Bool {
        let needle: [UInt8] = Array("fbclid=".utf8)
        var copy = url
        return copy.withUTF8 { buf -> Bool in
            guard buf.count >= needle.count else { return false }
            for i in 0...(buf.count - needle.count) where buf[i] == 0x66 {
                var k = 1
                while k < needle.count, buf[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            return false
        }
    }

    /// Whether `s` is an IPv4 address (dotted quad) or an IPv6 address, as `inet_pton` reads them.
    static func isIPAddress(_ s: String) -> Bool {
        guard s.utf8.count <= 45 else { return false }
        if isDottedQuad(s) { return true }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}
