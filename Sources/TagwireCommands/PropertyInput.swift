import ArgumentParser
import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireIR
import TagwireJSON
import TagwireMetaSender
import TagwireModel
import TagwireRuntime

/// Loading a property directory or a built artifact, shared by the commands.
enum PropertyInput {
    /// Loads and compiles a property directory; diagnostics are rendered with the directory as prefix when asked.
    static func load(_ directory: String) -> LoadResult? {
        do {
            return PropertyLoader.load(try PropertySource.directory(directory))
        } catch {
            Output.err("error: \(error)\n")
            return nil
        }
    }

    /// Writes diagnostics to stderr in the chosen format. With `property` (a property directory as the user named
    /// it), file names are given relative to the current directory, as compilers name them, and JSON diagnostics
    /// name the property.
    static func report(_ diagnostics: [Diagnostic], sources: SourceFiles, format: DiagnosticFormat, property: String?) {
        Output.err(render(diagnostics, sources: sources, format: format, property: property))
    }

    /// The text of ``report(_:sources:format:property:)``.
    static func render(_ diagnostics: [Diagnostic], sources: SourceFiles, format: DiagnosticFormat, property: String?)
        -> String
    {
        switch format {
        case .json:
            return JSONWriter(pretty: true).string(.array(json(diagnostics, property: property))) + "\n"
        case .text:
            let prefix = property.map(shown).flatMap { $0 == "." ? nil : $0 }
            let list = prefix.map { p in diagnostics.map { prefixed($0, p) } } ?? diagnostics
            return TextDiagnosticRenderer(sources: prefix.map { sources.prefixed($0) } ?? sources).render(list)
        }
    }

    /// Diagnostics as JSON objects, with file names relative to the current directory and the property named.
    static func json(_ diagnostics: [Diagnostic], property: String?) -> [JSONValue] {
        let shownProperty = property.map(shown)
        let prefix = shownProperty.flatMap { $0 == "." ? nil : $0 }
        return diagnostics.map { d in
            var value = JSONDiagnosticRenderer.json(prefix.map { prefixed(d, $0) } ?? d)
            if let shownProperty, case .object(var o) = value {
                o["property"] = .string(shownProperty)
                value = .object(o)
            }
            return value
        }
    }

    /// The diagnostic with its file names (and its notes') under `prefix`.
    static func prefixed(_ d: Diagnostic, _ prefix: String) -> Diagnostic {
        var d = d
        if let file = d.location?.file { d.location?.file = prefix + "/" + file }
        d.notes = d.notes.map { n in
            var n = n
            if let file = n.location?.file { n.location?.file = prefix + "/" + file }
            return n
        }
        return d
    }

    /// A path as the user's shell would name it: relative to the current directory when it lies below it (`..`
    /// segments resolved), else absolute.
    static func shown(_ path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true))
            .standardizedFileURL.path
        if absolute == cwd { return "." }
        if absolute.hasPrefix(cwd.hasSuffix("/") ? cwd : cwd + "/") {
            return String(absolute.dropFirst(cwd.hasSuffix("/") ? cwd.count : cwd.count + 1))
        }
        return absolute
    }

    /// NDJSON events from a file, or from standard input for `-`.
    static func readEvents(_ path: String) throws -> [UInt8] {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        // Read straight into the array: a day of events is hundreds of megabytes, not worth copying twice.
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ValidationError("cannot read events file '\(path)': \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
            throw ValidationError("cannot read events file '\(path)': it is a directory")
        }
        // A regular file's size is known; a pipe (`--events <(zcat day.ndjson.gz)`) grows the array as it is read.
        let isRegular = (info.st_mode & S_IFMT) == S_IFREG
        var bytes = [UInt8](repeating: 0, count: isRegular ? Int(info.st_size) : 1 << 20)
        var filled = 0
        while true {
            if filled == bytes.count {
                if isRegular { break }
                bytes += [UInt8](repeating: 0, count: bytes.count)
            }
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base + filled, buffer.count - filled)
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
        }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
        return bytes
    }

    /// Why a library could not be loaded from a path.
    enum GraphLoadFailure: Error {
        /// The artifact could not be read or decoded.
        case artifact(any Error)
        /// The property directory could not be read.
        case unreadable(any Error)
        /// The property has errors.
        case invalid(errors: [Diagnostic], sources: SourceFiles)
    }

    /// A built artifact cannot be changed before it runs.
    struct ArtifactIsBuilt: Error, CustomStringConvertible {
        var description: String { "a built artifact cannot be adjusted; give the property directory" }
    }

    /// The rule graph of a built artifact (no compiler), or of a property directory compiled for `library` and
    /// `environment` after `adjust` changed what was loaded (a demo's endpoint, test events); an artifact with
    /// `adjust` is refused. Prints nothing: callers report the failure their own way.
    static func graph(
        _ path: String,
        library: String?,
        environment: String?,
        adjust: ((inout PropertySet) -> Void)? = nil
    ) -> Result<RuleGraph, GraphLoadFailure> {
        if isArtifact(path) {
            if adjust != nil { return .failure(.artifact(ArtifactIsBuilt())) }
            do {
                return .success(try loadArtifact(path))
            } catch {
                return .failure(.artifact(error))
            }
        }
        let source: PropertySource
        do {
            source = try PropertySource.directory(path)
        } catch {
            return .failure(.unreadable(error))
        }
        var load = PropertyLoader.load(source)
        if let adjust, var set = load.propertySet {
            adjust(&set)
            load.propertySet = set
        }
        let result = Compiler.compile(
            load,
            options: CompileOptions(library: library, environment: environment),
            registry: BuiltInExtensions.all.contracts
        )
        let errors = result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let graph = result.graph else {
            return .failure(.invalid(errors: errors, sources: result.sources))
        }
        return .success(graph)
    }

    /// An engine for a property directory or an artifact, problems written to stderr (nil then). `library` and
    /// `environment` apply to property directories; naming them for an artifact is a usage error.
    static func engine(_ path: String, library: String?, environment: String?, options: EngineOptions) throws -> Engine?
    {
        if isArtifact(path), environment != nil || library != nil {
            throw ValidationError(
                "an artifact is built for one library and environment; --environment and --library apply to property directories"
            )
        }
        switch graph(path, library: library, environment: environment) {
        case .success(let graph):
            return Engine(graph: graph, extensions: BuiltInExtensions.all, options: options)
        case .failure(.artifact(let error)), .failure(.unreadable(let error)):
            Output.err("error: \(error)\n")
            return nil
        case .failure(.invalid(let errors, let sources)):
            report(errors, sources: sources, format: .text, property: path)
            return nil
        }
    }

    /// Whether a path is a built artifact (a directory with library.json, or library.json itself).
    static func isArtifact(_ path: String) -> Bool {
        let fm = FileManager.default
        if path.hasSuffix(".json") { return fm.fileExists(atPath: path) }
        return fm.fileExists(atPath: (path as NSString).appendingPathComponent("library.json"))
            && !fm.fileExists(atPath: (path as NSString).appendingPathComponent("property.json"))
    }

    /// Loads a graph from a built artifact, without the compiler.
    static func loadArtifact(_ path: String) throws -> RuleGraph {
        let file = path.hasSuffix(".json") ? path : (path as NSString).appendingPathComponent("library.json")
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read artifact '\(file)'")
        }
        return try GraphLoader.load([UInt8](data), name: file)
    }

    /// The git revision of the directory's repository, with `-dirty` when it has uncommitted changes there.
    static func gitRevision(_ directory: String) -> String? {
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", directory] + args
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let rev = git(["rev-parse", "HEAD"]), !rev.isEmpty else { return nil }
        let status = git(["status", "--porcelain", "--", "."]) ?? ""
        return status.isEmpty ? rev : rev + "-dirty"
    }

    /// The batch key → credentials resolver of an edge library; exit 1, saying why, when its token cannot be read.
    static func credentials(_ engine: Engine) throws -> @Sendable (String) -> BatchCredentials? {
        do {
            return try ConversionsAPIItems.credentialResolver(engine: engine)
        } catch {
            Output.err("error: \(error.message)\n")
            throw ExitCode(1)
        }
    }
}

/// Checks of option values that several commands take, so that they agree on what they accept.
enum OptionCheck {
    /// `--pixel-id`: a Meta pixel (dataset) id is 5 to 20 digits.
    static func pixelID(_ value: String) throws {
        guard (5...20).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError(
                "--pixel-id '\(value)' is not a pixel id; expected its digits, such as 1234567890123456"
            )
        }
    }

    /// An environment variable's name, as a shell takes it: letters, digits and '_', not starting with a digit.
    static func environmentVariable(_ value: String, option: String) throws {
        guard let first = value.first, !first.isNumber,
            value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else {
            throw ValidationError(
                "\(option) '\(value)' is not an environment variable name; use letters, digits and '_', such as META_ACCESS_TOKEN"
            )
        }
    }
}
