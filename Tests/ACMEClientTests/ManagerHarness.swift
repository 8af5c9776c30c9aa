import ACMEClient
import CertificateManager
import DNSWire
import Foundation
import Store
import Testing

/// The real ``CertificateManagerService`` ordering one declared certificate from a
/// ``FakeACMEServer``: state in an SQLite store and files in a temporary directory, challenges
/// through a ``RecordingPublisher`` whose values the fake CA's dns-01 check reads, and a
/// ``ManagerTestClock`` as its `now`.
///
/// The service's own loop wakes on real time (`settings.tick`); tests never run it. They call
/// ``CertificateManagerService/runSchedulingPassForTesting()`` — one pass, awaited to the end
/// of what it started — after moving the clock.
struct ManagerHarness: Sendable {
    static let certificateName = "site"
    static let domains = ["a.test", "*.a.test"]
    static let issuerName = "fake"

    let server: FakeACMEServer
    let manager: CertificateManagerService
    let clock: ManagerTestClock
    let publisher: RecordingPublisher

    /// Runs `body` with a fresh manager and fake CA, then stops the manager and removes its files.
    static func with<T: Sendable>(
        _ options: FakeACMEServer.Options = FakeACMEServer.Options(),
        _ body: @Sendable (ManagerHarness) async throws -> T
    ) async throws -> T {
        let publisher = RecordingPublisher()
        var options = options
        options.txtLookup = { name, value in publisher.serves(name: name, value: value) }
        return try await FakeACMEServer.with(options) { server in
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("cairn-manager-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }

            let clock = ManagerTestClock(Date())
            let declarations = CertificateDeclarations(
                issuers: [
                    IssuerDeclaration(
                        name: issuerName, directoryURL: await server.directoryURL, caBundle: server.trustedRootsFile)
                ],
                certificates: [CertificateDeclaration(name: certificateName, domains: domains, issuers: [issuerName])])
            let manager = CertificateManagerService(
                settings: .init(
                    certificatesDirectory: "\(directory)/certificates", stateDirectory: "\(directory)/state",
                    resolver: HostPort(host: "127.0.0.1", port: 53), preflight: false),
                declarations: declarations, store: try SQLiteStore(path: "\(directory)/cairn.sqlite"),
                publisher: { _ in publisher }, now: { clock.now }, logger: FakeACMEServer.logger)
            let harness = ManagerHarness(server: server, manager: manager, clock: clock, publisher: publisher)

            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body(harness))
            } catch {
                outcome = .failure(error)
            }
            await harness.stop()
            return try outcome.get()
        }
    }

    /// Shuts down the HTTP clients the manager made (AsyncHTTPClient traps on a client dropped
    /// while running); its `run()`, which would do it on stopping, never ran.
    func stop() async {
        await manager.shutdown()
    }

    /// One scheduling pass of the manager at the clock's time.
    func pass() async { await manager.runSchedulingPassForTesting() }

    /// The declared certificate's status as `cairn certs` shows it.
    func status() async throws -> CertificateStatus {
        try #require(await manager.certificates().first)
    }

    /// The installed certificate.
    func installed() -> InstalledCertificate? { manager.installed(Self.certificateName) }

    /// How many requests the fake CA answered on `route`.
    func requests(_ route: FakeACMEServer.Route) async -> Int { await server.exchanges(route).count }

    /// The `replaces` member of each newOrder, in order (`nil` where it was left out).
    func replacesOfEachOrder() async throws -> [String?] {
        try await server.payloads(.newOrder).map { payload in
            let json = try JSONSerialization.jsonObject(with: payload) as? [String: Any]
            return json?["replaces"] as? String
        }
    }

    /// An RFC 3339 timestamp as a CA writes one in `suggestedWindow`.
    static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

    /// `date` without its fraction of a second, so it survives a trip through ``timestamp(_:)``.
    static func wholeSeconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
