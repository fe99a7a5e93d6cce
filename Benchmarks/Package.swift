// swift-tools-version:6.1
// keydash's benchmarks (ordo-one/benchmark: wall time, instructions and
// malloc counts, with percentiles), a package of their own so `swift test`
// never builds them. Run from this folder:
//   swift package benchmark
// or regenerate BENCHMARKS.md with everything in it: scripts/benchmarks.py
import PackageDescription

let package = Package(
    name: "keydash-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "keydash", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "KeydashBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "WhyLabsAPI", package: "keydash"),
                .product(name: "KeyDashCore", package: "keydash"),
                .product(name: "KeyDashTUI", package: "keydash"),
            ],
            path: "Benchmarks/KeydashBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Whole-path figures that need many rounds in one process.
        .executableTarget(
            name: "KeydashProbe",
            dependencies: [
                .product(name: "WhyLabsAPI", package: "keydash"),
                .product(name: "KeyDashCore", package: "keydash"),
                .product(name: "KeyDashTUI", package: "keydash"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
