import CairnTestSupport
import DNSWire
import Foundation
import Testing

/// A start on a store that is still being restored (a million names take seconds): static data
/// is answered at once, and a name that may be owned is never answered NXDOMAIN or NODATA, which
/// a resolver would cache, but SERVFAIL with Extended DNS Error 14, Not Ready, until it is.
/// `CAIRN_FAILPOINT=holdRestore` holds the restore until the test creates a file, standing in
/// for a large store without building one.
@Suite(.serialized, .timeLimit(.minutes(3))) struct RestoreTests {
    typealias Registration = HookAPIServeTests.Registration
    static let notReady = [EDNS.Option(code: .extendedError, data: [0, 14])]
    static let authZone = HookAPIServeTests.authZone

    /// A first run stores a registration and its value.
    static func storeOneValue(in directory: TemporaryDirectory) async throws -> (Registration, String) {
        try await HookAPIServeTests.serve(in: directory) { _, apiPort, _ in
            let registration = try await HookAPIServeTests.register(apiPort)
            let value = HookAPIServeTests.digest(1)
            let reply = try await HookAPIServeTests.update(apiPort, registration, value)
            try #require(reply.status == 200, "\(reply.body)")
            return (registration, value)
        }
    }

    /// Runs `cairn serve` on `directory`'s state with its restore held.
    static func serveHeld(
        in directory: TemporaryDirectory, _ body: @Sendable (_ dnsPort: Int) async throws -> Void
    ) async throws {
        let dnsPort = try await LoopbackPorts.free()
        let soaName = try DNSName(authZone)
        let arguments = [
            "serve", "--zones", directory.file("zones"), "--state-dir", directory.file("state"), "--listen",
            "127.0.0.1:\(dnsPort)", "--api-listen", "none", "--udp-sockets", "1",
        ]
        let environment = ["CAIRN_API_AUTH_ZONE": authZone, "CAIRN_FAILPOINT": "holdRestore"]
        try await Daemon.with(
            try CairnBinary.path(), arguments, environment: environment, logPath: directory.file("held.log"),
            ready: { await ServeCommandTests.ask(dnsPort, soaName, .soa, timeout: .milliseconds(200)) != nil }
        ) { _ in try await body(dnsPort) }
    }

    /// Asks for `name`'s TXT again and again until values are served (at most 2,000 times and
    /// 10 s); returns them and every negative answer seen on the way.
    static func waitForValues(_ dnsPort: Int, _ name: String) async throws -> ([String], [DNSResponseCode]) {
        let deadline = ContinuousClock.now + .seconds(10)
        var negative: [DNSResponseCode] = []
        for _ in 0..<2_000 where ContinuousClock.now < deadline {
            let (code, values): (DNSResponseCode, [String]) = try await HookAPIServeTests.txt(dnsPort, name)
            if !values.isEmpty { return (values, negative) }
            if code != .serverFailure { negative.append(code) }
            try await Task.sleep(for: .milliseconds(5))
        }
        return ([], negative)
    }

    @Test func whileTheStoreIsRestoredStaticDataIsAnsweredAndNoOwnedNameIsDenied() async throws {
        try await withTemporaryDirectory { directory in
            let (registration, value) = try await Self.storeOneValue(in: directory)
            let log: @Sendable () -> String = {
                (try? String(contentsOfFile: directory.file("held.log"), encoding: .utf8)) ?? ""
            }
            try await Self.serveHeld(in: directory) { dnsPort in
                let soa = try #require(await ServeCommandTests.ask(dnsPort, try DNSName(Self.authZone), .soa))
                #expect(soa.responseCode == .noError)
                #expect(soa.answers.count == 1)
                #expect(!log().contains("challenge table rebuilt"), "\(log())")
                for name in [registration.fulldomain, "never-registered.\(Self.authZone)"] {
                    let held = try #require(await ServeCommandTests.ask(dnsPort, try DNSName(name), .txt))
                    #expect(held.responseCode == .serverFailure, "\(name)")
                    #expect(held.answers.isEmpty, "\(name)")
                    #expect(held.edns?.options == Self.notReady, "\(name)")
                }

                FileManager.default.createFile(
                    atPath: ServeCommandTests.releaseFile(directory.file("state")), contents: nil)
                let (served, negative) = try await Self.waitForValues(dnsPort, registration.fulldomain)
                #expect(served == [value], "\(log())")
                #expect(negative.isEmpty, "\(negative)")
                let absent = try #require(
                    await ServeCommandTests.ask(dnsPort, try DNSName("never-registered.\(Self.authZone)"), .txt))
                #expect(absent.responseCode == .nameError)
            }
        }
    }
}

extension ServeCommandTests {
    /// The file that ends `CAIRN_FAILPOINT=holdRestore` for state directory `state`.
    static func releaseFile(_ state: String) -> String { "\(state)/release-restore" }
}
