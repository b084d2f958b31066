import Foundation
import TagwireJSON
import TagwireMeta
import Testing

struct EventMatchQualityTests {
    func built(_ settings: String, options: Normalization.Options = Normalization.Options()) throws
        -> ConversionEventBuilder.Built
    {
        let o = try #require(try JSONReader.parse(settings).objectValue)
        return try ConversionEventBuilder(options: options).build(o, receivedAt: 1_764_374_400, now: 1_764_374_400)
            .get()
    }

    @Test
    func reportsCoverageMalformedValuesDedupReadinessAndScore() throws {
        var report = EventMatchQuality()
        let good = try built(
            #"{"eventName": "Lead", "eventId": "1", "actionSource": "system_generated", "email": "a@b.co", "phone": "+1 650 555 1212", "fbc": "fb.1.1554763741205.AbCd", "fbp": "fb.1.1596403881668.111"}"#
        )
        let national = try built(
            #"{"eventName": "Lead", "actionSource": "system_generated", "email": "not an email", "phone": "650 555 1212", "fbc": "fbclid-raw", "externalId": "u1"}"#
        )
        report.add(event: good.event, warnings: good.warnings)
        report.add(event: national.event, warnings: national.warnings)
        // An event that reached the payload unhashed (for example from another sender) is flagged.
        report.add(event: ["event_name": "Lead", "user_data": ["em": ["jane@example.com"]]])
        let row = try #require(report.rows["Lead"])
        #expect(row.events == 3)
        #expect(row.dedupReadiness == 1.0 / 3.0)
        #expect(row.share("em") == 1.0 / 3.0)
        #expect(row.share("ph") == 2.0 / 3.0)
        #expect(row.share("fbc") == 1.0 / 3.0)
        #expect(row.malformed["ph: phone without a country code"] == 1)
        #expect(row.malformed["em: invalid email"] == 1)
        #expect(row.malformed["fbc: not fb.<index>.<time>.<value>"] == 1)
        #expect(row.malformed["em: clear text in a hashed field"] == 1)
        let expected = (2.0 * 1 + 1.2 * 2 + 2.0 * 1 + 1.0 * 1 + 1.0 * 1) / 3
        #expect(abs(row.score - expected) < 1e-9)
        let json = report.json
        #expect(json["scoring"]?.stringValue?.contains("not Meta's") == true)
        #expect(json["events"]?.arrayValue?.first?["eventName"] == "Lead")
    }

    @Test
    func theScoreIsCappedAtTen() throws {
        var report = EventMatchQuality()
        let all = try built(
            #"""
            {"eventName": "Purchase", "eventId": "x", "actionSource": "website", "eventSourceUrl": "https://a.example/",
             "email": "a@b.co", "phone": "+16505551212", "firstName": "A", "lastName": "B", "dob": "19900101", "gender": "f",
             "city": "Paris", "state": "Ile de France", "zip": "75001", "country": "FR", "externalId": "1",
             "clientIpAddress": "203.0.113.1", "clientUserAgent": "UA", "fbc": "fb.1.1554763741205.x", "fbp": "fb.1.1596403881668.1",
             "fbLoginId": "42", "customData": {"value": 1, "currency": "EUR"}}
            """#
        )
        report.add(event: all.event)
        #expect(report.rows["Purchase"]?.score == 10)
    }
}
