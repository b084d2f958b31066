import TagwireDiagnostics
import TagwireJSON

/// The result of loading a property: the decoded set (when every file could be read far enough to decode it),
/// the source maps for locating diagnostics, and the diagnostics themselves.
public struct LoadResult: Sendable {
    public var propertySet: PropertySet?
    public var sources: SourceFiles
    public var diagnostics: DiagnosticBag
    /// Whether every property file made it into ``propertySet`` (none unreadable, malformed or undecodable), so
    /// that checks across files see everything the author wrote even when some files have errors of their own.
    public var isComplete = true
}

/// Reads a property directory's files strictly and decodes them into a ``PropertySet``, reporting every problem
/// of every file in one pass.
public enum PropertyLoader {
    /// The highest `version` of the file format this build reads.
    public static let highestSupportedVersion = 1

    static let common = ["$schema", "version", "description"]

    /// Loads a property from its files.
    public static func load(_ source: PropertySource) -> LoadResult {
        var sources = SourceFiles()
        var bag = DiagnosticBag()
        var documents: [(path: String, value: JSONValue)] = []
        var complete = source.listingProblems.isEmpty

        for problem in source.listingProblems {
            bag.emit(
                Diagnostic(
                    .error,
                    id: "model.unreadable-file",
                    problem.message,
                    at: SourceLocation(file: problem.path)
                )
            )
        }
        for file in source.files {
            guard let kind = FileKind.classify(file.path) else {
                if file.path.hasSuffix(".json") {
                    bag.emit(
                        Diagnostic(
                            .warning,
                            id: "model.unexpected-file",
                            "'\(file.path)' is not a property file and is ignored",
                            at: SourceLocation(file: file.path),
                            help:
                                "property files live in property.json, extensions/, data-elements/, rules/, libraries/ and environments/"
                        )
                    )
                }
                continue
            }
            if kind == .misplaced {
                bag.emit(
                    Diagnostic(
                        .warning,
                        id: "model.unexpected-file",
                        "'\(file.path)' is not a .json file and is ignored",
                        at: SourceLocation(file: file.path),
                        help: "name property files <slug>.json"
                    )
                )
                continue
            }
            let doc = JSONReader.read(file.bytes, options: .propertyFile)
            sources.add(file.path, doc.sourceMap)
            for issue in doc.issues {
                var notes: [Diagnostic.Note] = []
                if let nm = issue.noteMessage, let no = issue.noteOffset {
                    notes.append(Diagnostic.Note(nm, at: sources.locate(file.path, offset: no)))
                }
                bag.emit(
                    Diagnostic(
                        .error,
                        id: issue.id,
                        issue.message,
                        at: sources.locate(file.path, offset: issue.offset),
                        notes: notes,
                        help: issue.help
                    )
                )
            }
            if let v = doc.value, !doc.issues.contains(where: \.fatal) {
                documents.append((file.path, v))
            } else {
                complete = false
            }
        }

        var decoder = ModelDecoder(sources: sources, bag: bag)
        var property: PropertyDefinition?
        var extensions: [ExtensionConfiguration] = []
        var dataElements: [DataElementDefinition] = []
        var rules: [RuleDefinition] = []
        var libraries: [LibraryDefinition] = []
        var environments: [EnvironmentDefinition] = []
        let hasPropertyFile = source.files.contains { $0.path == "property.json" }

        // property.json first: the platform decides what other files may say.
        if let doc = documents.first(where: { $0.path == "property.json" }) {
            property = decodeProperty(doc.value, file: doc.path, &decoder)
        }
        let platform = property?.platform
        for doc in documents where doc.path != "property.json" {
            switch FileKind.classify(doc.path) {
            case .extension?:
                if let e = decodeExtension(doc.value, file: doc.path, &decoder) {
                    extensions.append(e)
                } else {
                    complete = false
                }
            case .dataElement?:
                if let d = decodeDataElement(doc.value, file: doc.path, platform: platform, &decoder) {
                    dataElements.append(d)
                } else {
                    complete = false
                }
            case .rule?:
                if let r = decodeRule(doc.value, file: doc.path, platform: platform, &decoder) {
                    rules.append(r)
                } else {
                    complete = false
                }
            case .library?:
                if let l = decodeLibrary(doc.value, file: doc.path, &decoder) {
                    libraries.append(l)
                } else {
                    complete = false
                }
            case .environment?:
                if let e = decodeEnvironment(doc.value, file: doc.path, &decoder) {
                    environments.append(e)
                } else {
                    complete = false
                }
            default:
                break
            }
        }
        if !hasPropertyFile {
            decoder.bag.emit(
                Diagnostic(
                    .error,
                    id: "model.missing-property-file",
                    "the property has no property.json",
                    at: SourceLocation(file: "property.json"),
                    help: "create property.json with \"name\" and \"platform\""
                )
            )
        }

        checkDuplicates(extensions.map { ($0.name, $0.origin) }, kind: "extension", &decoder)
        checkDuplicates(dataElements.map { ($0.name, $0.origin) }, kind: "data element", &decoder)
        checkDuplicates(rules.map { ($0.name, $0.origin) }, kind: "rule", &decoder)
        checkDuplicates(libraries.map { ($0.name, $0.origin) }, kind: "library", &decoder)
        checkDuplicates(environments.map { ($0.name, $0.origin) }, kind: "environment", &decoder)

        if libraries.isEmpty {
            libraries.append(
                LibraryDefinition(
                    name: "main",
                    resources: .all,
                    origin: FilePointer("property.json", ""),
                    isImplicit: true
                )
            )
        }
        var set: PropertySet?
        if let property {
            set = PropertySet(
                property: property,
                extensions: extensions,
                dataElements: dataElements,
                rules: rules,
                libraries: libraries,
                environments: environments
            )
        }
        var result = LoadResult(propertySet: set, sources: sources, diagnostics: decoder.bag)
        result.isComplete = complete
        return result
    }

    static func checkDuplicates(_ items: [(String, FilePointer)], kind: String, _ d: inout ModelDecoder) {
        var first: [String: FilePointer] = [:]
        for (name, origin) in items {
            if let prior = first[name] {
                d.error(
                    "model.duplicate-name",
                    "\(kind) name '\(name)' is already used by '\(prior.file)'",
                    at: origin.appending("name"),
                    notes: [Diagnostic.Note("first defined here", at: d.location(prior.appending("name")))],
                    help: "names are unique per kind; rename one of them"
                )
            } else {
                first[name] = origin
            }
        }
    }
}
