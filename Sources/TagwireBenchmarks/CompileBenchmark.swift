import Foundation
import TagwireCompiler
import TagwireDiagnostics
import TagwireExtensions
import TagwireHashing
import TagwireIR
import TagwireJSON
import TagwireMeta
import TagwireMetaExtensions
import TagwireModel
import TagwireRuntime

func generatedProperty(rules: Int, dataElements: Int) -> [PropertySource.File] {
    func file(_ path: String, _ value: JSONValue) -> PropertySource.File {
        PropertySource.File(path: path, bytes: JSONWriter(pretty: true).bytes(value))
    }
    var files: [PropertySource.File] = [
        file("property.json", ["name": "bench", "platform": "edge"]),
        file(
            "extensions/meta-capi.json",
            ["name": "meta-capi", "settings": ["pixelId": "{{DE 0}}", "accessToken": "{{Token}}"]]
        ),
        file("extensions/http.json", ["name": "http"]),
        file(
            "environments/production.json",
            ["name": "production", "stage": "production", "secrets": ["token": ["env": "TOKEN"]]]
        ),
        file("data-elements/token.json", ["name": "Token", "type": "core.secret", "settings": ["secret": "token"]]),
    ]
    for i in 0..<dataElements {
        let value: JSONValue =
            i % 5 == 0
            ? ["name": .string("DE \(i)"), "type": "core.constant", "settings": ["value": .string("v\(i)")]]
            : [
                "name": .string("DE \(i)"), "type": "core.path",
                "settings": ["path": .string("arc.event.data.field\(i % 97).sub\(i % 13)")], "default": "",
                "cleanText": true,
            ]
        files.append(file("data-elements/de-\(i).json", value))
    }
    for r in 0..<rules {
        let a = r % dataElements
        let b = (r * 7 + 3) % dataElements
        let c = (r * 13 + 5) % dataElements
        let action: JSONValue =
            r % 2 == 0
            ? [
                "type": "meta-capi.send-event",
                "settings": [
                    "eventName": "Purchase", "eventId": .string("{{DE \(a)}}"), "email": .string("{{DE \(b)}}"),
                    "phone": .string("{{DE \(c)}}"), "eventSourceUrl": "https://shop.example.com/",
                    "clientUserAgent": .string("{{DE \(a)}}"),
                    "customData": ["value": 10, "currency": "USD", "note": .string("rule \(r) {{DE \(b)}}")],
                ],
            ]
            : [
                "type": "http.send-request",
                "settings": [
                    "method": "POST", "url": .string("https://hooks.example.com/\(r)/{{DE \(c)}}"),
                    "body": ["a": .string("{{DE \(a)}}")],
                ],
            ]
        files.append(
            file(
                "rules/rule-\(r).json",
                [
                    "name": .string("Rule \(r)"), "order": .number(Double(r % 100)),
                    "conditions": [
                        [
                            "type": "core.value-comparison",
                            "settings": [
                                "leftOperand": .string("{{DE \(b)}}"), "comparison": ["operator": "equals"],
                                "rightOperand": .string("x\(r)"),
                            ],
                        ]
                    ],
                    "actions": [action],
                ]
            )
        )
    }
    return files
}

func benchCompile() {
    print("== compile: validate + build a generated property (10,000 rules, 5,000 data elements; best of 3 runs)")
    let files = generatedProperty(rules: 10_000, dataElements: 5_000)
    let bytes = files.reduce(0) { $0 + $1.bytes.count }
    print("files: \(files.count), \(format(Double(bytes) / 1_048_576)) MiB")

    // Baseline: Foundation merely parsing every file (no positions, no checks).
    var parsed = 0
    let baseline = best {
        parsed = 0
        for f in files {
            if (try? JSONSerialization.jsonObject(with: Data(f.bytes))) != nil { parsed += 1 }
        }
    }
    var diagnostics = 0
    var artifactBytes = 0
    var phases: [(String, Double)] = []
    var bestPhases: [(String, Double)] = []
    var ours = Double.infinity
    for _ in 0..<3 {
        phases = []
        let total = seconds {
            var load: LoadResult?
            phases.append(("load", seconds { load = PropertyLoader.load(PropertySource(root: "bench", files: files)) }))
            guard let load else { return }
            phases.append(
                (
                    "validate",
                    seconds {
                        diagnostics =
                            Compiler.validate(load, registry: BuiltInExtensions.all.contracts).diagnostics.count
                    }
                )
            )
            var result: CompilationResult?
            phases.append(
                (
                    "compile",
                    seconds {
                        result = Compiler.compile(
                            load,
                            options: CompileOptions(environment: "production"),
                            registry: BuiltInExtensions.all.contracts
                        )
                    }
                )
            )
            phases.append(
                (
                    "publish",
                    seconds {
                        if let graph = result?.graph {
                            artifactBytes = PublishedLibrary(graph: graph, sourceRevision: nil).libraryBytes.count
                        }
                    }
                )
            )
        }
        if total < ours {
            ours = total
            bestPhases = phases
        }
    }
    print("baseline (JSONSerialization parse only): \(format(baseline, 3)) s for \(parsed) files")
    print(
        "tagwire validate + build:                \(format(ours, 3)) s (\(diagnostics) diagnostics, artifact \(format(Double(artifactBytes) / 1_048_576)) MiB)"
    )
    if let load = Optional(PropertyLoader.load(PropertySource(root: "bench", files: files))),
        let g = Compiler.compile(load, registry: BuiltInExtensions.all.contracts).graph
    {
        var json: JSONValue = .null
        var bytes: [UInt8] = []
        let t1 = seconds { json = g.json }
        let t2 = seconds { bytes = JSONWriter().bytes(json) }
        let t3 = seconds { _ = SHA256.hexDigest(bytes) }
        print("publish detail: graph→JSON \(format(t1, 3)) s, write \(format(t2, 3)) s, sha256 \(format(t3, 3)) s")
    }
    print("phases of that run: " + bestPhases.map { "\($0.0) \(format($0.1, 3)) s" }.joined(separator: ", "))
    print("ratio (tagwire time / baseline time):    \(format(ours / baseline))x")
    print("peak memory (max RSS of the process):    \(format(peakMemoryMB(), 1)) MB")
}
