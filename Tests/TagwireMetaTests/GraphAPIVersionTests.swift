import TagwireMeta
import Testing

/// The Marketing API's version table and what `validate` makes of a pinned version on a given day.
struct GraphAPIVersionTests {
    static func day(_ text: String) throws -> Int { try #require(GraphAPIVersions.day(text)) }

    @Test
    func datesConvertBothWays() throws {
        #expect(GraphAPIVersions.day("1970-01-01") == 0)
        #expect(GraphAPIVersions.day("2026-12-07") == 20_794)
        #expect(GraphAPIVersions.day("2000-03-01") == 11_017)
        for n in stride(from: -719_000, through: 800_000, by: 997) {
            #expect(GraphAPIVersions.day(GraphAPIVersions.date(n)) == n)
        }
        #expect(GraphAPIVersions.date(20_794) == "2026-12-07")
        #expect(GraphAPIVersions.day("2026-12") == nil)
    }

    @Test
    func statusOnAGivenDay() throws {
        let today = try Self.day("2026-12-07")
        #expect(GraphAPIVersions.status(of: "v26.0", onDay: today) == .supported)
        #expect(GraphAPIVersions.status(of: "v27.0", onDay: today) == .supported)
        #expect(GraphAPIVersions.status(of: "v25.0", onDay: today) == .expiresSoon(expires: "2027-02-23", daysLeft: 78))
        #expect(GraphAPIVersions.status(of: "v25.0", onDay: try Self.day("2026-11-24")) == .supported, "91 days before")
        #expect(
            GraphAPIVersions.status(of: "v25.0", onDay: try Self.day("2026-11-25"))
                == .expiresSoon(expires: "2027-02-23", daysLeft: 90)
        )
        #expect(GraphAPIVersions.status(of: "v24.0", onDay: today) == .expired(on: "2026-11-10"))
        #expect(
            GraphAPIVersions.status(of: "v24.0", onDay: try Self.day("2026-11-09"))
                == .expiresSoon(expires: "2026-11-10", daysLeft: 1)
        )
        #expect(GraphAPIVersions.status(of: "v22.0", onDay: today) == .expired(on: "2026-02-19"))
        #expect(GraphAPIVersions.status(of: "v2.8", onDay: today) == .retired)
        #expect(GraphAPIVersions.status(of: "v31.0", onDay: today) == .unknown)
        for malformed in ["26", "v26", "v26.0.1", "V26.0", "v25.1", "v2x.0", ""] {
            #expect(GraphAPIVersions.status(of: malformed, onDay: today) == .malformed, "\(malformed)")
        }
    }

    @Test
    func theTableIsNewestFirstAndTheDefaultIsInIt() {
        let released = GraphAPIVersions.table.map(\.released)
        #expect(released == released.sorted(by: >))
        #expect(GraphAPIVersions.table.contains { $0.version == GraphAPIVersions.default && $0.expires == nil })
        for e in GraphAPIVersions.table { if let x = e.expires { #expect(x > e.released, "\(e.version)") } }
    }
}
