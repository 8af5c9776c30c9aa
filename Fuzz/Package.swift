// swift-tools-version: 6.2
// libFuzzer targets for Cairn's codec (DNSWire), answer logic and zone files (DNSAuthority),
// TSIG and zone transfers (DNSReplication), the hook API (HookAPI) and ACME responses (ACMEClient).
//
// A package of its own so the root package stays free of unsafe flags and of fuzzing
// products. Build and run through `make fuzz` (Fuzz/fuzz.mk); by hand, from the repository root:
//
//   swift build --package-path Fuzz --scratch-path Fuzz/.build -c debug \
//       --sanitize fuzzer --sanitize address -Xswiftc -DCAIRN_LIBFUZZER
//   SWIFT_BACKTRACE=enable=no Fuzz/.build/debug/FuzzMessage -max_len=4096 Fuzz/.work/message Fuzz/Corpus/message
//
// Without `-DCAIRN_LIBFUZZER` (a plain `swift build`) each executable is instead a replayer:
// `FuzzMessage FILE...` runs the same checks once per file, with no sanitizer, which is handy
// for checking a saved crash against a fix.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// libFuzzer supplies `main`; the replayer supplies an `@main` type. Neither wants a top-level
// code entry point, so every executable is parsed as a library.
let executableSettings = swiftSettings + [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "cairn-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "cairn", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "HTTPTypes", package: "swift-http-types")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "FuzzMessage",
            dependencies: [
                "FuzzSupport",
                .product(name: "DNSWire", package: "cairn"),
                .product(name: "DNSAuthority", package: "cairn"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: executableSettings
        ),
        .executableTarget(
            name: "FuzzAnswer",
            dependencies: [
                "FuzzSupport",
                .product(name: "DNSWire", package: "cairn"),
                .product(name: "DNSAuthority", package: "cairn"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: executableSettings
        ),
        .executableTarget(
            name: "FuzzTransfer",
            dependencies: [
                "FuzzSupport",
                .product(name: "DNSWire", package: "cairn"),
                .product(name: "DNSAuthority", package: "cairn"),
                .product(name: "DNSReplication", package: "cairn"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: executableSettings
        ),
        .executableTarget(
            name: "FuzzZoneFile",
            dependencies: [
                "FuzzSupport",
                .product(name: "DNSWire", package: "cairn"),
                .product(name: "DNSAuthority", package: "cairn"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: executableSettings
        ),
        .executableTarget(
            name: "FuzzHookAPI",
            dependencies: [
                "FuzzSupport",
                .product(name: "DNSWire", package: "cairn"),
                .product(name: "DNSAuthority", package: "cairn"),
                .product(name: "HookAPI", package: "cairn"),
                .product(name: "Store", package: "cairn"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: executableSettings
        ),
        .executableTarget(
            name: "FuzzACME",
            dependencies: [
                "FuzzSupport",
                .product(name: "ACMEClient", package: "cairn"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: executableSettings
        ),
    ]
)
