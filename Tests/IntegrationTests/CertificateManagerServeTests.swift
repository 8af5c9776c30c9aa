import AsyncHTTPClient
import CairnTestSupport
import DNSWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Subprocess
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The certificate manager in the real `cairn serve` against real Pebble, whose validation
/// authority asks Cairn's DNS listener directly (`-dnsserver`; no delegation, so preflight is
/// off here — `DelegationTests` covers it through a hierarchy). Certificates are declared in
/// the YAML file; each deploy hook, a certbot-style script, reports through a FIFO the test
/// reads, which is how the test learns an issuance finished (no polling).
@Suite(.serialized, .timeLimit(.minutes(5))) struct CertificateManagerServeTests {
    struct Setup: Sendable {
        var directory: TemporaryDirectory
        var dnsPort: Int
        var apiPort: Int
        var pebble: Pebble
        var config: String { directory.file("cairn.yaml") }
        var certificates: String { directory.file("certificates") }
        var hookLog: String { directory.file("hooks.log") }
    }

    struct Declared: Sendable {
        var name: String
        var domains: [String]
    }

    static let declared = [
        Declared(name: "one", domains: ["one.test", "*.one.test"]),
        Declared(name: "two", domains: ["two.test"]),
        Declared(name: "three", domains: ["three.test", "www.three.test"]),
    ]

    /// The configuration: DNS and API on free ports, Pebble as the issuer, `certificates`.
    ///
    /// - Parameter issuer: the directory URL and CA bundle to issue from, when not Pebble's own
    ///   (a proxy in front of it).
    static func writeConfiguration(
        _ setup: Setup, certificates: [Declared], apiCertificate: String? = nil,
        issuer: (directory: String, caBundle: String)? = nil
    ) throws {
        let hook = setup.directory.file("hook.sh")
        var yaml = """
            dns:
              listen: ["127.0.0.1:\(setup.dnsPort)"]
              udpSockets: 1
            api:
              listen: "127.0.0.1:\(setup.apiPort)"

            """
        if let apiCertificate { yaml += "  tls:\n    certificate: \"acme:\(apiCertificate)\"\n" }
        yaml += """
            acme:
              preflight: false
              resolver: "127.0.0.1:\(setup.dnsPort)"
              certificatesDirectory: "\(setup.certificates)"
            certificates:
            """
        for certificate in certificates {
            let domains = certificate.domains.map { "\"\($0)\"" }.joined(separator: ", ")
            yaml += """

                  - name: \(certificate.name)
                    domains: [\(domains)]
                    issuers: [pebble]
                    deployHook: "\(hook)"
                """
        }
        yaml += """

            issuers:
              - name: pebble
                directory: "\(issuer?.directory ?? setup.pebble.directoryURL)"
                caBundle: "\(issuer?.caBundle ?? setup.pebble.caCertificatePath)"
                email: admin@example.test

            """
        try yaml.write(toFile: setup.config, atomically: true, encoding: .utf8)
    }

    /// Pebble, a directory, and the FIFO the deploy hooks write each certificate's name to
    /// (read through ``HookReports``), for one or more `cairn serve` runs (``serve(_:environment:_:)``).
    ///
    /// - Parameter nonceRejectPercent: `PEBBLE_WFE_NONCEREJECT`; 0 unless a test counts its
    ///   newOrder requests some other way, since a retried bad nonce counts twice in Pebble's log.
    static func withPebble<T: Sendable>(
        certificates: [Declared] = declared, apiCertificate: String? = nil, nonceRejectPercent: Int = 0,
        _ body: @Sendable (Setup, HookReports) async throws -> T
    ) async throws -> T {
        let dnsPort = try await LoopbackPorts.free()
        let apiPort = try await LoopbackPorts.free()
        let options = Pebble.Options(
            dnsServer: "127.0.0.1:\(dnsPort)", environment: ["PEBBLE_WFE_NONCEREJECT": "\(nonceRejectPercent)"])
        return try await Pebble.with(options) { pebble in
            try await withTemporaryDirectory(prefix: "cairn-manager") { directory in
                let setup = Setup(directory: directory, dnsPort: dnsPort, apiPort: apiPort, pebble: pebble)
                try FileManager.default.createDirectory(
                    atPath: directory.file("zones"), withIntermediateDirectories: true)
                let fifo = directory.file("hooks.fifo")
                guard mkfifo(fifo, 0o600) == 0 else { throw Failure(description: "mkfifo \(fifo)") }
                // Opened read-write so neither end blocks on open; the test only reads it.
                let reader = open(fifo, O_RDWR | O_CLOEXEC | O_NONBLOCK)
                guard reader >= 0 else { throw Failure(description: "open \(fifo)") }
                // A certbot deploy hook: it reads RENEWED_LINEAGE and RENEWED_DOMAINS.
                let script = """
                    #!/bin/sh
                    echo "$CAIRN_CERT_NAME|$RENEWED_LINEAGE|$RENEWED_DOMAINS|$CAIRN_CERT_VERSION" >> \(setup.hookLog)
                    test -s "$RENEWED_LINEAGE/fullchain.pem" || exit 1
                    echo "$CAIRN_CERT_NAME" > \(fifo)

                    """
                let hook = try directory.write("hook.sh", script)
                chmod(hook, 0o755)
                try writeConfiguration(setup, certificates: certificates, apiCertificate: apiCertificate)
                let pipe = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .takingOwnershipOfDescriptor(input: reader) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                return try await pipe.executeThenClose { inbound, _ in
                    try await body(setup, HookReports(inbound: inbound))
                }
            }
        }
    }

    /// Runs `cairn serve` on `setup`'s configuration for the length of `body`.
    static func serve<T: Sendable>(
        _ setup: Setup, environment: [String: String] = [:],
        ready: (@Sendable () async -> Bool)? = nil, _ body: @Sendable (ProcessIdentifier) async throws -> T
    ) async throws -> T {
        try await Daemon.with(
            try CairnBinary.path(),
            [
                "serve", "--config", setup.config, "--zones", setup.directory.file("zones"), "--state-dir",
                setup.directory.file("state"),
            ],
            environment: environment, logPath: setup.directory.file("cairn-\(UUID().uuidString.prefix(6)).log"),
            ready: ready ?? { (try? await HookAPIServeTests.request(setup.apiPort, "GET", "/health"))?.status == 200 },
            body)
    }

    /// ``withPebble(certificates:_:)`` with one `cairn serve` running.
    static func withServe<T: Sendable>(
        certificates: [Declared] = declared,
        _ body: @Sendable (Setup, _ hookNames: HookReports, _ pid: ProcessIdentifier) async throws -> T
    ) async throws -> T {
        try await withPebble(certificates: certificates) { setup, hooks in
            try await serve(setup) { pid in try await body(setup, hooks, pid) }
        }
    }

    /// Every `cairn serve` log written in `setup`'s directory, oldest first.
    static func logs(_ setup: Setup) -> String {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: setup.directory.path)) ?? [])
            .filter { $0.hasPrefix("cairn-") && $0.hasSuffix(".log") }
        return files.compactMap { try? String(contentsOfFile: setup.directory.file($0), encoding: .utf8) }
            .joined(separator: "\n----\n")
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The certificate names the deploy hooks write to the FIFO, one per line, in order.
    final class HookReports: @unchecked Sendable {
        // Read by one test task at a time.
        private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        private var pending = ""

        init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>) { iterator = inbound.makeAsyncIterator() }

        /// The next `count` names, or a failure when they do not all come within `limit`.
        func next(_ count: Int, within limit: Duration = .seconds(120)) async throws -> [String] {
            var lines: [String] = []
            let deadline = ContinuousClock.now + limit
            while lines.count < count {
                if let newline = pending.firstIndex(of: "\n") {
                    lines.append(String(pending[..<newline]))
                    pending = String(pending[pending.index(after: newline)...])
                    continue
                }
                let remaining = deadline - ContinuousClock.now
                guard remaining > .zero,
                    let chunk = try await withTimeLimit(remaining, { [self] in try await self.read() }),
                    let bytes = chunk
                else { throw Failure(description: "deploy hooks reported \(lines) of \(count) within \(limit)") }
                pending += String(buffer: bytes)
            }
            return lines
        }

        private func read() async throws -> ByteBuffer? { try await iterator.next() }
    }

    static func cairn(_ setup: Setup, _ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run(
            try CairnBinary.path(),
            arguments + ["--config", setup.config, "--state-dir", setup.directory.file("state")],
            timeLimit: .seconds(120))
    }

    static func version(_ setup: Setup, _ name: String) throws -> String {
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "\(setup.certificates)/live/\(name)")
        return URL(fileURLWithPath: link).lastPathComponent
    }

    /// Issue 11 §4 for the certificate manager: `cairn serve` issues two declared certificates
    /// through ``ACMEFaultProxy`` (500s, 503s, resets, late and truncated answers) in front of
    /// Pebble rejecting half of all nonces, each from exactly one order, and every kind of fault
    /// was really injected. No attempt failed ("certificate not renewed"): the client's retry
    /// budgets absorbed every fault, rather than the manager's own retry a minute later.
    @Test func serveIssuesThroughAFaultyCAWithOneOrderPerCertificate() async throws {
        let certificates = [Self.declared[0], Self.declared[2]]
        try await Self.withPebble(certificates: certificates, nonceRejectPercent: 50) { setup, hooks in
            let upstream = String(setup.pebble.directoryURL.dropLast("/dir".count))
            try await ACMEFaultProxy.with(upstream: upstream, upstreamRoots: setup.pebble.caCertificatePath) { proxy in
                try Self.writeConfiguration(
                    setup, certificates: certificates, issuer: (proxy.url + "/dir", proxy.trustedRootsFile))
                try await Self.serve(setup) { _ in
                    let issued = try await hooks.next(2, within: .seconds(200))
                    let counts = proxy.counts
                    print(
                        "CertificateManagerServeTests (faults): \(counts.forwarded) requests forwarded, injected "
                            + ACMEFaultProxy.Fault.allCases.map { "\($0): \(counts.injected[$0, default: 0])" }
                            .joined(separator: ", ") + ", orders created \(counts.ordersCreated)")
                    #expect(Set(issued) == ["one", "three"], "\(Self.logs(setup))")
                    for certificate in certificates {
                        let live = "\(setup.certificates)/live/\(certificate.name)"
                        let names = try await IssueCommandTests.subjectAlternativeNames("\(live)/cert.pem")
                        #expect(names == Set(certificate.domains))
                    }
                    for fault in ACMEFaultProxy.Fault.allCases {
                        #expect(counts.injected[fault, default: 0] > 0, "no \(fault) injected: \(counts.injected)")
                    }
                    #expect(counts.orderAnswersLost == 1)
                    #expect(counts.ordersCreated == 2, "\(counts.ordersCreated) orders created\n\(Self.logs(setup))")
                    let log = Self.logs(setup)
                    #expect(log.contains("the order it placed is in the account's orders"), "\(log)")
                    #expect(log.contains("trying again"), "no retry logged")
                    #expect(!log.contains("certificate not renewed"), "an attempt failed:\n\(log)")
                }
            }
        }
    }

    @Test func serveIssuesEveryDeclaredCertificateAndKeepsThemRenewed() async throws {
        try await Self.withServe { setup, hooks, pid in
            let log = { Self.logs(setup) }
            let first = try await hooks.next(3)
            #expect(Set(first) == ["one", "two", "three"], "\(log())\n\(setup.pebble.log())")
            for certificate in Self.declared {
                let live = "\(setup.certificates)/live/\(certificate.name)"
                let names = try await IssueCommandTests.subjectAlternativeNames("\(live)/cert.pem")
                #expect(
                    names == Set(certificate.domains),
                    "\((try? String(contentsOfFile: setup.hookLog, encoding: .utf8)) ?? "")\n\(log())")
                let verified = try await IssueCommandTests.verify(
                    setup.pebble, directory: setup.directory, certificateDirectory: live)
                #expect(verified.succeeded, "\(verified.output)")
                let mode = try FileManager.default.attributesOfItem(atPath: "\(live)/privkey.pem")[.posixPermissions]
                #expect(mode as? Int == 0o600)
            }
            // Each hook ran once, with certbot's variables.
            let hookLines = try String(contentsOfFile: setup.hookLog, encoding: .utf8).split(separator: "\n")
            #expect(hookLines.count == 3)
            for certificate in Self.declared {
                let line = hookLines.first { $0.hasPrefix("\(certificate.name)|") }
                let fields = line?.split(separator: "|", omittingEmptySubsequences: false).map(String.init) ?? []
                #expect(fields.count == 4)
                #expect(fields.dropFirst().first == "\(setup.certificates)/live/\(certificate.name)")
                #expect(fields.dropFirst(2).first == certificate.domains.joined(separator: " "))
            }

            // The per-certificate metrics are exported.
            let metrics = try await HookAPIServeTests.request(setup.apiPort, "GET", "/metrics")
            #expect(
                metrics.body.contains("cairn_certificate_not_after_seconds{certificate=\"two\"}"), "\(metrics.body)")

            // A forced renewal of one replaces it alone; its hook runs again.
            let before = try Dictionary(
                uniqueKeysWithValues: Self.declared.map { ($0.name, try Self.version(setup, $0.name)) })
            let renewed = try await Self.cairn(setup, ["renew", "two", "--force"])
            #expect(renewed.succeeded, "\(renewed.output)\n\(log())")
            #expect(try await hooks.next(1) == ["two"])
            #expect(try Self.version(setup, "two") != before["two"])
            #expect(try Self.version(setup, "one") == before["one"])
            #expect(try Self.version(setup, "three") == before["three"])

            // `cairn certs` shows each, its issuer and when it renews.
            let certs = try await Self.cairn(setup, ["certs", "--json"])
            #expect(certs.succeeded, "\(certs.output)")
            for certificate in Self.declared { #expect(certs.output.contains("\"\(certificate.name)\"")) }
            #expect(certs.output.contains("\"pebble\""))

            // A fourth declared and SIGHUP: it is issued, the others are left alone.
            try Self.writeConfiguration(
                setup, certificates: Self.declared + [Declared(name: "four", domains: ["four.test"])])
            kill(pid.value, SIGHUP)
            #expect(try await hooks.next(1) == ["four"])
            #expect(try Self.version(setup, "one") == before["one"])
        }
    }
}

extension CertificateManagerServeTests {
    /// Crash safety: the process exits at a named failpoint during a forced renewal (after the
    /// order is created, after it is finalized, between writing the new version and swapping it
    /// in). Each time the previous files stay intact and matching, and a restart finishes the
    /// same order — Pebble sees no second new order — and installs the new certificate.
    @Test(arguments: ["afterOrderCreated", "afterFinalize", "beforeSwap"])
    func aCrashAtAnyPointLeavesTheFilesIntactAndTheOrderIsResumedOnce(failpoint: String) async throws {
        let one = [Declared(name: "web", domains: ["web.test", "*.web.test"])]
        try await Self.withPebble(certificates: one) { setup, hooks in
            try await Self.serve(setup) { _ in _ = try await hooks.next(1) }
            let live = "\(setup.certificates)/live/web"
            let first = try Self.version(setup, "web")
            let firstCertificate = try String(contentsOfFile: "\(live)/cert.pem", encoding: .utf8)

            try await Self.serve(setup, environment: ["CAIRN_FAILPOINT": failpoint]) { _ in
                let renewed = try await Self.cairn(setup, ["renew", "web", "--force"])
                #expect(!renewed.succeeded, "the renewal should have been cut short: \(renewed.output)")
            }
            #expect(Self.logs(setup).contains("failpoint \(failpoint): exiting"), "\(Self.logs(setup))")
            // The previous set is still the live one, complete and matching.
            #expect(try Self.version(setup, "web") == first)
            #expect(try String(contentsOfFile: "\(live)/cert.pem", encoding: .utf8) == firstCertificate)
            let certificateKey = try await Tool.run(
                "openssl", ["x509", "-in", "\(live)/cert.pem", "-noout", "-pubkey"])
            let privateKey = try await Tool.run("openssl", ["pkey", "-in", "\(live)/privkey.pem", "-pubout"])
            #expect(certificateKey.succeeded && certificateKey.output == privateKey.output, "\(privateKey.output)")
            let orders = try await setup.pebble.requests(to: "newOrder")

            // A restart finishes the order in flight: no new order, a new version installed.
            let resumed = try await Self.serve(setup) { _ in
                // Deploy hooks run at least once: one the first stop interrupted runs again at a
                // start, for the old version; the new version's hook follows it.
                let names = try await hooks.next(1)
                return try Self.version(setup, "web") == first ? try await hooks.next(1) : names
            }
            #expect(resumed == ["web"], "\(Self.logs(setup))")
            #expect(try await setup.pebble.requests(to: "newOrder") == orders, "\(Self.logs(setup))")
            #expect(try Self.version(setup, "web") != first)
            #expect(Self.logs(setup).contains("resuming an order placed earlier"))
        }
    }
}

extension CertificateManagerServeTests {
    /// `cairn renew` where no server runs (cron, a systemd timer): it takes the state directory's
    /// lock, answers the challenges from its own DNS listener and installs the new version; a
    /// certificate that is not due is left alone without an order.
    @Test func renewWithoutAServerAnswersTheChallengesItself() async throws {
        let one = [Declared(name: "web", domains: ["web.test"])]
        try await Self.withPebble(certificates: one) { setup, hooks in
            try await Self.serve(setup) { _ in _ = try await hooks.next(1) }
            let first = try Self.version(setup, "web")
            let orders = try await setup.pebble.requests(to: "newOrder")

            let notDue = try await Self.cairn(setup, ["renew"])
            #expect(notDue.succeeded, "\(notDue.output)")
            #expect(notDue.output.contains("not due"), "\(notDue.output)")
            #expect(try await setup.pebble.requests(to: "newOrder") == orders)

            let forced = try await Self.cairn(setup, ["renew", "web", "--force"])
            #expect(forced.succeeded, "\(forced.output)\n\(setup.pebble.log())")
            #expect(try await hooks.next(1) == ["web"])
            #expect(try Self.version(setup, "web") != first)
            #expect(try await setup.pebble.requests(to: "newOrder") == orders + 1)
        }
    }
}

extension CertificateManagerServeTests {
    /// `api.tls.certificate: acme:NAME`: the hook API waits for the declared certificate, issued
    /// through Cairn's own DNS, then serves HTTPS with it; a client trusting Pebble's root
    /// connects; a forced renewal is presented to new handshakes while a connection opened
    /// before keeps working.
    @Test func theHookAPIServesItsOwnACMECertificateAndSwapsItOnRenewal() async throws {
        let certificates = [Declared(name: "api", domains: ["api.test"])]
        try await Self.withPebble(certificates: certificates, apiCertificate: "api") { setup, hooks in
            let roots = try await setup.pebble.writeRoots(to: setup.directory.file("pebble-roots.pem"))
            let url = "https://api.test:\(setup.apiPort)/health"
            let curl: @Sendable () async throws -> Tool.Result = {
                try await Tool.run(
                    "curl",
                    [
                        "--silent", "--show-error", "--max-time", "5", "--cacert", roots, "--resolve",
                        "api.test:\(setup.apiPort):127.0.0.1", "-o", "/dev/null", "-w", "%{http_code}", url,
                    ])
            }
            let serial: @Sendable () async throws -> String = {
                let text = try await Tool.run(
                    "sh",
                    [
                        "-c",
                        "openssl s_client -connect 127.0.0.1:\(setup.apiPort) -servername api.test </dev/null 2>/dev/null"
                            + " | openssl x509 -noout -serial",
                    ])
                return text.output.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            try await Self.serve(setup, ready: { (try? await curl())?.output == "200" }) { _ in
                #expect(try await hooks.next(1) == ["api"])
                let before = try await serial()
                #expect(before.hasPrefix("serial="), "\(before)")
                // One client, one connection, opened before the renewal.
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(roots)
                var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
                configuration.connectionPool = .init(
                    idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
                configuration.dnsOverride = ["api.test": "127.0.0.1"]
                let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
                do {
                    try await Self.renewWhileConnected(
                        setup, client: client, url: url, hooks: hooks, serial: serial, before: before)
                } catch {
                    try? await client.shutdown()
                    throw error
                }
                try await client.shutdown()
                #expect(try await curl().output == "200")
            }
        }
    }

    static func renewWhileConnected(
        _ setup: Setup, client: HTTPClient, url: String, hooks: HookReports,
        serial: @Sendable () async throws -> String, before: String
    ) async throws {
        let first = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        #expect(first.status == .ok)

        let renewed = try await Self.cairn(setup, ["renew", "api", "--force"])
        #expect(renewed.succeeded, "\(renewed.output)")
        #expect(try await hooks.next(1) == ["api"])
        let after = try await serial()
        #expect(after.hasPrefix("serial=") && after != before, "\(before) → \(after)")
        let second = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        #expect(second.status == .ok)
    }
}

extension CertificateManagerServeTests {
    /// CA fallback: the first issuer refuses every order (this Pebble requires External Account
    /// Binding and none is configured); past its retry budget the next issuer gets the order,
    /// and `cairn certs` says which one holds the certificate. Another certificate that only
    /// uses the working CA is issued at start meanwhile: one failing certificate blocks none.
    @Test func pastItsRetryBudgetTheNextIssuerGetsTheOrder() async throws {
        let dnsPort = try await LoopbackPorts.free()
        let apiPort = try await LoopbackPorts.free()
        let strictOptions = Pebble.Options(
            dnsServer: "127.0.0.1:\(dnsPort)",
            externalAccountMACKeys: ["kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"],
            environment: ["PEBBLE_WFE_NONCEREJECT": "0"])
        let fallbackOptions = Pebble.Options(
            dnsServer: "127.0.0.1:\(dnsPort)", environment: ["PEBBLE_WFE_NONCEREJECT": "0"])
        try await Pebble.with(strictOptions) { strict in
            try await Pebble.with(fallbackOptions) { fallback in
                try await withTemporaryDirectory(prefix: "cairn-fallback") { directory in
                    try FileManager.default.createDirectory(
                        atPath: directory.file("zones"), withIntermediateDirectories: true)
                    let config = try directory.write(
                        "cairn.yaml",
                        """
                        dns:
                          listen: ["127.0.0.1:\(dnsPort)"]
                          udpSockets: 1
                        api:
                          listen: "127.0.0.1:\(apiPort)"
                        acme:
                          preflight: false
                          resolver: "127.0.0.1:\(dnsPort)"
                        issuers:
                          - name: strict
                            directory: "\(strict.directoryURL)"
                            caBundle: "\(strict.caCertificatePath)"
                          - name: fallback
                            directory: "\(fallback.directoryURL)"
                            caBundle: "\(fallback.caCertificatePath)"
                        certificates:
                          - name: web
                            domains: [web.test]
                            issuers: [strict, fallback]
                          - name: other
                            domains: [other.test]
                            issuers: [fallback]

                        """)
                    let state = directory.file("state")
                    @Sendable func cairn(_ arguments: [String]) async throws -> Tool.Result {
                        try await Tool.run(
                            try CairnBinary.path(), arguments + ["--config", config, "--state-dir", state],
                            timeLimit: .seconds(120))
                    }
                    @Sendable func statuses() async throws -> [[String: Any]] {
                        let json = try await cairn(["certs", "--json"])
                        return try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]] ?? []
                    }
                    try await Daemon.with(
                        try CairnBinary.path(),
                        ["serve", "--config", config, "--zones", directory.file("zones"), "--state-dir", state],
                        logPath: directory.file("cairn.log"),
                        ready: { (try? await HookAPIServeTests.request(apiPort, "GET", "/health"))?.status == 200 }
                    ) { _ in
                        // Forced renewals until the order succeeds, bounded in count.
                        var attempts: [Bool] = []
                        for _ in 0..<6 {
                            let renewed = try await cairn(["renew", "web", "--force"])
                            attempts.append(renewed.succeeded)
                            if renewed.succeeded { break }
                        }
                        let log = (try? String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)) ?? ""
                        #expect(attempts.last == true, "\(attempts)\n\(log)")
                        let web = try await statuses().first { $0["name"] as? String == "web" }
                        #expect(web?["issuer"] as? String == "fallback", "\(String(describing: web))")
                        #expect(log.contains("externalAccountRequired"), "\(log)")
                        // The strict CA never got an order; the fallback got web's and other's.
                        #expect(try await strict.requests(to: "newOrder") == 0)
                        #expect(try await fallback.requests(to: "newOrder") >= 2)
                        let other = try await statuses().first { $0["name"] as? String == "other" }
                        #expect(other?["notAfter"] != nil, "\(String(describing: other))")
                    }
                }
            }
        }
    }
}
