// swift-tools-version:6.2
import PackageDescription

// Core targets (JSON, Diagnostics, Model, IR, Compiler, Meta, Runtime) depend on nothing beyond the
// standard library and Foundation, so they build in seconds and most tests run without NIO.
var swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]
if Context.environment["CI"] != nil {
    swiftSettings.append(.treatAllWarnings(as: .error))
}

var products: [Product] = [
    .executable(name: "tagwire", targets: ["tagwire"]),
    .library(name: "TagwireJSON", targets: ["TagwireJSON"]),
    .library(name: "TagwireHashing", targets: ["TagwireHashing"]),
    .library(name: "TagwireDiagnostics", targets: ["TagwireDiagnostics"]),
    .library(name: "TagwireModel", targets: ["TagwireModel"]),
    .library(name: "TagwireIR", targets: ["TagwireIR"]),
    .library(name: "TagwireCompiler", targets: ["TagwireCompiler"]),
    .library(name: "TagwireMeta", targets: ["TagwireMeta"]),
    .library(name: "TagwireRuntime", targets: ["TagwireRuntime"]),
    .library(name: "TagwireCoreExtensions", targets: ["TagwireCoreExtensions"]),
    .library(name: "TagwireMetaExtensions", targets: ["TagwireMetaExtensions"]),
    .library(name: "TagwireExtensions", targets: ["TagwireExtensions"]),
    .library(name: "TagwireWeb", targets: ["TagwireWeb"]),
    .library(name: "TagwireCommands", targets: ["TagwireCommands"]),
    .library(name: "TagwireGraphSandbox", targets: ["TagwireGraphSandbox"]),
    .library(name: "TagwireDelivery", targets: ["TagwireDelivery"]),
    .library(name: "TagwireOutboxSQLite", targets: ["TagwireOutboxSQLite"]),
    .library(name: "TagwireMetaSender", targets: ["TagwireMetaSender"]),
    .library(name: "TagwireServer", targets: ["TagwireServer"]),
    .executable(name: "tagwire-graph-sandbox", targets: ["tagwire-graph-sandbox"]),
]

var targets: [Target] = [
    .target(name: "TagwireJSON", swiftSettings: swiftSettings),
    // SHA-256 block compression with the x86 SHA extensions, picked at run time (our own C, no dependency); the
    // Swift implementation in TagwireHashing is used everywhere else.
    .target(name: "CTagwireSHA"),
    .target(name: "TagwireHashing", dependencies: ["CTagwireSHA"], swiftSettings: swiftSettings),
    .target(name: "TagwireDiagnostics", dependencies: ["TagwireJSON"], swiftSettings: swiftSettings),
    .target(name: "TagwireModel", dependencies: ["TagwireJSON", "TagwireDiagnostics"], swiftSettings: swiftSettings),
    .target(name: "TagwireIR", dependencies: ["TagwireJSON"], swiftSettings: swiftSettings),
    .target(
        name: "TagwireCompiler",
        dependencies: ["TagwireJSON", "TagwireDiagnostics", "TagwireModel", "TagwireIR", "TagwireHashing"],
        swiftSettings: swiftSettings
    ),
    // TagwireIR for JavaScript's lower-casing (Coercion), which Meta's normalisation shares with the engine.
    .target(
        name: "TagwireMeta",
        dependencies: ["TagwireJSON", "TagwireHashing", "TagwireIR"],
        swiftSettings: swiftSettings
    ),
    // The engine: it knows no extension; each one brings its components' delegates.
    .target(name: "TagwireRuntime", dependencies: ["TagwireJSON", "TagwireIR"], swiftSettings: swiftSettings),
    // Each extension's browser code sits beside its Swift code, readable and minified (scripts/minify-web.sh),
    // compiled into the binary so a build needs no JavaScript toolchain and no resource bundle.
    .target(
        name: "TagwireCoreExtensions",
        dependencies: ["TagwireJSON", "TagwireIR", "TagwireDiagnostics", "TagwireRuntime"],
        resources: [
            .embedInCode("Core/core.js"), .embedInCode("Core/core.min.js"), .embedInCode("Edge/edge.js"),
            .embedInCode("Edge/edge.min.js"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TagwireMetaExtensions",
        dependencies: ["TagwireJSON", "TagwireIR", "TagwireMeta", "TagwireRuntime"],
        resources: [.embedInCode("MetaPixel/meta-pixel.js"), .embedInCode("MetaPixel/meta-pixel.min.js")],
        swiftSettings: swiftSettings
    ),
    // The browser runtime and the builder of a web library's JavaScript file.
    .target(
        name: "TagwireWeb",
        dependencies: ["TagwireJSON", "TagwireIR", "TagwireHashing"],
        resources: [.embedInCode("Runtime/runtime.js"), .embedInCode("Runtime/runtime.min.js")],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TagwireExtensions",
        dependencies: ["TagwireRuntime", "TagwireCoreExtensions", "TagwireMetaExtensions"],
        swiftSettings: swiftSettings
    ),
    // SQLite from the system (Debian's libsqlite3-dev): a C library, no Swift package to build.
    .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
    .target(name: "TagwireDelivery", dependencies: ["TagwireJSON"], swiftSettings: swiftSettings),
    .target(name: "TagwireOutboxSQLite", dependencies: ["TagwireDelivery", "CSQLite"], swiftSettings: swiftSettings),
    .target(
        name: "TagwireOutboxPostgres",
        dependencies: [
            "TagwireDelivery", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireOutboxTests",
        dependencies: [
            "TagwireDelivery", "TagwireOutboxSQLite", "TagwireOutboxPostgres", "TagwireJSON", "TagwireTestSupport",
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TagwireGraphSandbox",
        dependencies: [
            "TagwireJSON", "TagwireMeta", "TagwireHashing", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
        ],
        resources: [.embedInCode("Pixel/fbevents.js")],
        swiftSettings: swiftSettings
    ),
    .executableTarget(
        name: "tagwire-graph-sandbox",
        dependencies: [
            "TagwireGraphSandbox", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TagwireMetaSender",
        dependencies: [
            "TagwireJSON", "TagwireMeta", "TagwireMetaExtensions", "TagwireHashing", "TagwireRuntime",
            "TagwireDelivery", "TagwireIR",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TagwireServer",
        dependencies: [
            "TagwireJSON", "TagwireIR", "TagwireRuntime", "TagwireDelivery", "TagwireMetaSender", "TagwireHashing",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
            // gzip for the hosted web libraries (zlib, which Debian ships, behind a NIO ByteBuffer API).
            .product(name: "CompressNIO", package: "compress-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    // Child processes for tests that run the built executables (no product: tests only).
    .target(name: "TagwireTestSupport", path: "Tests/TagwireTestSupport", swiftSettings: swiftSettings),
    .testTarget(
        name: "TagwireServerTests",
        dependencies: [
            "TagwireServer", "TagwireTestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            "TagwireCommands", "TagwireJSON", "TagwireDelivery", "TagwireOutboxSQLite", "TagwireGraphSandbox",
            "TagwireMetaSender", "TagwireHashing", "TagwireCompiler", "TagwireModel", "TagwireRuntime",
            "TagwireExtensions",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"), .product(name: "CompressNIO", package: "compress-nio"),
        ],
        exclude: ["Goldens"],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TagwireCommands",
        dependencies: [
            "TagwireJSON", "TagwireDiagnostics", "TagwireModel", "TagwireIR", "TagwireCompiler", "TagwireMeta",
            "TagwireRuntime", "TagwireExtensions", "TagwireMetaExtensions", "TagwireMetaSender", "TagwireDelivery",
            "TagwireOutboxSQLite",
            "TagwireOutboxPostgres", "TagwireServer", "TagwireWeb", "TagwireHashing",
            // The Graph API sandbox in process for `serve --meta-sandbox` and `quickstart validate --meta-sandbox`.
            "TagwireGraphSandbox",
            // chromedriver's HTTP API, for `quickstart validate` (the client the Conversions API sender uses).
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        swiftSettings: swiftSettings
    ),
    .executableTarget(name: "tagwire", dependencies: ["TagwireCommands"], swiftSettings: swiftSettings),
    // Runs the built `tagwire` executable; depends on it so that `swift build --build-tests` builds it.
    .testTarget(
        name: "TagwireCommandsTests",
        dependencies: ["tagwire", "TagwireTestSupport", "TagwireJSON", "TagwireIR"],
        exclude: ["Goldens"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireWebTests",
        dependencies: [
            "TagwireWeb", "TagwireTestSupport", "TagwireJSON", "TagwireIR", "TagwireHashing", "TagwireCompiler",
            "TagwireModel", "TagwireExtensions",
        ],
        // The browser and Node scripts the tests run.
        exclude: ["Browser", "Node"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireJSONTests",
        dependencies: ["TagwireJSON", "TagwireTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireHashingTests",
        dependencies: ["TagwireHashing", "TagwireTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireCompilerTests",
        dependencies: [
            "TagwireJSON", "TagwireDiagnostics", "TagwireModel", "TagwireIR", "TagwireCompiler", "TagwireRuntime",
            "TagwireExtensions",
            "TagwireTestSupport",
        ],
        exclude: ["Fixtures"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireDeliveryTests",
        dependencies: [
            "TagwireTestSupport", "TagwireJSON", "TagwireMeta", "TagwireHashing", "TagwireRuntime",
            "TagwireGraphSandbox", "TagwireMetaSender",
            "TagwireCompiler", "TagwireModel", "TagwireIR", "TagwireDelivery", "TagwireExtensions",
            "TagwireMetaExtensions",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireRuntimeTests",
        dependencies: [
            "TagwireJSON", "TagwireIR", "TagwireCompiler", "TagwireModel", "TagwireRuntime", "TagwireExtensions",
            "TagwireTestSupport",
        ],
        exclude: ["Cases"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireMetaTests",
        dependencies: ["TagwireMeta", "TagwireJSON", "TagwireHashing", "TagwireTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireDiagnosticsTests",
        dependencies: ["TagwireDiagnostics", "TagwireJSON"],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireModelTests",
        dependencies: ["TagwireModel", "TagwireDiagnostics", "TagwireJSON", "TagwireTestSupport"],
        swiftSettings: swiftSettings
    ),
    .testTarget(name: "TagwireIRTests", dependencies: ["TagwireIR", "TagwireJSON"], swiftSettings: swiftSettings),
    // The fuzz targets (the JSON reader, the property compiler, the engine, serve's request bodies), shared by the
    // libFuzzer binary and the tests that replay their saved corpora.
    .target(
        name: "TagwireFuzzing",
        dependencies: [
            "TagwireJSON", "TagwireModel", "TagwireCompiler", "TagwireIR", "TagwireRuntime", "TagwireExtensions",
            "TagwireServer",
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "TagwireFuzzingTests",
        dependencies: ["TagwireFuzzing", "TagwireTestSupport"],
        exclude: ["Corpus"],
        swiftSettings: swiftSettings
    ),
]

// The libFuzzer binary builds only on request, with the sanitizers (scripts/fuzz.sh):
// TAGWIRE_FUZZ=1 swift build --product tagwire-fuzz -Xswiftc -sanitize=fuzzer,address
if Context.environment["TAGWIRE_FUZZ"] != nil {
    products.append(.executable(name: "tagwire-fuzz", targets: ["tagwire-fuzz"]))
    targets += [
        // The declaration of libFuzzer's driver, which the executable starts from its `main`.
        .target(name: "CTagwireFuzz"),
        .executableTarget(
            name: "tagwire-fuzz",
            dependencies: ["TagwireFuzzing", "CTagwireFuzz"],
            swiftSettings: swiftSettings
        ),
    ]
}

// Benchmarks build only on request so that `swift test` in CI does not compile them:
// TAGWIRE_BENCHMARKS=1 swift run -c release tagwire-benchmarks
if Context.environment["TAGWIRE_BENCHMARKS"] != nil {
    products.append(.executable(name: "tagwire-benchmarks", targets: ["TagwireBenchmarks"]))
    targets.append(
        .executableTarget(
            name: "TagwireBenchmarks",
            dependencies: [
                "TagwireJSON", "TagwireModel", "TagwireCompiler", "TagwireIR", "TagwireRuntime", "TagwireDiagnostics",
                "TagwireMeta",
                "TagwireExtensions", "TagwireMetaExtensions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "TagwireGraphSandbox", "TagwireMetaSender", "TagwireDelivery", "TagwireOutboxSQLite",
                "TagwireOutboxPostgres", "TagwireServer",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        )
    )
}

let package = Package(
    name: "tagwire",
    platforms: [.macOS(.v15)],
    products: products,
    dependencies: [
        // Command-line parsing for the `tagwire` executable (validate, build, run); used only by TagwireCommands.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // HTTP server for `tagwire serve` and the Graph API sandbox; only in TagwireServer and TagwireGraphSandbox, never in the core.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // HTTP field types used by the sandbox's responses (already a dependency of Hummingbird).
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // PostgreSQL driver for the outbox shared by several runners; only in TagwireOutboxPostgres.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Logger type postgres-nio's client requires (already a dependency of it); `tagwire serve` logs through it
        // with its own redacting JSON handler.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Graceful shutdown (SIGTERM) of `tagwire serve`'s server and delivery loop (already a dependency of Hummingbird).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // HTTP client that delivers Conversions API requests; only in TagwireMetaSender.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // gzip of the web libraries `tagwire serve --libraries` hosts (a thin layer over the system's zlib); only in
        // TagwireServer.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
    ],
    targets: targets
)
