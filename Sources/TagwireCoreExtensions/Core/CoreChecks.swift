import TagwireDiagnostics
import TagwireIR
import TagwireJSON

/// The core extension's compile-time checks beyond the settings' types.
enum CoreChecks {
    static let comparison = SettingType.object(
        fields: [
            SettingSpec("operator", .enumeration(ValueComparison.operators), required: true),
            SettingSpec("caseInsensitive", .boolean),
        ],
        additional: nil
    )

    static let webRoots = ["window", "event"]
    static let edgeRoots = ["arc.event.xdm", "arc.event.data", "arc.event", "arc.request", "arc.ruleStash"]

    /// `core.path`: a literal path starts at one of the platform's roots and has no empty segment.
    @Sendable static func path(_ check: inout SettingsCheck) {
        guard let path = check.literalText("path") else { return }
        let platform = check.platform
        let roots = platform == "web" ? webRoots : edgeRoots
        let segments = path.split(separator: ".", omittingEmptySubsequences: false)
        if !roots.contains(where: { path == $0 || path.hasPrefix($0 + ".") }) {
            var notes: [String] = []
            if let first = segments.first, let hint = Suggestions.didYouMean(String(first), in: roots) {
                notes.append(hint)
            }
            check.error(
                "compile.invalid-path",
                "path '\(path)' does not start with a \(platform) root",
                setting: ["path"],
                help: "\(platform) paths start with \(roots.joined(separator: ", "))",
                notes: notes
            )
        } else if segments.contains(where: \.isEmpty) {
            check.error(
                "compile.invalid-path",
                "path '\(path)' has an empty segment",
                setting: ["path"],
                help: "write segments separated by single dots, such as window.dataLayer.meta"
            )
        }
    }

    /// Value comparisons: an operator that needs a right operand has one, and a literal regular expression
    /// compiles.
    @Sendable static func comparisonOperands(_ check: inout SettingsCheck) {
        guard case .object(let comparison)? = check.settings["comparison"],
            case .string(let op)? = comparison["operator"]
        else { return }
        if ValueComparison.needsRightOperand(op), check.settings["rightOperand"] == nil {
            check.error(
                "compile.missing-setting",
                "operator '\(op)' needs a 'rightOperand'",
                help: "add \"rightOperand\", or use an operator without one (isTrue, isFalse, isTruthy, isFalsy)"
            )
        }
        if ValueComparison.isRegex(op), let pattern = check.literalText("rightOperand") {
            let ci = comparison["caseInsensitive"]?.boolValue ?? false
            if case .failure = ValueComparison.compile(pattern, caseInsensitive: ci) {
                check.error(
                    "compile.invalid-regex",
                    "'\(pattern)' is not a valid regular expression",
                    setting: ["rightOperand"]
                )
            }
        }
    }

    /// Click and custom events: the element selector is literal and of the supported subset.
    @Sendable static func selector(_ check: inout SettingsCheck) {
        guard case .string(let selector)? = check.settings["elementSelector"] else { return }
        if TokenScanner.mayContainToken(selector) {
            check.error(
                "compile.invalid-selector",
                "element selectors cannot contain data element tokens",
                setting: ["elementSelector"]
            )
            return
        }
        if case .failure(let e) = Selector.parse(selector) {
            check.error(
                "compile.invalid-selector",
                "selector '\(selector)' is not supported: \(e.message)",
                setting: ["elementSelector"],
                help: "supported: tag, #id, .class, [attr], [attr=value], descendant and '>' combinators"
            )
        }
    }

    /// `core.generate-event-id` on the web writes into page state: its path is under `window`.
    @Sendable static func eventIDPath(_ check: inout SettingsCheck) {
        guard check.platform == "web", let path = check.literalText("path") else { return }
        if !path.hasPrefix("window.")
            || path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        {
            check.error(
                "compile.invalid-path",
                "'\(path)' is not a page-state path",
                setting: ["path"],
                help: "write a dotted path under window, such as window.dataLayer.meta.conversionData.eventId"
            )
        }
    }

    /// `core.random-number`: `min` is not above `max`.
    @Sendable static func randomNumber(_ check: inout SettingsCheck) {
        if case .number(let lo)? = check.settings["min"], case .number(let hi)? = check.settings["max"], lo > hi {
            check.error(
                "compile.invalid-setting-value",
                "'min' (\(Coercion.numberText(lo))) is greater than 'max' (\(Coercion.numberText(hi)))",
                setting: ["min"]
            )
        }
    }
}
