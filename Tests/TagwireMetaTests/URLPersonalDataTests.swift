import TagwireJSON
import TagwireMeta
import Testing

/// Query parameters holding an email address leave page URLs before they reach Meta, which flags URLs that carry
/// personal data.
struct URLPersonalDataTests {
    static func build(_ url: String, referrer: String? = nil, keep: Bool = false) throws
        -> ConversionEventBuilder.Built
    {
        var builder = ConversionEventBuilder()
        builder.keepsEmailsInURLs = keep
        var settings = JSONObject([
            ("eventName", "Lead"), ("actionSource", "website"), ("email", "a@b.co"), ("clientUserAgent", "UA"),
            ("eventSourceUrl", .string(url)),
        ])
        if let referrer { settings["referrerUrl"] = .string(referrer) }
        return try builder.build(settings, receivedAt: 1_764_374_400, now: 1_764_374_400).get()
    }

    @Test(arguments: [
        (
            "https://shop.example.com/thanks?email=jane%40example.com&utm=1#top",
            "https://shop.example.com/thanks?utm=1#top"
        ),
        ("https://shop.example.com/?e=Jane.Doe@Example.com", "https://shop.example.com/"),
        ("https://shop.example.com/?a=1&to=jane+tag@example.com&b=2", "https://shop.example.com/?a=1&b=2"),
        ("https://shop.example.com/?a=1&x=jane%40example.com&y=bob@example.org", "https://shop.example.com/?a=1"),
    ])
    func emailParametersAreRemovedWithAWarning(_ url: String, _ sent: String) throws {
        let built = try Self.build(url, referrer: url)
        #expect(built.event["event_source_url"] == .string(sent))
        #expect(built.event["referrer_url"] == .string(sent))
        #expect(
            built.warnings.contains {
                $0.hasPrefix("event_source_url: ") && $0.hasSuffix("holding an email address removed")
            }
        )
        #expect(built.warnings.contains { $0.hasPrefix("referrer_url: ") })
        #expect(!built.warnings.joined().contains("@"))
    }

    @Test(arguments: [
        "https://shop.example.com/?handle=@jane", "https://shop.example.com/u/jane@example.com/",
        "https://shop.example.com/?q=shoes&page=2#a@b", "https://shop.example.com/?note=at%40home",
    ])
    func otherURLsAreSentAsWritten(_ url: String) throws {
        let built = try Self.build(url)
        #expect(built.event["event_source_url"] == .string(url))
        #expect(built.warnings.isEmpty)
    }

    @Test
    func aSettingKeepsThem() throws {
        let url = "https://shop.example.com/?e=jane@example.com"
        let built = try Self.build(url, keep: true)
        #expect(built.event["event_source_url"] == .string(url))
        #expect(built.warnings.isEmpty)
    }
}
