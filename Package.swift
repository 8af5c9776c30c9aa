// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// The answer path (wire codec, answer logic, socket handlers) in release builds skips the
// run-time exclusivity checks. Most of them guard NIO's ByteBuffer storage, whose methods are
// inlined here: callgrind counts 31 % fewer instructions per answered query without them.
// Debug builds — every test, and the fuzzers under AddressSanitizer — keep them, so an
// overlapping access still traps where it can be found; static checking applies everywhere.
let answerPathSettings: [SwiftSetting] =
    swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

// The release link on Linux: lld, with relative relocations packed (DT_RELR: 30 KB in place of
// the 3.6 MB table the loader reads at every start), and the functions start-up and serving run
// laid out together at the front of .text, busiest first, in the order of contrib/link-order.txt
// (`make link-order` writes it from a callgrind profile; names it lacks are placed as before).
// The kernel maps up to 64 KiB around each page of a file a process first touches, so code spread
// over 35 MB of .text costs resident memory: in make bench, peak RSS fell from 48.5 to 41.9 MB.
// The executable exports only what shared libraries need (--no-export-dynamic; swiftc asks for
// every symbol, 58,000 of them): the loader looks up each library symbol in the executable's
// table first, which mapped 3.6 MB of .dynsym, .dynstr and .gnu.hash at every start. Nothing
// looks up Cairn's own symbols at run time (the Swift runtime finds metadata through sections).
// contrib/release-sections.lds keeps .rodata read-only: the few writable .rodata sections Swift
// emits would otherwise make lld put all of it in the writable segment, whose pages start-up read
// stay resident (cairn serve releases only read-only mappings). `make link-order` profiles a
// binary linked without the script (CAIRN_LINK_FOR_VALGRIND=1): valgrind 3.19 crashes on a write
// fault in rt_sigsuspend, whose signal mask libdispatch keeps in .rodata.
// SQLite, libstdc++, zlib and libgcc are linked from their static archives: contrib/link-static
// holds a linker script named after each shared library (`INPUT(-l:libsqlite3.a)`), and its -L
// comes before the system's, so the -l that swiftc and the module maps add find it first. As
// shared libraries their code and relocations took 1.5-2 MB of resident memory at every start.
let readOnlyRodata =
    Context.environment["CAIRN_LINK_FOR_VALGRIND"] == nil
    ? ["-Xlinker", "-T", "-Xlinker", "\(Context.packageDirectory)/contrib/release-sections.lds"] : []
let releaseLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-L", "\(Context.packageDirectory)/contrib/link-static",
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--symbol-ordering-file=\(Context.packageDirectory)/contrib/link-order.txt",
            "-Xlinker", "--no-warn-symbol-ordering", "-Xlinker", "--no-export-dynamic",
        ] + readOnlyRodata, .when(platforms: [.linux], configuration: .release))
]

// libldns as a shared library in debug builds (tests, fuzzers under AddressSanitizer). A release
// build on Linux links it statically, with the OpenSSL libcrypto its DNSSEC and TSIG code refers
// to (libldns-dev depends on libssl-dev, which has libcrypto.a): Cairn calls only libldns's
// zone-file parser, but loading the two shared libraries cost 2-3 MB of resident memory at every
// start (their symbol tables and relocations), a tenth of a `make bench` server's. Linked in,
// only the code zone loading runs is ever mapped.
let ldnsLinkerSettings: [LinkerSetting] = [
    .linkedLibrary("ldns", .when(configuration: .debug)),
    .linkedLibrary("ldns", .when(platforms: [.macOS], configuration: .release)),
    .unsafeFlags(
        ["-Xlinker", "-Bstatic", "-Xlinker", "-lldns", "-Xlinker", "-lcrypto", "-Xlinker", "-Bdynamic"],
        .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "cairn",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cairn", targets: ["cairn"]),
        .library(name: "DNSWire", targets: ["DNSWire"]),
        .library(name: "DNSAuthority", targets: ["DNSAuthority"]),
        .library(name: "DNSServer", targets: ["DNSServer"]),
        .library(name: "ACMEClient", targets: ["ACMEClient"]),
        .library(name: "Store", targets: ["Store"]),
        .library(name: "HookAPI", targets: ["HookAPI"]),
        .library(name: "DNSLookup", targets: ["DNSLookup"]),
        .library(name: "CertificateManager", targets: ["CertificateManager"]),
        .library(name: "DNSReplication", targets: ["DNSReplication"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.3.0"),
    ],
    targets: [
        .target(
            name: "DNSWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: answerPathSettings
        ),
        // libldns (Debian: libldns-dev) parses zone files. The module map links nothing: how it
        // is linked depends on the build, below (DNSAuthority's linker settings).
        .systemLibrary(name: "CLDNS"),
        .target(
            name: "DNSAuthority",
            dependencies: [
                "DNSWire",
                "CLDNS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ],
            swiftSettings: answerPathSettings,
            linkerSettings: ldnsLinkerSettings
        ),
        // recvmmsg/sendmmsg for the direct UDP path (their headers need _GNU_SOURCE).
        .target(name: "CDatagramBatch"),
        .target(
            name: "DNSServer",
            dependencies: [
                "DNSAuthority",
                "DNSWire",
                "CDatagramBatch",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: answerPathSettings
        ),
        .target(
            name: "ACMEClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Store",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HookAPI",
            dependencies: [
                "Store", "DNSAuthority", "DNSWire", "ACMEClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DNSLookup",
            dependencies: [
                "DNSWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DNSReplication",
            dependencies: [
                "DNSAuthority", "DNSWire", "DNSLookup", "DNSServer",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CertificateManager",
            dependencies: [
                "ACMEClient", "Store", "DNSLookup", "DNSAuthority", "DNSWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CairnApplication",
            dependencies: [
                "DNSAuthority", "DNSServer", "DNSWire", "HookAPI", "Store", "CertificateManager", "DNSLookup",
                "ACMEClient", "DNSReplication",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "cairn",
            dependencies: [
                "DNSAuthority",
                "DNSServer",
                "DNSWire",
                "ACMEClient",
                "Store",
                "HookAPI",
                "DNSLookup",
                "CertificateManager",
                "CairnApplication",
                "DNSReplication",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
        ),
        .testTarget(
            name: "DNSWireTests",
            dependencies: ["DNSWire", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DNSAuthorityTests",
            dependencies: [
                "DNSAuthority", "DNSWire", "CairnTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HashTreeCollections", package: "swift-collections"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DNSServerTests",
            dependencies: [
                "DNSServer", "DNSAuthority", "DNSWire", "CairnTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DNSReplicationTests",
            dependencies: [
                "DNSReplication", "DNSAuthority", "DNSWire", "CairnTestSupport",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ACMEClientTests",
            dependencies: [
                "ACMEClient", "CertificateManager", "Store", "DNSWire", "CairnTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CertificateManagerTests",
            dependencies: [
                "CertificateManager", "ACMEClient", "Store", "DNSAuthority", "DNSWire", "CairnTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CairnApplicationTests",
            dependencies: [
                "CairnApplication", "CertificateManager", "DNSLookup", "DNSWire", "CairnTestSupport", "DNSAuthority",
                "DNSReplication",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: ["Store", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HookAPITests",
            dependencies: [
                "HookAPI", "Store", "DNSAuthority", "DNSWire",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CairnTestSupport",
            dependencies: [
                "DNSWire", "ACMEClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/CairnTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "DNSAuthority", "DNSWire", "DNSServer", "CairnTestSupport", "ACMEClient", "Store", "HookAPI",
                "CairnApplication", "CertificateManager", "DNSReplication",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
