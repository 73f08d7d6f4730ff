// swift-tools-version:6.1
import PackageDescription
#if os(Linux)
import Glibc
#endif

// Dependency direction (an arrow points from a module to its users):
//   HeyGen ─► HeyGenSimulator ─► twindeck          TwinDeckResources ─► HeyGenSimulator
//   HeyGen ─► TwinDeckCore ─► TwinDeckUI ─► twindeck
//   HeyGen, TwinDeckCore ─► TwinDeckWebhooks (Hummingbird receiver) ─► twindeck
//   CNCurses, CTerminalShim ─► Terminal ─► TwinDeckUI     CSearch, CHeap ─► TwinDeckCore
//   CTerminalShim ─► TwinDeckUI (the external editor, td_run_editor)

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The release link on Linux uses lld (shipped with every Swift toolchain for Linux) and packs the
/// executable's ~70,000 relative relocations into a DT_RELR table: 1.6 MB of `.rela.dyn` the loader read
/// at every start become 14 KB, and the app keeps about 1 MiB less resident (README "Performance").
/// glibc reads DT_RELR from 2.36 on; with an older glibc the link stays as it was.
let releaseLinkerSettings: [LinkerSetting] = {
    #if os(Linux)
    var buffer = [CChar](repeating: 0, count: 64)  // "glibc 2.36"
    _ = confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count)
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let version = text.split(separator: " ").last.map { $0.split(separator: ".").compactMap { Int($0) } } ?? []
    guard version.count >= 2, (version[0], version[1]) >= (2, 36) else { return [] }
    return [.unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                         .when(platforms: [.linux], configuration: .release))]
    #else
    return []
    #endif
}()

let package = Package(
    name: "TwinDeck",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "twindeck", targets: ["twindeck"]),
        .library(name: "HeyGen", targets: ["HeyGen"]),
        .library(name: "HeyGenSimulator", targets: ["HeyGenSimulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // MARK: - System libraries
        .systemLibrary(
            name: "CNCurses",
            path: "Sources/CNCurses",
            providers: [.apt(["libncurses-dev"]), .brew(["ncurses"])]
        ),

        .target(
            name: "CTerminalShim",
            path: "Sources/CTerminalShim",
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        .target(name: "CSearch", path: "Sources/CSearch"),
        .target(name: "CHeap", path: "Sources/CHeap"),

        // MARK: - HeyGen API (models, validation rules, client). No UI code.
        .target(
            name: "HeyGen",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Simulator fixtures (the top-level Resources/ folder)
        .target(
            name: "TwinDeckResources",
            path: "Resources",
            exclude: ["README.md", "generate_voices.py", "generate_previews.py"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),

        // MARK: - HeyGen-compatible simulator (Hummingbird)
        .target(
            name: "HeyGenSimulator",
            dependencies: [
                "HeyGen",
                "TwinDeckResources",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - App core (state, update, effects)
        .target(
            name: "TwinDeckCore",
            dependencies: [
                "HeyGen", "CSearch", "CHeap",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Webhook receiver (Hummingbird; records deliveries into the store)
        .target(
            name: "TwinDeckWebhooks",
            dependencies: [
                "HeyGen", "TwinDeckCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: - Terminal (ncurses behind a small screen protocol)
        .target(
            name: "Terminal",
            dependencies: ["CNCurses", "CTerminalShim"],
            swiftSettings: swiftSettings
        ),

        // MARK: - Views
        .target(
            name: "TwinDeckUI",
            dependencies: ["TwinDeckCore", "Terminal", "CTerminalShim", "HeyGen", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // MARK: - Executable
        .executableTarget(
            name: "twindeck",
            dependencies: [
                "HeyGen", "HeyGenSimulator", "TwinDeckCore", "TwinDeckUI", "TwinDeckWebhooks", "Terminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
        ),

        // MARK: - Test support and tests
        .target(
            name: "TwinDeckTestSupport",
            dependencies: [
                "HeyGen", "HeyGenSimulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeyGenTests",
            dependencies: ["HeyGen", "TwinDeckTestSupport"],
            exclude: ["ContractExamples"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HeyGenSimulatorTests",
            dependencies: [
                "HeyGen", "HeyGenSimulator", "TwinDeckTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // A copy of the contract's published schemas, for a checkout without ../shared (SchemaConformanceTests).
            exclude: ["Schema"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TwinDeckCLITests",
            dependencies: ["HeyGen", "TwinDeckTestSupport", "twindeck"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TwinDeckUITests",
            dependencies: ["TwinDeckUI", "TwinDeckCore", "Terminal", "HeyGen", "HeyGenSimulator", "TwinDeckTestSupport"],
            // The golden screens are read from the source tree by path (#filePath), not bundled.
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TwinDeckE2ETests",
            dependencies: ["twindeck"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TwinDeckCoreTests",
            dependencies: ["TwinDeckCore", "HeyGen", "TwinDeckTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TwinDeckWebhooksTests",
            dependencies: [
                "TwinDeckWebhooks", "TwinDeckCore", "HeyGen", "HeyGenSimulator", "TwinDeckTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TerminalTests",
            dependencies: ["Terminal"],
            swiftSettings: swiftSettings
        ),
    
        // MARK: - Benchmarks (`swift package benchmark`)
        .executableTarget(
            name: "TwinDeckBenchmarks",
            dependencies: [
                "HeyGen", "TwinDeckCore", "TwinDeckUI", "Terminal",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TwinDeckBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
