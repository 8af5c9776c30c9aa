import CairnTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// The `api.*` configuration keys: a wrong value stops `cairn serve` with a message naming the key.
@Suite(.timeLimit(.minutes(2))) struct APISettingsTests {
    @Test(arguments: [
        (["--api-listen", "localhost:8053"], "configuration api.listen"),
        (["--api-listen", "::1"], "in brackets"),
        (["--api-listen", "127.0.0.1"], "configuration api.listen"),
    ])
    func badListenAddressesAreRefused(arguments: [String], expected: String) async throws {
        try await withTemporaryDirectory { directory in
            // `timeout` bounds the run should the value wrongly be accepted and the server start.
            let result = try await Tool.run(
                "timeout",
                ["10", try CairnBinary.path()] + [
                    "serve", "--state-dir", directory.file("state"), "--listen", "127.0.0.1:0",
                ] + arguments)
            #expect(!result.succeeded)
            #expect(result.output.contains(expected), "\(result.output)")
        }
    }

    @Test(arguments: [
        ("CAIRN_API_REGISTER_NETWORKS", "10.0.0.0/33", "configuration api.registerNetworks"),
        ("CAIRN_API_TRUSTED_PROXIES", "proxy.example", "configuration api.trustedProxies"),
        ("CAIRN_API_VALUE_LIFETIME_SECONDS", "0", "configuration api.valueLifetimeSeconds"),
        ("CAIRN_API_REGISTER_PER_MINUTE", "0", "configuration api.registerPerMinute"),
        ("CAIRN_API_MAX_REGISTRATIONS", "-1", "configuration api.maxRegistrations"),
        ("CAIRN_API_MAX_REGISTRATIONS", "many", "configuration api.maxRegistrations"),
        ("CAIRN_API_TLS_CERTIFICATE", "/nonexistent.pem", "api.tls.privateKey"),
    ])
    func badKeysAreRefusedByName(key: String, value: String, expected: String) async throws {
        try await withTemporaryDirectory { directory in
            // `timeout` bounds the run should the value wrongly be accepted and the server start.
            let result = try await Tool.run(
                "timeout",
                ["10", try CairnBinary.path()] + [
                    "serve", "--state-dir", directory.file("state"), "--listen", "127.0.0.1:0", "--api-listen", "none",
                ],
                environment: [key: value])
            #expect(!result.succeeded)
            #expect(result.output.contains(expected), "\(result.output)")
        }
    }

    @Test func aTakenAPIPortStopsServeWithTheKeyInTheMessage() async throws {
        try await withTemporaryDirectory { directory in
            let holder = try await ServerBootstrap(group: .singletonMultiThreadedEventLoopGroup)
                .bind(host: "127.0.0.1", port: 0).get()
            let port = try #require(holder.localAddress?.port)
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
            let result = try await Tool.run(
                "timeout",
                ["10", try CairnBinary.path()] + [
                    "serve", "--state-dir", directory.file("state"), "--zones", directory.file("zones"), "--listen",
                    "127.0.0.1:0", "--api-listen", "127.0.0.1:\(port)",
                ])
            try await holder.close()
            #expect(!result.succeeded)
            #expect(result.output.contains("hook API on 127.0.0.1:\(port) (key api.listen"), "\(result.output)")
        }
    }
}
