import Foundation
import TagwireHashing
import TagwireJSON
import TagwireMeta
import TagwireTestSupport
import Testing

/// Phone numbers read for the event's country, as libphonenumber reads them.
struct PhoneNumberTests {
    /// Input, the event's country (nil: none), the default country setting (nil: none), the digits Meta hashes.
    @Test(
        arguments: [
            // Meta's own example, and national numbers getting their country's code without the trunk prefix.
            ("(650)555-1212", nil, "1", "16505551212"), ("(650)555-1212", "us", nil, "16505551212"),
            ("020 7946 0958", "gb", "1", "442079460958"), ("07700 900123", "gb", nil, "447700900123"),
            ("030 1234567", "de", "us", "49301234567"), ("06 12 34 56 78", "fr", nil, "33612345678"),
            // A number that carries its calling code keeps it, with or without `+`, whatever the country.
            ("442079460958", "gb", nil, "442079460958"), ("442079460958", nil, "1", "442079460958"),
            ("442079460958", "us", nil, "442079460958"), ("+44 20 7946 0958", "us", nil, "442079460958"),
            ("0044 20 7946 0958", "fr", nil, "442079460958"), ("011 44 20 7946 0958", "us", nil, "442079460958"),
            ("1-650-555-1212", "us", nil, "16505551212"),
            // A trunk prefix written after the calling code goes; extensions are not part of the number.
            ("+49 (0)30 1234567", nil, nil, "49301234567"), ("+44 20 7946 0958 ext. 23", nil, nil, "442079460958"),
            ("020 7946 0958 x23", "gb", nil, "442079460958"), ("tel:+1-650-555-1212;ext=9", nil, nil, "16505551212"),
            // Italian numbers keep their leading zero after the calling code.
            ("06 1234 5678", "it", nil, "390612345678"), ("+39 06 1234 5678", nil, nil, "390612345678"),
            // Bermuda's local numbers get its one area code.
            ("292 1234", "bm", nil, "14412921234"),
            // Digits of other scripts.
            ("٠٢٠ ٧٩٤٦ ٠٩٥٨", "gb", nil, "442079460958"), ("０２０ ７９４６ ０９５８", "gb", nil, "442079460958"),
            // The event's country wins over the default.
            ("020 7946 0958", "gb", "de", "442079460958"),
        ] as [(String, String?, String?, String)]
    )
    func numbersReadForTheirCountry(_ input: String, _ country: String?, _ defaultCountry: String?, _ digits: String) {
        let options = Normalization.Options(defaultCountry: defaultCountry)
        #expect(Normalization.phoneReading(input, options: options, country: country) == .international(digits))
        #expect(
            Normalization.hashed(key: "ph", input, options: options, country: country) == SHA256.hexDigest(digits),
            "\(input)"
        )
    }

    /// Numbers that are not sent, and the reason given (never the number).
    @Test(
        arguments: [
            ("555 1234", "us", "too short for +1 (10 digits after the calling code)"),
            ("+44 20 7946 0958 123", nil, "too long for +44 (7, 9 or 10 digits after the calling code)"),
            ("+999 1234 5678", nil, "no country calling code"),
            ("12", nil, "too short to be a phone number"),
            ("call me", "us", "no digits"),
            ("0123456789012345678901234567", "gb", "too long to be a phone number"),
        ] as [(String, String?, String)]
    )
    func numbersThatCannotBeMatchedAreNotSent(_ input: String, _ country: String?, _ reason: String) {
        #expect(Normalization.phoneReading(input, country: country) == .rejected(reason))
        #expect(Normalization.hashed(key: "ph", input, country: country) == nil)
    }

    @Test
    func withoutAnyCountryANationalNumberIsSentAsItsDigits() {
        #expect(Normalization.phoneReading("07700 900123") == .withoutCountry("7700900123"))
    }

    @Test(
        arguments: [
            ("us", "us"), ("US", "us"), ("1", "us"), ("+44", "gb"), ("44", "gb"), ("United Kingdom", "gb"),
            ("7", "ru"), (" de ", "de"),
        ]
    )
    func theDefaultCountryIsARegionOrACallingCode(_ setting: String, _ region: String) {
        #expect(PhoneNumbers.region(forSetting: setting) == region)
        #expect(Normalization.Options(defaultCountry: setting).defaultRegion == region)
    }

    @Test(arguments: ["xx", "999", "", "+", "Atlantis"])
    func aDefaultCountryThatNamesNoneIsNone(_ setting: String) {
        #expect(PhoneNumbers.region(forSetting: setting) == nil)
    }

    @Test
    func theBuilderReadsPhonesForTheEventsCountryAndSaysWhyOneIsLeftOut() throws {
        var builder = ConversionEventBuilder(options: Normalization.Options(defaultCountry: "us"))
        builder.fbcFromEventSourceURL = false
        let settings = try #require(
            try JSONReader.parse(
                #"""
                {"eventName": "Lead", "actionSource": "system_generated", "country": "United Kingdom",
                 "phone": ["020 7946 0958", "+44 20 7946 0958", "7946 0958", "+999 1"]}
                """#
            ).objectValue
        )
        let built = try builder.build(settings, receivedAt: 1_764_374_400, now: 1_764_374_400).get()
        #expect(built.event["user_data"]?["ph"] == .array([.string(SHA256.hexDigest("442079460958"))]))
        #expect(
            built.warnings == [
                "user_data.ph: not a possible length for +44 (7, 9 or 10 digits after the calling code); left out",
                "user_data.ph: no country calling code; left out",
            ]
        )
        // No digit of a number is in a warning.
        #expect(!built.warnings.joined().contains("7946"))
    }

    /// Tagwire's readings against Python's `phonenumbers` (libphonenumber's port, the source of the generated
    /// table) over example numbers of every type for every region, in every format, with extensions, cut short and
    /// too long (scripts/phone-reference.py). Where phonenumbers finds a number too long for its region, Tagwire
    /// may read it as an international number written without its `+`.
    @Test
    func readingsMatchLibphonenumberForEveryRegion() throws {
        let lines = try Self.reference()
        #expect(lines.count > 10_000, "scripts/phone-reference.py needs `pip install phonenumbers==9.0.43`")
        var regions = Set<String>()
        var differences: [String] = []
        var stale = Set(Self.knownDifferences.map { "\($0.text)|\($0.region)" })
        for line in lines {
            let text = try #require(line["text"]?.stringValue)
            let region = line["region"]?.stringValue
            if let region { regions.insert(region) }
            let expected = line["expected"]?.stringValue
            let got: String?
            switch Normalization.phoneReading(text, country: region) {
            case .international(let digits): got = digits
            case .withoutCountry, .rejected: got = nil
            }
            if got == expected || (expected == nil && got != nil && got == line["international"]?.stringValue) {
                continue
            }
            let key = "\(text)|\(region ?? "")"
            if stale.remove(key) != nil { continue }
            differences.append("\(key): phonenumbers \(expected ?? "none"), Tagwire \(got ?? "none")")
        }
        #expect(regions.count >= 240)
        #expect(differences.isEmpty, "\(differences.count) differences: \(differences.prefix(20))")
        #expect(stale.isEmpty, "no longer different: \(stale.sorted())")
    }

    /// Where Tagwire reads a number otherwise than phonenumbers, and why (the table keeps libphonenumber's lengths,
    /// trunk prefixes and calling codes, not its rewriting rules).
    static let knownDifferences: [(text: String, region: String, why: String)] = [
        ("011 15-2345-6789", "ar", "Argentine mobile numbers: libphonenumber rewrites the national '15' into '9'"),
        ("011 15-2345-6789 ext. 23", "ar", "Argentine mobile numbers, as above"),
        ("011 15-2345-67", "ar", "Argentine mobile numbers, as above"),
    ]

    static func reference() throws -> [JSONValue] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Repository.root.appendingPathComponent("scripts/phone-reference.py").path]
        let output = Pipe()
        p.standardOutput = output
        try p.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "scripts/phone-reference.py needs `pip install phonenumbers==9.0.43`")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try JSONReader.parse(String($0)) }
    }
}
