import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireRuntime

/// A Conversions API event a rule produced, kept as the bytes delivery sends.
public struct ConversionsAPIEvent: DispatchBody, Hashable {
    public var pixelID: String
    public var graphApiVersion: String
    /// The event, built and written once (its `bytes` are what is sent).
    public var built: ConversionEventBuilder.Built
    /// `partner_agent` of the request.
    public var partnerAgent: String

    /// An event for a pixel.
    public init(pixelID: String, graphApiVersion: String, built: ConversionEventBuilder.Built, partnerAgent: String) {
        self.pixelID = pixelID
        self.graphApiVersion = graphApiVersion
        self.built = built
        self.partnerAgent = partnerAgent
    }

    /// The Graph API request body that sends this event alone.
    public var requestBody: [UInt8] {
        ConversionEventBuilder.requestBody(
            events: [built.bytes],
            testEventCode: built.testEventCode,
            partnerAgent: partnerAgent
        )
    }

    /// Appends ``requestBody`` to `out`.
    public func writeRequestBody(into out: inout [UInt8]) {
        ConversionEventBuilder.writeRequestBody(
            events: [built.bytes],
            testEventCode: built.testEventCode,
            partnerAgent: partnerAgent,
            into: &out
        )
    }

    /// The dispatch's printable form (the event read back from its bytes).
    public func json(rule: String) -> JSONValue {
        let payload = ConversionEventBuilder.requestBody(
            events: [built.event],
            testEventCode: built.testEventCode,
            partnerAgent: partnerAgent
        )
        var m: [(String, JSONValue)] = [
            ("destination", "meta-capi"), ("rule", .string(rule)), ("pixelId", .string(pixelID)),
            ("graphApiVersion", .string(graphApiVersion)), ("payload", payload),
        ]
        if !built.warnings.isEmpty { m.append(("warnings", .array(built.warnings.map(JSONValue.string)))) }
        return .object(JSONObject(uniqueKeys: m))
    }

    /// The printable form written with the event's own bytes (written as `JSONWriter` writes them), never read back.
    public func write(rule: String, into out: inout [UInt8]) {
        JSONWriter.writeRaw(#"{"destination":"meta-capi","rule":"#, into: &out)
        JSONWriter.writeString(rule, into: &out)
        JSONWriter.writeRaw(#","pixelId":"#, into: &out)
        JSONWriter.writeString(pixelID, into: &out)
        JSONWriter.writeRaw(#","graphApiVersion":"#, into: &out)
        JSONWriter.writeString(graphApiVersion, into: &out)
        JSONWriter.writeRaw(#","payload":"#, into: &out)
        writeRequestBody(into: &out)
        if !built.warnings.isEmpty {
            JSONWriter.writeRaw(#","warnings":["#, into: &out)
            for (i, w) in built.warnings.enumerated() {
                if i > 0 { out.append(0x2C) }
                JSONWriter.writeString(w, into: &out)
            }
            out.append(0x5D)
        }
        out.append(0x7D)
    }

    public var warningCount: Int { built.warnings.count }

    public func hasSameContent(as other: any DispatchBody) -> Bool {
        guard let other = other as? ConversionsAPIEvent else { return json(rule: "") == other.json(rule: "") }
        return self == other
    }
}

extension Dispatch {
    /// A `meta-capi` dispatch of one built event.
    public init(
        conversionsAPI event: ConversionsAPIEvent,
        rule: String,
        origin: Origin,
        credentials: DispatchCredentials,
        timeoutMs: Int? = nil
    ) {
        self.init(
            destination: "meta-capi",
            rule: rule,
            origin: origin,
            body: event,
            credentials: credentials,
            timeoutMs: timeoutMs
        )
    }

    /// For a Conversions API dispatch made by the engine: the event as delivery sends it (nil once `json` is set).
    public var conversionsAPIEvent: ConversionsAPIEvent? { body as? ConversionsAPIEvent }
}
