// swift-tools-version:6.0
// libFuzzer targets, built apart from the main package so `swift test` never
// builds them. scripts/fuzz.sh builds them with -sanitize=fuzzer and runs them.
import PackageDescription

let package = Package(
    name: "keydash-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "keydash", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "FuzzDecoder", dependencies: ["FuzzSupport", .product(name: "WhyLabsAPI", package: "keydash"), .product(name: "KeyDashCore", package: "keydash")]),
        .executableTarget(name: "FuzzTime", dependencies: ["FuzzSupport", .product(name: "WhyLabsAPI", package: "keydash")]),
        .executableTarget(name: "FuzzSanitizer", dependencies: ["FuzzSupport", .product(name: "WhyLabsAPI", package: "keydash")]),
        .executableTarget(name: "FuzzReducer", dependencies: ["FuzzSupport", .product(name: "WhyLabsAPI", package: "keydash"), .product(name: "KeyDashCore", package: "keydash")]),
    ],
    swiftLanguageModes: [.v6]
)
