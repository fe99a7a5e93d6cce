// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "keydash",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "keydash", targets: ["keydash"]),
        // For the fuzz targets in Fuzz/ and the benchmarks in Benchmarks/.
        .library(name: "WhyLabsAPI", targets: ["WhyLabsAPI"]),
        .library(name: "KeyDashCore", targets: ["KeyDashCore"]),
        // For the benchmarks in Benchmarks/, also a package of their own.
        .library(name: "KeyDashTUI", targets: ["KeyDashTUI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        .target(
            name: "WhyLabsAPI",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .target(
            name: "KeyServer",
            dependencies: [
                "WhyLabsAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "KeyDashCore",
            dependencies: [
                "WhyLabsAPI",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(name: "CProcessHardening"),
        .systemLibrary(
            name: "CNCursesW",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        .target(
            name: "KeyDashTUI",
            dependencies: [
                "KeyDashCore",
                "CNCursesW",
                "CProcessHardening",
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            plugins: ["EmbedThemes"]
        ),
        // Builds themes/*.toml into KeyDashTUI, so a lone binary has every shipped theme.
        .executableTarget(name: "EmbedThemesTool"),
        .plugin(name: "EmbedThemes", capability: .buildTool(), dependencies: ["EmbedThemesTool"]),
        .executableTarget(
            name: "keydash",
            dependencies: [
                "WhyLabsAPI",
                "KeyServer",
                "KeyDashCore",
                "KeyDashTUI",
                "CProcessHardening",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // A misbehaving WhyLabs-shaped server for the fault tests (not shipped).
        .target(
            name: "ScriptedServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Tests/ScriptedServer"
        ),
        .testTarget(name: "WhyLabsAPITests", dependencies: ["WhyLabsAPI"]),
        .testTarget(
            name: "KeyServerTests",
            dependencies: [
                "KeyServer", "WhyLabsAPI", "ScriptedServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "KeyDashCoreTests", dependencies: ["KeyDashCore", "KeyServer", "WhyLabsAPI"]),
        .testTarget(name: "KeyDashTUITests", dependencies: ["KeyDashTUI", "KeyDashCore", "WhyLabsAPI", "CNCursesW"]),
        .testTarget(name: "EndToEndTests", dependencies: ["KeyServer", "WhyLabsAPI", "ScriptedServer"]),
    ],
    swiftLanguageModes: [.v6]
)
