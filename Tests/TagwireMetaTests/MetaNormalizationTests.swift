import Foundation
import TagwireHashing
import TagwireJSON
import TagwireMeta
import TagwireTestSupport
import Testing

/// Normalisation and hashing as Meta documents it (reference §3.1 and §3.4, "doc recommended").
struct MetaNormalizationTests {
    static let us = Normalization.Options(defaultCountry: "1")

    /// Meta's documented examples: input, key, the normalised text, and the published hash prefix.
    @Test(arguments: [
        ("em", "John_Smith@gmail.com", "john_smith@gmail.com", "62a14e44"),
        ("ph", "(650)555-1212", "16505551212", "e323ec62"),
        ("fn", "Mary", "mary", "6915771b"),
        ("fn", "정", "정", "8fa8cd9c"),
        ("fn", "Valéry", "valéry", "08e1996b"),
        ("db", "2/16/1997", "19970216", "01acdbf6"),
        ("ge", "m", "m", "62c66a7a"),
        ("ge", "f", "f", "252f10c8"),
        ("ct", "menlopark", "menlopark", "0007a3d6"),
        ("st", "ca", "ca", "6959097"),
        ("country", "United States", "us", "79adb2a2"),
    ])
    func metasDocumentedExamples(_ key: String, _ input: String, _ normalized: String, _ prefix: String) throws {
        #expect(Normalization.normalize(key: key, input, options: Self.us) == normalized)
        let hash = try #require(Normalization.hashed(key: key, input, options: Self.us))
        #expect(hash.hasPrefix(prefix))
        #expect(hash == SHA256.hexDigest(normalized))
    }

    @Test(arguments: [
        ("em", "  Jane.Doe@Example.COM ", "jane.doe@example.com"),
        ("ph", "+44 7700 900123", "447700900123"),
        ("ph", "0044 7700 900123", "447700900123"),
        ("ph", "6505551212", "16505551212"),
        ("ph", "1-650-555-1212", "16505551212"),
        ("fn", " O'Brien-Smith ", "obriensmith"),
        ("ln", "MÜLLER", "müller"),
        ("db", "1997-02-16", "19970216"),
        ("db", "16.02.1997", "19970216"),
        ("db", "Feb 16, 1997", "19970216"),
        ("db", "19970216", "19970216"),
        ("ge", "Female", "f"),
        ("ge", "MALE", "m"),
        ("ct", "Menlo Park", "menlopark"),
        ("ct", "São Paulo", "sãopaulo"),
        ("st", "California", "ca"),
        ("st", "Québec", "qc"),
        ("st", "Bavaria", "bavaria"),
        ("zp", "94035-1234", "94035"),
        ("zp", "940351234", "94035"),
        ("zp", "SW1A 1AA", "sw1a1aa"),
        ("country", "USA", "us"),
        ("country", "Deutschland", "de"),
        ("country", "fr", "fr"),
        ("external_id", "  cust-1001 ", "cust-1001"),
    ])
    func docRecommendedRules(_ key: String, _ input: String, _ expected: String) {
        #expect(Normalization.normalize(key: key, input, options: Self.us) == expected)
    }

    @Test(arguments: [
        ("em", "not-an-email"), ("ph", "12"), ("db", "31/31/1997"), ("db", "1850-01-01"), ("ge", "x"),
        ("country", "Atlantis"), ("fn", " ... "),
    ])
    func malformedValuesAreLeftOut(_ key: String, _ input: String) {
        #expect(Normalization.hashed(key: key, input, options: Self.us) == nil)
    }

    @Test
    func digestsPassThroughLowercasedAndPBLValuesUnchanged() {
        let upper = "62A14E44F765419D10FEA99367361A727C12365E2520F32218D505ED9AA0F62F"
        #expect(Normalization.hashed(key: "em", upper) == upper.lowercased())
        let pbl = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f.AbCdEfGh"
        #expect(Normalization.hashed(key: "em", pbl) == pbl)
    }

    @Test
    func textIsNFCNormalisedFirst() {
        let decomposed = "Vale\u{0301}ry"
        #expect(Normalization.hashed(key: "fn", decomposed) == Normalization.hashed(key: "fn", "Valéry"))
    }

    @Test
    func arraysKeepFirstSeenOrderWithoutDuplicatesAndIdsAreNeverHashed() throws {
        let builder = ConversionEventBuilder()
        let settings = try #require(
            try JSONReader.parse(
                #"""
                {"eventName": "Lead", "actionSource": "system_generated",
                 "email": ["B@x.co", "a@x.co", " b@x.co", "not-an-email"], "clientIpAddress": "203.0.113.1",
                 "clientUserAgent": "UA", "fbc": "fb.1.1.abc", "fbp": "fb.1.2.3", "fbLoginId": "12345", "leadId": 987,
                 "subscriptionId": "sub-1", "partnerName": "liveramp", "partnerId": "rid-1"}
                """#
            ).objectValue
        )
        let built = try builder.build(settings, receivedAt: 1_764_374_400, now: 1_764_374_400).get()
        let ud = try #require(built.event["user_data"])
        #expect(ud["em"] == .array([.string(SHA256.hexDigest("b@x.co")), .string(SHA256.hexDigest("a@x.co"))]))
        #expect(ud["client_ip_address"] == "203.0.113.1")
        #expect(ud["client_user_agent"] == "UA")
        #expect(ud["fbc"] == "fb.1.1.abc")
        #expect(ud["fbp"] == "fb.1.2.3")
        #expect(ud["fb_login_id"] == 12345)
        #expect(ud["lead_id"] == 987)
        #expect(ud["subscription_id"] == "sub-1")
        #expect(ud["partner_name"] == "liveramp")
        #expect(ud["partner_id"] == "rid-1")
        // Short test cookies (a 1-digit creation time) are still sent, with a warning each.
        #expect(
            built.warnings == [
                "user_data.em: not an email address (local@domain.tld); left out",
                "user_data.fbc: not in Meta's fb.<index>.<time>.<value> format; sent as given",
                "user_data.fbp: not in Meta's fb.<index>.<time>.<value> format; sent as given",
            ]
        )

        // Values left out before, between and after kept ones, and a member with none kept: still valid JSON.
        let mixed = try #require(
            try JSONReader.parse(
                #"""
                {"eventName": "Lead", "actionSource": "system_generated", "phone": ["12", "+1 650 555 1212", "34", "+16505551212", "56"],
                 "firstName": ["!!!", "  "], "lastName": ["Doe", "doe", "DOE"], "externalId": "x"}
                """#
            ).objectValue
        )
        let second = try builder.build(mixed, receivedAt: 1_764_374_400, now: 1_764_374_400).get()
        let reread = try JSONReader.parse(second.bytes)
        #expect(reread["user_data"]?["ph"] == .array([.string(SHA256.hexDigest("16505551212"))]))
        #expect(reread["user_data"]?["fn"] == nil)
        #expect(reread["user_data"]?["ln"] == .array([.string(SHA256.hexDigest("doe"))]))
        #expect(second.warnings.filter { $0 == "user_data.ph: too short to be a phone number; left out" }.count == 3)
        #expect(second.warnings.contains("user_data.fn: nothing left after normalisation; left out"))
    }
}

/// Tagwire against Meta's official Python SDK (facebook-business, installed by .ci/run): identical hashes where the
/// SDK's rules and Meta's documentation agree, and a list of the places where they do not.
struct PythonSDKComparisonTests {
    static let repo = Repository.root

    static func sdk(_ items: [(String, String)]) throws -> [JSONValue] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repo.appendingPathComponent("scripts/sdk-normalize.py").path]
        let input = Pipe()
        let output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        var text = ""
        for (key, value) in items {
            text += JSONWriter().string(["key": .string(key), "value": .string(value)]) + "\n"
        }
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "scripts/sdk-normalize.py needs `pip install facebook-business`")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try JSONReader.parse(String($0)) }
    }

    /// Inputs on which Meta's docs and the SDK agree.
    static let agreeing: [(String, String)] = [
        ("em", " John_Smith@Gmail.com "), ("em", "jane.doe@example.com"), ("ph", "+1 (650) 555-1212"),
        ("ph", "16505551212"),
        ("ph", "+44 7700 900123"), ("fn", "Mary"), ("fn", "Valéry"), ("fn", "정"), ("ln", "Smith"), ("ct", "Menlo Park"),
        ("ct", "menlopark"), ("st", "CA"), ("st", "ny"), ("zp", "94035"), ("zp", "94035-1234"), ("country", "US"),
        ("country", "gb"),
        ("db", "19970216"), ("ge", "m"), ("ge", "f"),
        ("em", "62A14E44F765419D10FEA99367361A727C12365E2520F32218D505ED9AA0F62F"),
    ]

    @Test
    func hashesMatchTheOfficialSDKWhereTheRulesAgree() throws {
        let results = try Self.sdk(Self.agreeing)
        try #require(results.count == Self.agreeing.count)
        for ((key, value), result) in zip(Self.agreeing, results) {
            #expect(
                result["hash"]?.stringValue == Normalization.hashed(key: key, value),
                "\(key) \(value): SDK \(result)"
            )
        }
    }

    /// Where the SDK departs from Meta's documentation, Tagwire follows the documentation (reference §3.3).
    static let knownDifferences: [(key: String, value: String, tagwire: String, why: String)] = [
        ("ph", "(650)555-1212", "16505551212", "the SDK adds no country code; Meta says numbers need one"),
        ("db", "2/16/1997", "19970216", "the SDK hashes dates as written; Meta documents YYYYMMDD"),
        ("db", "1997-02-16", "19970216", "the SDK keeps the dashes"),
        ("ge", "Female", "f", "the SDK hashes 'female'; Meta documents f and m"),
        ("st", "California", "ca", "the SDK has no state-name mapping"),
        ("fn", "O'Brien", "obrien", "the SDK keeps punctuation in names"),
        ("ct", "Coeur d'Alene", "coeurdalene", "the SDK keeps apostrophes in cities"),
        ("zp", "940351234", "94035", "the SDK does not cut a US ZIP+4 without a dash"),
        // Meta: postcodes lower case, without spaces or dashes; only US codes are cut to five digits.
        ("zp", "01310-100", "01310100", "the SDK cuts every postcode at its dash (a Brazilian CEP)"),
        ("zp", "100-0001", "1000001", "the SDK cuts every postcode at its dash (a Japanese code)"),
        ("zp", "1000-001", "1000001", "the SDK cuts every postcode at its dash (a Portuguese code)"),
    ]

    @Test
    func knownDifferencesFromTheSDKFollowMetasDocumentation() throws {
        let results = try Self.sdk(Self.knownDifferences.map { ($0.key, $0.value) })
        try #require(results.count == Self.knownDifferences.count)
        for (d, result) in zip(Self.knownDifferences, results) {
            let ours = Normalization.hashed(key: d.key, d.value, options: MetaNormalizationTests.us)
            #expect(ours == SHA256.hexDigest(d.tagwire), "\(d.key) \(d.value)")
            #expect(result["hash"]?.stringValue != ours, "\(d.key) \(d.value) no longer differs: \(d.why)")
        }
        // The SDK rejects a country name Meta's own documentation uses as its example; Tagwire maps it.
        let country = try Self.sdk([("country", "United States")])
        #expect(country.first?["error"] != nil)
        #expect(Normalization.hashed(key: "country", "United States") == SHA256.hexDigest("us"))
    }
}
