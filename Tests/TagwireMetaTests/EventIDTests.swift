import TagwireJSON
import TagwireMeta
import Testing

/// Event ids keep the exact text they came from, and an id that cannot be one is never sent in silence.
struct EventIDTests {
    static func build(_ eventID: String, sendWithoutInvalid: Bool = false) throws -> Result<
        ConversionEventBuilder.Built, ConversionEventBuilder.Rejection
    > {
        var builder = ConversionEventBuilder()
        builder.sendsWithoutInvalidEventID = sendWithoutInvalid
        let settings = try #require(
            try JSONReader.parse(
                #"{"eventName": "Lead", "actionSource": "system_generated", "email": "a@b.co", "eventId": "#
                    + eventID + "}"
            ).objectValue
        )
        return builder.build(settings, receivedAt: 1_764_374_400, now: 1_764_374_400)
    }

    @Test(arguments: [
        ("12345678901234567890", "12345678901234567890"), ("12345678901234567891", "12345678901234567891"),
        ("9007199254740993", "9007199254740993"), ("1234567890123456", "1234567890123456"),
        ("-98765432109876543210", "-98765432109876543210"), ("42", "42"), ("\"ord-1\"", "ord-1"),
        ("1e3", "1000"), ("2.5", "2.5"),
    ])
    func idsKeepTheirDigits(_ json: String, _ sent: String) throws {
        let built = try Self.build(json).get()
        #expect(built.eventID == sent)
        #expect(built.event["event_id"] == .string(sent))
        #expect(built.warnings.isEmpty)
    }

    @Test
    func twoIdsOneDoubleCannotTellApartStayApart() throws {
        let a = try Self.build("12345678901234567890").get()
        let b = try Self.build("12345678901234567891").get()
        #expect(a.eventID != b.eventID)
    }

    @Test(arguments: [
        ("\"\"", "is empty"), ("\"  \"", "is empty"), ("[]", "is an array, not text or a number"),
        ("{}", "is an object, not text or a number"), ("[\"a\"]", "is an array, not text or a number"),
        ("true", "is a boolean, not text or a number"),
    ])
    func anIdThatCannotBeOneFailsTheEventOrIsLeftOutWithAWarning(_ json: String, _ reason: String) throws {
        #expect(throws: ConversionEventBuilder.Rejection(field: "event_id", reason: reason)) {
            try Self.build(json).get()
        }
        let sent = try Self.build(json, sendWithoutInvalid: true).get()
        #expect(sent.eventID == nil)
        #expect(sent.event["event_id"] == nil)
        #expect(sent.warnings == ["event_id: \(reason); sent without event_id, so Meta cannot deduplicate it"])
    }

    @Test
    func noIdGivenIsNoIdAndNoWarning() throws {
        for json in ["null"] {
            let built = try Self.build(json).get()
            #expect(built.eventID == nil)
            #expect(built.warnings.isEmpty)
        }
    }
}
