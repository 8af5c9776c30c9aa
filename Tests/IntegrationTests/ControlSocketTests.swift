import AsyncHTTPClient
import CairnApplication
import CairnTestSupport
import CertificateManager
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SwiftASN1
import Testing
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// The control socket (DESIGN decision 9): `ControlSocketService` run in-process over a
/// ``FakeCertificateControl`` (standing in for the certificate manager), asked by
/// `ControlClient` and by the real `cairn certs`, `cairn renew` and `cairn issue`.
@Suite(.timeLimit(.minutes(2))) struct ControlSocketTests {
    // MARK: Harness

    /// Runs a control socket service at `path` over `control` for the body, then stops it
    /// gracefully.
    static func withService<T: Sendable>(
        _ control: any CertificateControl, path: String, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        let (listening, continuation) = AsyncStream.makeStream(of: Void.self)
        let logger = LogRecords().logger()
        let service = ControlSocketService(
            path: path, control: control, logger: logger, onListening: { continuation.yield() })
        let group = ServiceGroup(
            services: [service], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { continuation.finish() }
                try await group.run()
            }
            var started = false
            for await _ in listening {
                started = true
                break
            }
            guard started else {
                try await tasks.waitForAll()
                throw TestHarnessError("the control socket service stopped before it listened")
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Holds the state directory's lock in this process (as `cairn serve` does) and serves its
    /// control socket over `control` for the body.
    static func withServer<T: Sendable>(
        _ control: any CertificateControl, in directory: TemporaryDirectory,
        _ body: @Sendable (_ state: String) async throws -> T
    ) async throws -> T {
        let state = directory.file("state")
        let lock = try StateDirectory(path: state, logger: LogRecords().logger())
        let result = try await withService(control, path: ControlSocketService.path(in: state)) {
            try await body(state)
        }
        withExtendedLifetime(lock) {}
        return result
    }

    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int) & 0o7777
    }

    static func exists(_ path: String) -> Bool { (try? FileManager.default.attributesOfItem(atPath: path)) != nil }

    /// Two certificates with every field set; dates in whole seconds, as they cross the socket.
    static let statuses: [CertificateStatus] = [
        CertificateStatus(
            name: "a.example", domains: ["a.example", "*.a.example"], issuer: "letsencrypt",
            notBefore: Date(timeIntervalSince1970: 1_750_000_000), notAfter: Date(timeIntervalSince1970: 1_757_776_000),
            nextAttempt: Date(timeIntervalSince1970: 1_755_184_000), reason: "ARI window",
            lastSuccess: Date(timeIntervalSince1970: 1_750_000_100), failures: 0, failuresTotal: 2,
            directory: "/var/lib/cairn/certificates/live/a.example"),
        CertificateStatus(
            name: "b.example", domains: ["b.example", "c.example", "d.example", "e.example"], issuer: "zerossl",
            nextAttempt: Date(timeIntervalSince1970: 1_750_000_600), reason: "backoff after 3 failures",
            lastFailure: Date(timeIntervalSince1970: 1_750_000_000),
            lastError: "urn:ietf:params:acme:error:dns\nline 2",
            failures: 3, failuresTotal: 3),
    ]

    // MARK: The service

    @Test func theSocketIsOwnerOnlyWhileServedAndRemovedAtStop() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            try await Self.withService(FakeCertificateControl(), path: path) { () async throws in
                #expect(String(try Self.mode(path), radix: 8) == "600")
            }
            #expect(!Self.exists(path), "the socket file outlived the service")
        }
    }

    @Test func certificatesRoundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            try await Self.withService(FakeCertificateControl(statuses: Self.statuses), path: path) {
                let answered = try await ControlClient(socketPath: path).certificates()
                #expect(answered == Self.statuses)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func renewStreamsEachProgressLineAsItHappens() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            // The fake waits after "a.example: ordering" until this gate opens, and the gate opens
            // only once the client has read that line: a server that held the lines back until
            // the end would never finish (the time limit fails the test).
            let (gate, open) = AsyncStream.makeStream(of: Void.self)
            let control = FakeCertificateControl(statuses: [Self.statuses[0]], gate: gate)
            try await Self.withService(control, path: path) {
                var lines: [String] = []
                let renewed = try await ControlClient(socketPath: path).renew(name: "a.example", force: true) { line in
                    lines.append(line)
                    if line == "a.example: ordering" { open.yield() }
                }
                #expect(lines == ["a.example: ordering", "a.example: installed"])
                #expect(renewed.map(\.name) == ["a.example"])
                #expect(renewed.first?.lastSuccess != nil)
                #expect(await control.renewals == [ControlRenewRequest(name: "a.example", force: true)])
            }
        }
    }

    @Test func aFailedRenewalEndsTheStreamWithAnErrorAndTheClientThrowsIt() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            let control = FakeCertificateControl(
                statuses: Self.statuses, renewError: CertificateManagerError(.rateLimited, "no orders left this hour"))
            try await Self.withService(control, path: path) {
                var lines: [String] = []
                let error = await #expect(throws: CertificateManagerError(.rateLimited)) {
                    try await ControlClient(socketPath: path).renew(name: nil, force: false) { lines.append($0) }
                }
                #expect(error?.reason == "no orders left this hour")
                #expect(lines.count == 4, "\(lines)")
            }
        }
    }

    @Test func theStreamIsOneJSONObjectPerLineEndingWithResultOrError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            let control = FakeCertificateControl(statuses: [Self.statuses[0]])
            try await Self.withService(control, path: path) {
                func post(_ body: String) async throws -> [[String: Any]] {
                    var request = HTTPClientRequest(
                        url: URL(httpURLWithSocketPath: path, uri: "/renew")!.absoluteString)
                    request.method = .POST
                    request.body = .bytes(ByteBuffer(string: body))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    #expect(response.status == .ok)
                    #expect(response.headers["Content-Type"] == ["application/x-ndjson"])
                    let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                    #expect(text.hasSuffix("\n"))
                    return try text.split(separator: "\n").map { line in
                        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                    }
                }
                let success = try await post(#"{"name":"a.example","force":true}"#)
                #expect(success.map { $0.keys.sorted() } == [["progress"], ["progress"], ["result"]])
                let result = try #require(success.last?["result"] as? [[String: Any]])
                #expect(result.first?["name"] as? String == "a.example")
                #expect(result.first?["notAfter"] is String, "dates are ISO 8601 text")

                let failure = try await post(#"{"name":"nope","force":false}"#)
                #expect(failure.map { $0.keys.sorted() } == [["code", "error"]])
                #expect(failure.last?["error"] as? String == "no certificate named nope is declared")
            }
        }
    }

    @Test func anUnknownNameIsAConfigurationError() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            let control = FakeCertificateControl(statuses: Self.statuses)
            try await Self.withService(control, path: path) {
                let error = await #expect(throws: CertificateManagerError(.configuration)) {
                    try await ControlClient(socketPath: path).renew(name: "nope", force: false) { _ in }
                }
                #expect(error?.reason.contains("nope") == true)
                #expect(await control.renewals == [ControlRenewRequest(name: "nope", force: false)])
            }
        }
    }

    @Test func issueSendsTheRequestAndReturnsTheCertificate() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            let issued = try Self.selfSigned("a.example")
            let control = FakeCertificateControl(issueResult: issued)
            let request = OneShotIssueRequest(
                names: ["a.example", "*.a.example"], directory: "https://ca.invalid/dir", caBundle: "/etc/ca.pem",
                email: "ops@a.example", eabKeyID: "kid", eabMACKey: "bWFjLWtleQ", keyType: "ec384",
                accountKeyType: "rsa2048", keyPEM: issued.keyPEM, profile: "shortlived", preferredChain: "Root X2",
                replacesPEM: issued.certificatePEM, aliases: ["_acme-challenge.a.example": "a.auth.example"],
                resolver: "127.0.0.1:53", preflight: false)
            try await Self.withService(control, path: path) {
                var lines: [String] = []
                let result = try await ControlClient(socketPath: path).issue(request) { lines.append($0) }
                #expect(result == issued)
                #expect(lines == ["order placed for a.example, *.a.example", "issued"])
                #expect(await control.issues == [request])
            }
        }
    }

    @Test func aSecondServiceRefusesASocketSomethingAnswersOn() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            try await Self.withService(FakeCertificateControl(statuses: Self.statuses), path: path) {
                let (listening, continuation) = AsyncStream.makeStream(of: Void.self)
                let second = ControlSocketService(
                    path: path, control: FakeCertificateControl(), logger: LogRecords().logger(),
                    onListening: { continuation.yield() })
                let group = ServiceGroup(
                    services: [second], gracefulShutdownSignals: [], cancellationSignals: [],
                    logger: LogRecords().logger())
                let failure = await withTaskGroup(of: (any Error)?.self) { tasks in
                    tasks.addTask {
                        defer { continuation.finish() }
                        do {
                            try await group.run()
                            return nil
                        } catch {
                            return error
                        }
                    }
                    for await _ in listening {
                        Issue.record("a second service took over the live socket")
                        await group.triggerGracefulShutdown()
                    }
                    return await tasks.next() ?? nil
                }
                let error = try #require(failure as? CertificateManagerError)
                #expect(error == CertificateManagerError(.controlSocket))
                #expect(error.reason.contains("another process answers"), "\(error)")
                // The first still answers.
                #expect(try await ControlClient(socketPath: path).certificates() == Self.statuses)
            }
        }
    }

    @Test func aStaleSocketIsReplacedButAFileThatIsNotASocketIsKept() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.file("control.sock")
            // A socket nothing listens on any more, as a killed server leaves it.
            try Self.leaveStaleSocket(at: path)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            try #require(attributes[.type] as? FileAttributeType == .typeSocket)
            try await Self.withService(FakeCertificateControl(statuses: Self.statuses), path: path) { () async throws in
                #expect(try await ControlClient(socketPath: path).certificates() == Self.statuses)
            }

            try directory.write("control.sock", "not a socket\n")
            let service = ControlSocketService(
                path: path, control: FakeCertificateControl(), logger: LogRecords().logger())
            let error = await #expect(throws: CertificateManagerError(.controlSocket)) { try await service.run() }
            #expect(error?.reason.contains("is not a socket") == true, "\(String(describing: error))")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a socket\n")
        }
    }

    @Test func connectFindsOnlyARunningServerThatServesTheSocket() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("state")
            #expect(ControlClient.connect(stateDirectory: state) == nil)
            #expect(ControlClient.unavailableReason(stateDirectory: state).contains("no cairn serve is running"))
            do {
                let lock = try StateDirectory(path: state, logger: LogRecords().logger())
                #expect(ControlClient.connect(stateDirectory: state) == nil, "no socket yet")
                #expect(ControlClient.unavailableReason(stateDirectory: state).contains("serves no control socket"))
                withExtendedLifetime(lock) {}
            }
            try await Self.withServer(FakeCertificateControl(statuses: Self.statuses), in: directory) { state in
                let client = try #require(ControlClient.connect(stateDirectory: state))
                #expect(try await client.certificates() == Self.statuses)
            }
            // The lock is released: a socket left behind is not a server.
            try Self.leaveStaleSocket(at: ControlSocketService.path(in: state))
            #expect(ControlClient.connect(stateDirectory: state) == nil)
        }
    }

    // MARK: The commands, against the service in this process

    static func cairn(_ arguments: [String], environment: [String: String] = [:]) async throws -> Tool.Result {
        try await Tool.run(try CairnBinary.path(), arguments, environment: environment, timeLimit: .seconds(60))
    }

    @Test func certsPrintsATableAndJSON() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.withServer(FakeCertificateControl(statuses: Self.statuses), in: directory) { state in
                let table = try await Self.cairn(["certs", "--state-dir", state])
                #expect(table.succeeded, "\(table.output)")
                let lines = table.output.split(separator: "\n").map(String.init)
                #expect(lines.count == 3, "\(table.output)")
                #expect(lines.first?.hasPrefix("NAME") == true)
                for header in CertificateStatusTable.headers { #expect(lines[0].contains(header)) }
                #expect(lines[1].contains("a.example,*.a.example"))
                #expect(lines[1].contains("letsencrypt"))
                #expect(lines[1].contains("2025-09-13 15:06"), "not-after in UTC")
                #expect(lines[1].contains("ARI window"))
                #expect(lines[2].contains("b.example,c.example,d.example +1 more"))
                #expect(lines[2].contains("urn:ietf:params:acme:error:dns line 2 (3 failed)"))
                // Columns line up: each header starts where its cells do.
                let column = try #require(lines[0].range(of: "ISSUER")).lowerBound.utf16Offset(in: lines[0])
                #expect(try #require(lines[1].range(of: "letsencrypt")).lowerBound.utf16Offset(in: lines[1]) == column)
                #expect(try #require(lines[2].range(of: "zerossl")).lowerBound.utf16Offset(in: lines[2]) == column)

                let json = try await Self.cairn(["certs", "--json", "--state-dir", state])
                #expect(json.succeeded, "\(json.output)")
                let decoded = try ControlJSON.decoder().decode([CertificateStatus].self, from: Data(json.output.utf8))
                #expect(decoded == Self.statuses)
            }
        }
    }

    @Test func renewPrintsProgressThenASummaryAndFailsWhenACertificateFailed() async throws {
        try await withTemporaryDirectory { directory in
            let control = FakeCertificateControl(statuses: Self.statuses, failing: ["b.example"])
            try await Self.withServer(control, in: directory) { state in
                let all = try await Self.cairn(["renew", "--state-dir", state])
                #expect(all.status == 1, "\(all.output)")
                let lines = all.output.split(separator: "\n").map(String.init)
                #expect(
                    Array(lines.prefix(4)) == [
                        "a.example: ordering", "a.example: installed", "b.example: ordering",
                        "b.example: the CA refused the order",
                    ], "\(all.output)")
                #expect(lines.contains { $0.hasPrefix("a.example: renewed, valid until ") }, "\(all.output)")
                #expect(
                    lines.contains { $0.hasPrefix("b.example: failed: the CA refused the order for b.example") },
                    "\(all.output)")
                #expect(lines.last == "1 renewed, 1 failed, 0 unchanged")

                let one = try await Self.cairn(["renew", "a.example", "--force", "--state-dir", state])
                #expect(one.succeeded, "\(one.output)")
                #expect(one.output.hasSuffix("1 renewed, 0 failed, 0 unchanged\n"), "\(one.output)")

                let unknown = try await Self.cairn(["renew", "nope", "--state-dir", state])
                #expect(!unknown.succeeded)
                #expect(unknown.output.contains("no certificate named nope is declared"), "\(unknown.output)")

                #expect(
                    await control.renewals == [
                        ControlRenewRequest(name: nil, force: false),
                        ControlRenewRequest(name: "a.example", force: true),
                        ControlRenewRequest(name: "nope", force: false),
                    ])
            }
        }
    }

    @Test func issueGoesThroughTheServerAndWritesTheFilesItReturns() async throws {
        try await withTemporaryDirectory { directory in
            let issued = try Self.selfSigned("a.example")
            let control = FakeCertificateControl(issueResult: issued)
            let out = directory.file("out")
            try await Self.withServer(control, in: directory) { state in
                let common = [
                    "issue", "-d", "A.example", "-d", "*.a.example", "--state-dir", state, "--out", out, "--server",
                    "https://ca.invalid/dir", "--ca-bundle", "ca.pem", "--email", "ops@a.example", "--eab-kid", "kid",
                    "--key-type", "ec384", "--account-key-type", "rsa2048", "--profile", "shortlived",
                    "--preferred-chain", "Root X2", "--alias", "a.example=a.auth.example", "--resolver", "127.0.0.1:53",
                    "--skip-preflight",
                ]
                // Padded base64, as a CA may hand it out: sent as base64url.
                let environment = ["CAIRN_EAB_HMAC_KEY": "bWFjLWtleQ=="]
                let first = try await Self.cairn(common, environment: environment)
                #expect(first.succeeded, "\(first.output)")
                #expect(first.output.contains("order placed for a.example, *.a.example\nissued\n"), "\(first.output)")
                #expect(first.output.contains("names:    a.example"), "\(first.output)")
                let files = CertificateFiles(outputDirectory: out, primaryName: "a.example")
                #expect(try String(contentsOfFile: files.certificate, encoding: .utf8) == issued.certificatePEM)
                #expect(try String(contentsOfFile: files.fullChain, encoding: .utf8) == issued.fullChainPEM)
                #expect(try String(contentsOfFile: files.privateKey, encoding: .utf8) == issued.keyPEM)
                #expect(String(try Self.mode(files.privateKey), radix: 8) == "600")

                // Again, keeping the key: the key and the certificate it replaces go along.
                let second = try await Self.cairn(common + ["--reuse-key"], environment: environment)
                #expect(second.succeeded, "\(second.output)")
                let caBundle = FileManager.default.currentDirectoryPath + "/ca.pem"
                let expected = OneShotIssueRequest(
                    names: ["a.example", "*.a.example"], directory: "https://ca.invalid/dir", caBundle: caBundle,
                    email: "ops@a.example", eabKeyID: "kid", eabMACKey: "bWFjLWtleQ", keyType: "ec384",
                    accountKeyType: "rsa2048", keyPEM: nil, profile: "shortlived", preferredChain: "Root X2",
                    replacesPEM: nil, aliases: ["_acme-challenge.a.example": "a.auth.example"],
                    resolver: "127.0.0.1:53", preflight: false)
                var expectedSecond = expected
                expectedSecond.keyPEM = issued.keyPEM
                expectedSecond.replacesPEM = issued.certificatePEM
                #expect(await control.issues == [expected, expectedSecond])
            }
        }
    }

    @Test func issueRefusesStandaloneFlagsWhenAServerRuns() async throws {
        try await withTemporaryDirectory { directory in
            let control = FakeCertificateControl(issueResult: try Self.selfSigned("a.example"))
            try await Self.withServer(control, in: directory) { state in
                let refused = try await Self.cairn([
                    "issue", "-d", "a.example", "--state-dir", state, "--listen", "127.0.0.1:1", "--nameserver",
                    "ns.a.example", "--out", directory.file("out"),
                ])
                #expect(!refused.succeeded)
                #expect(refused.output.contains("cairn serve is running with state directory \(state)"))
                #expect(refused.output.contains("--listen, --nameserver only apply"), "\(refused.output)")
                #expect(await control.issues.isEmpty)
            }
        }
    }

    /// Without a server `cairn certs` says so; `cairn renew` works in-process (here with nothing
    /// declared: nothing to renew). `CertificateManagerServeTests` renews in-process for real.
    @Test func withoutAServerCertsSaysSoAndRenewRunsInProcess() async throws {
        try await withTemporaryDirectory { directory in
            let state = directory.file("state")
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
            let certs = try await Self.cairn(["certs", "--state-dir", state])
            #expect(!certs.succeeded)
            #expect(certs.output.contains("no cairn serve is running with state directory \(state)"), "\(certs.output)")
            #expect(certs.output.contains("cairn renew works without one"), "\(certs.output)")
            let port = try await LoopbackPorts.free()
            let renew = try await Self.cairn(
                [
                    "renew", "--state-dir", state, "--zones", directory.file("zones"),
                ], environment: ["CAIRN_DNS_LISTEN": "127.0.0.1:\(port)"])
            #expect(renew.succeeded, "\(renew.output)")
            #expect(renew.output.contains("nothing was renewed"), "\(renew.output)")
        }
    }

    // MARK: The commands, against a real cairn serve

    @Test func certsAndRenewGoThroughARunningServe() async throws {
        try await withTemporaryDirectory { directory in
            let port = try await LoopbackPorts.free()
            let state = directory.file("state")
            let socket = ControlSocketService.path(in: state)
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
            // One certificate from a CA nobody answers for: every order fails at once.
            let config = try directory.write(
                "cairn.yaml",
                """
                dns:
                  listen: ["127.0.0.1:\(port)"]
                  udpSockets: 1
                acme:
                  preflight: false
                  resolver: "127.0.0.1:\(port)"
                certificates:
                  - name: site
                    domains: [site.test, "*.site.test"]
                    issuers: [nowhere]
                issuers:
                  - name: nowhere
                    directory: "https://127.0.0.1:1/directory"

                """)
            try await Daemon.with(
                try CairnBinary.path(),
                [
                    "serve", "--config", config, "--zones", directory.file("zones"), "--state-dir", state,
                    "--api-listen", "none",
                ],
                logPath: directory.file("cairn.log"), ready: { Self.exists(socket) }
            ) { _ in
                #expect(String(try Self.mode(socket), radix: 8) == "600")
                let table = try await Self.cairn(["certs", "--config", config, "--state-dir", state])
                #expect(table.succeeded, "\(table.output)")
                #expect(table.output.hasPrefix("NAME"), "\(table.output)")
                #expect(table.output.contains("site.test,*.site.test"), "\(table.output)")

                let json = try await Self.cairn(["certs", "--json", "--config", config, "--state-dir", state])
                #expect(json.succeeded, "\(json.output)")
                let statuses = try ControlJSON.decoder().decode([CertificateStatus].self, from: Data(json.output.utf8))
                #expect(statuses.map(\.name) == ["site"])
                #expect(statuses.first?.domains == ["site.test", "*.site.test"])

                // The first order may still be under way (the manager says so) or have failed by
                // now; either way the server's own lines about "site" come through, and the exit
                // status follows the summary.
                let forced = try await Self.cairn([
                    "renew", "site", "--force", "--config", config, "--state-dir", state,
                ])
                #expect(forced.output.split(separator: "\n").contains { $0.hasPrefix("site: ") }, "\(forced.output)")
                #expect(forced.status == (forced.output.contains(" failed: ") ? 1 : 0), "\(forced.output)")

                let unknown = try await Self.cairn(["renew", "nope", "--config", config, "--state-dir", state])
                #expect(!unknown.succeeded)
                #expect(unknown.output.contains("nope"), "\(unknown.output)")
            }
            #expect(!Self.exists(socket), "cairn serve left its control socket behind")
        }
    }

    // MARK: Helpers

    /// Binds a socket at `path` and closes it without removing the file, as a server that was
    /// killed leaves it (NIO removes the file when it closes a listener).
    static func leaveStaleSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
    }

    /// A self-signed certificate for `name` with its key, as the server would return it.
    static func selfSigned(_ name: String) throws -> OneShotIssueResult {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: Date() - 60, notValidAfter: Date() + 86_400, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName(name), .dnsName("*.\(name)")])
            },
            issuerPrivateKey: .init(key))
        let pem = try certificate.serializeAsPEM().pemString + "\n"
        return OneShotIssueResult(
            certificatePEM: pem, chainPEM: "", fullChainPEM: pem, keyPEM: key.pemRepresentation + "\n")
    }
}
