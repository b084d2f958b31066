import Foundation
import TagwireTestSupport
import Testing

/// What `tagwire quickstart validate` refuses before any browser starts, each with what was expected (exit 2).
/// `/bin/true` stands in for Chromium and chromedriver: nothing here gets as far as starting them.
struct QuickstartValidateRefusalTests {
    static let web = Repository.path("Properties/meta-quickstart-web")
    static let edge = Repository.path("Properties/meta-quickstart-edge")
    static let stand = ["--chromium", "/bin/true", "--chromedriver", "/bin/true"]

    @Test func withoutChromiumItSaysWhatToInstall() throws {
        let r = try TagwireCLI.run(
            ["quickstart", "validate", Self.web, Self.edge, "--chromium", "/nonexistent/chromium"]
        )
        #expect(r.status == 2)
        #expect(r.stderr.contains("needs Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)"))
    }

    @Test func theWebPropertyNeedsADemoSiteAndAWalk() throws {
        let root = try Scratch.directory("validate-refusals")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bare = root + "/bare-web"
        #expect(try TagwireCLI.run(["init", bare, "--platform", "web"]).status == 0)
        let noSite = try TagwireCLI.run(["quickstart", "validate", bare, Self.edge] + Self.stand)
        #expect(noSite.status == 2)
        #expect(noSite.stderr.contains("site' has no pages"), "\(noSite.stderr)")

        try FileManager.default.createDirectory(atPath: bare + "/site", withIntermediateDirectories: true)
        try "<!doctype html><title>home</title>".write(
            toFile: bare + "/site/index.html",
            atomically: true,
            encoding: .utf8
        )
        let noWalk = try TagwireCLI.run(["quickstart", "validate", bare, Self.edge] + Self.stand)
        #expect(noWalk.status == 2)
        #expect(noWalk.stderr.contains("site/journey.json' is missing"), "\(noWalk.stderr)")

        try ##"{"steps": [{"click": "#buy"}]}"##.write(
            toFile: bare + "/site/journey.json",
            atomically: true,
            encoding: .utf8
        )
        let badWalk = try TagwireCLI.run(["quickstart", "validate", bare, Self.edge] + Self.stand)
        #expect(badWalk.status == 2)
        #expect(
            badWalk.stderr.contains("journey.json: /steps/0: the walk starts with {\"open\": page}"),
            "\(badWalk.stderr)"
        )

        try ##"{"steps": [{"open": "index.html"}, {"clik": "#buy"}]}"##.write(
            toFile: bare + "/site/journey.json",
            atomically: true,
            encoding: .utf8
        )
        let typo = try TagwireCLI.run(["quickstart", "validate", bare, Self.edge] + Self.stand)
        #expect(typo.status == 2)
        #expect(
            typo.stderr.contains(#"journey.json: /steps/1: expected {"open": page} or {"click": selector"#),
            "\(typo.stderr)"
        )
    }

    @Test func aLinkInTheSiteIsNotServed() throws {
        let root = try Scratch.directory("validate-link")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let web = root + "/web"
        try FileManager.default.copyItem(atPath: Self.web, toPath: web)
        try FileManager.default.createSymbolicLink(
            atPath: web + "/site/secrets.html",
            withDestinationPath: "/etc/passwd"
        )
        let r = try TagwireCLI.run(["quickstart", "validate", web, Self.edge] + Self.stand)
        #expect(r.status == 2)
        #expect(r.stderr.contains("site/secrets.html' is not a regular file (a link?)"), "\(r.stderr)")
        let serve = try TagwireCLI.run(["serve", Self.edge, "--demo", web, "--meta-sandbox", "--port", "0"])
        #expect(serve.status == 1)
        #expect(serve.stderr.contains("is not a regular file"), "\(serve.stderr)")
    }

    @Test func aMissingPropertyIsNamedOnce() throws {
        let r = try TagwireCLI.run(["quickstart", "validate", "/nonexistent/web", Self.edge] + Self.stand)
        #expect(r.status == 2)
        #expect(r.stderr == "error: '/nonexistent/web' is not a property directory\n", "\(r.stderr)")
    }

    @Test func aPortOrAURLThatIsNotOneIsAUsageError() throws {
        let port = try TagwireCLI.run(["quickstart", "validate", Self.web, Self.edge, "--port", "99999"])
        #expect(port.status == 64)
        #expect(port.stderr.contains("--port 99999 is not a port; expected 0 to 65535"), "\(port.stderr)")
        let url = try TagwireCLI.run(["quickstart", "validate", Self.web, Self.edge, "--url", "notaurl"])
        #expect(url.status == 64)
        #expect(url.stderr.contains("--url 'notaurl' is not an http or https URL"), "\(url.stderr)")
    }

    @Test func theFirstPropertyMustBeTheWebOne() throws {
        let r = try TagwireCLI.run(["quickstart", "validate", Self.edge, Self.web] + Self.stand)
        #expect(r.status == 2)
        #expect(r.stderr.contains("is an edge property; the demo needs the web property"), "\(r.stderr)")
    }
}
