import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireRuntime

extension MetaCAPIExtension {
    /// `meta-capi.send-event`: one Conversions API event, normalised, hashed and checked against Meta's rules
    /// (an event Meta would refuse fails the action instead of being sent).
    struct SendEvent: ActionDelegate {
        func prepare(_ node: ComponentNode, _ preparation: Preparation) -> any RuntimeAction {
            let constant = preparation.constantSettings(
                ofExtension: "meta-capi",
                excluding: MetaCAPIExtension.secretSettings
            )
            let extensionSettings = preparation.graph.extensionSettings("meta-capi")
            let ownToken = node.settings.member("accessToken")
            return Action(
                node: node,
                fields: FieldsPlan(node.settings),
                constantExtension: constant.map(ConversionsAPISettings.init),
                accessToken: ownToken ?? extensionSettings?.member("accessToken"),
                appSecret: extensionSettings?.member("appSecret"),
                credentialsReference: CredentialsReference(
                    property: preparation.graph.propertyName,
                    action: ownToken == nil ? nil : node.origin
                ).text
            )
        }
    }

    /// The members of the action's settings template, prepared: the builder field each fills (nil for members
    /// the builder does not read; those still render, as every setting does) and whether it renders at all (the
    /// access token is read only for delivery).
    struct FieldsPlan: Sendable {
        let members: [TemplateMember]
        let keys: [ConversionEventBuilder.Fields.Key?]
        let renders: [Bool]

        init?(_ settings: Template) {
            guard case .object(let members) = settings else { return nil }
            self.members = members
            keys = members.map { ConversionEventBuilder.Fields.Key.named($0.key) }
            renders = members.map { $0.key != "accessToken" }
        }
    }

    struct Action: RuntimeAction {
        let node: ComponentNode
        let fields: FieldsPlan?
        /// The extension's settings when every event would render them the same.
        let constantExtension: ConversionsAPISettings?
        let accessToken: Template?
        let appSecret: Template?
        let credentialsReference: String

        func run(_ context: inout RuleContext) throws(ComponentFailure) -> Dispatch? {
            let ext: ConversionsAPISettings
            if let constantExtension {
                ext = constantExtension
            } else {
                ext = ConversionsAPISettings(
                    try context.extensionSettings("meta-capi", excluding: MetaCAPIExtension.secretSettings)
                )
            }
            let settings = try renderFields(&context)
            // The action's own pixel id when it has one (even one that is not usable), else the extension's.
            let actionPixelID = settings[.pixelId]
            guard let pixelID = actionPixelID == nil ? ext.pixelID : actionPixelID.flatMap(Coercion.idText),
                !pixelID.isEmpty
            else {
                throw ComponentFailure("no pixel id: set 'pixelId' on the meta-capi extension or the action")
            }
            var builder = ConversionEventBuilder(options: ext.normalization)
            builder.fbcFromEventSourceURL = ext.fbcFromEventSourceURL
            builder.sendsWithoutInvalidEventID = ext.sendsWithoutInvalidEventID
            builder.keepsEmailsInURLs = ext.keepsEmailsInURLs
            let built: ConversionEventBuilder.Built
            switch builder.build(fields: settings, receivedAt: context.receivedAt, now: context.receivedAt) {
            case .failure(let r):
                throw ComponentFailure("the event is not valid for Meta and is not sent: \(r.message)")
            case .success(let b): built = b
            }
            var credentials = DispatchCredentials(reference: credentialsReference)
            if context.options.resolveCredentials {
                if let t = accessToken { credentials.accessToken = try Self.text(t, "access token", &context) }
                if let t = appSecret { credentials.appSecret = try Self.text(t, "app secret", &context) }
                if credentials.accessToken?.isEmpty ?? true {
                    throw ComponentFailure("no access token: set 'accessToken' on the meta-capi extension")
                }
            }
            if context.readsRuleStash {
                var stashEntry = JSONObject()
                stashEntry["eventName"] = .string(built.eventName)
                stashEntry["eventId"] = built.eventID.map(JSONValue.string)
                context.stash["meta-capi"] = .object(stashEntry)
            }
            let event = ConversionsAPIEvent(
                pixelID: pixelID,
                graphApiVersion: ext.graphApiVersion,
                built: built,
                partnerAgent: context.options.partnerAgent
            )
            return Dispatch(
                conversionsAPI: event,
                rule: context.ruleName,
                origin: node.origin,
                credentials: credentials
            )
        }

        /// The action's settings (except its access token) placed where the builder reads them.
        func renderFields(_ context: inout RuleContext) throws(ComponentFailure) -> ConversionEventBuilder.Fields {
            guard let plan = fields else {
                return ConversionEventBuilder.Fields(
                    try context.renderSettings(node.settings, excluding: ["accessToken"])
                )
            }
            var fields = ConversionEventBuilder.Fields()
            // Every member renders, in order, as `renderSettings` would (a failing one fails the action).
            for i in plan.members.indices where plan.renders[i] {
                let v: JSONValue?
                do {
                    v = try context.render(plan.members[i].value)
                } catch {
                    throw ComponentFailure("setting '\(plan.members[i].key)': \(error.message)")
                }
                if let v, let key = plan.keys[i] { fields[key] = v }
            }
            return fields
        }

        static func text(_ t: Template, _ what: String, _ context: inout RuleContext) throws(ComponentFailure)
            -> String?
        {
            do {
                return try context.render(t).flatMap(Coercion.idText)
            } catch {
                throw ComponentFailure("\(what): \(error.message)")
            }
        }
    }
}
