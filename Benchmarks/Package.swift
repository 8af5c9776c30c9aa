// swift-tools-version: 6.2
import PackageDescription

// Micro-benchmarks of Cairn's answer path, kept in their own package so the root package
// (and its CI) never builds package-benchmark. Run from this directory:
//
//     swift package --disable-sandbox benchmark
//
// The root package is the parent directory. A path dependency's identity is its directory
// name, so it is derived here rather than written down: a clone in another folder works too.
let rootPackage: String = {
    let parts = Context.packageDirectory.split(separator: "/")
    return parts.count >= 2 ? String(parts[parts.count - 2]).lowercased() : "cairn"
}()

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "cairn-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        // The machine's mirror also carries it as ordo-one/benchmark (its new name); the
        // MallocInterposer trait alone keeps the Linux 6.3 runtime interposer (not mirrored) out.
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.3.0"),
        // Already in the graph through package-benchmark; AnswerProfile reads its counters directly.
        .package(url: "https://github.com/ordo-one/malloc-interposer.git", from: "1.6.1"),
    ],
    targets: [
        // The zones, tables and query bytes every benchmark and the profiling driver share.
        .target(
            name: "AnswerFixtures",
            dependencies: [
                .product(name: "DNSAuthority", package: rootPackage),
                .product(name: "DNSWire", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ],
            swiftSettings: swiftSettings
        ),
        // package-benchmark's layout: Benchmarks/<Target>/, run by the BenchmarkPlugin.
        .executableTarget(
            name: "AnswerBenchmarks",
            dependencies: [
                "AnswerFixtures",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "DNSAuthority", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/AnswerBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // A plain driver: prints ns and mallocs per query as a one-line table, and runs one
        // case N times under valgrind or perf (`AnswerProfile --case txt-hit --iterations N`).
        .executableTarget(
            name: "AnswerProfile",
            dependencies: [
                "AnswerFixtures",
                .product(name: "DNSAuthority", package: rootPackage),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
