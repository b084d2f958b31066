import Foundation
import TagwireJSON
import TagwireMeta
import Testing

/// No customer-information value is dropped in silence: each one left out is named in the event's warnings with
/// its field and the reason, without repeating the value, and `tagwire emq` counts it.
struct DroppedValueTests {
    static func built(_ members: [(String, JSONValue)]) throws -> ConversionEventBuilder.Built {
        // An external id, so that the event has customer information left to send.
        let settings = JSONObject(
            [("eventName", "Lead"), ("actionSource", "system_generated"), ("externalId", "u1")] + members
        )
        return try ConversionEventBuilder().build(settings, receivedAt: 1_764_374_400, now: 1_764_374_400).get()
    }

    @Test(
        arguments: [
            ("email", ["a": "b@c.de"], "user_data.em: expected text, got object; left out", "em"),
            ("email", [["x@y.z"]], "user_data.em: expected text, got array; left out", "em"),
            ("phone", "call me", "user_data.ph: no digits; left out", "ph"),
            ("email", "not-an-email", "user_data.em: not an email address (local@domain.tld); left out", "em"),
            ("dob", "31/31/1997", "user_data.db: not a date of birth (a date from 1900 to 2100); left out", "db"),
            ("gender", "x", "user_data.ge: not a gender (m, f or a word for one); left out", "ge"),
            (
                "country", "Atlantis",
                "user_data.country: not a country (an ISO 3166-1 code or a country's name); left out",
                "country"
            ),
            ("firstName", " ... ", "user_data.fn: nothing left after normalisation; left out", "fn"),
            (
                "clientIpAddress", "<script>", "user_data.client_ip_address: not an IPv4 or IPv6 address; left out",
                "client_ip_address"
            ),
            (
                "clientIpAddress", .string(String(repeating: "1", count: 100_000)),
                "user_data.client_ip_address: not an IPv4 or IPv6 address; left out", "client_ip_address"
            ),
            (
                "clientIpAddress", "300.1.2.3", "user_data.client_ip_address: not an IPv4 or IPv6 address; left out",
                "client_ip_address"
            ),
        ]
            + ["1.2.3", "01.2.3.4", "1.2.3.4.", "1..2.3"].map {
                (
                    "clientIpAddress", .string($0),
                    "user_data.client_ip_address: not an IPv4 or IPv6 address; left out",
                    "client_ip_address"
                )
            } as [(String, JSONValue, String, String)]
    )
    func aDroppedValueIsNamedWithItsReason(_ setting: String, _ value: JSONValue, _ warning: String, _ key: String)
        throws
    {
        let built = try Self.built([(setting, value)])
        #expect(built.warnings.contains(warning), "\(built.warnings)")
        #expect(built.event["user_data"]?[key] == nil)
        #expect(!built.warnings.joined().contains("<script>"))
        var report = EventMatchQuality()
        report.add(event: built.event, warnings: built.warnings)
        #expect(report.rows["Lead"]?.malformed.values.reduce(0, +) == 1, "\(report.rows["Lead"]?.malformed ?? [:])")
    }

    @Test(arguments: ["203.0.113.7", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::ffff:192.0.2.1"])
    func addressesAreSentAsTheyAre(_ address: String) throws {
        let built = try Self.built([("clientIpAddress", .string(address))])
        #expect(built.event["user_data"]?["client_ip_address"] == .string(address))
        #expect(built.warnings.isEmpty)
    }

    @Test
    func aClickIDOutOfMetasFormatIsSentWithAWarning() throws {
        let built = try Self.built([("fbc", "IwAR0raw"), ("fbp", "fb.1.1596403881668.1116446470")])
        #expect(built.event["user_data"]?["fbc"] == "IwAR0raw")
        #expect(built.warnings == ["user_data.fbc: not in Meta's fb.<index>.<time>.<value> format; sent as given"])
        var report = EventMatchQuality()
        report.add(event: built.event, warnings: built.warnings)
        #expect(report.rows["Lead"]?.malformed == ["fbc: not fb.<index>.<time>.<value>": 1])
    }
}
