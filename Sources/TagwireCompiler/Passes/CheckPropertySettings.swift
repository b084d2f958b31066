import TagwireDiagnostics
import TagwireIR
import TagwireJSON
import TagwireModel

/// `property.json`'s `settings` are the ones the platform knows, with the types it expects. On the web:
/// `requireConsent` (the browser sends nothing to Meta until `_tagwire.consent('grant')`) and `satelliteAlias`
/// (`_satellite.track` calls `_tagwire.track`, for pages written for Adobe's runtime). Edge properties have none.
struct CheckPropertySettings: CompilerPass {
    static let web = [SettingSpec("requireConsent", .boolean), SettingSpec("satelliteAlias", .boolean)]

    func run(_ unit: inout CompilationUnit) {
        let property = unit.set.property
        unit.checkSettings(
            property.settings,
            specs: property.platform == .web ? Self.web : [],
            additional: nil,
            at: property.origin.appending("settings"),
            what: "property '\(property.name)'"
        )
    }
}
