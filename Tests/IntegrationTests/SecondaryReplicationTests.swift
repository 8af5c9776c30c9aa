import CairnTestSupport
import DNSWire
import Foundation
import Synchronization
import Testing

/// Cairn as the primary of real NSD, Knot and BIND secondaries (DESIGN decision 8): each
/// transfers the auth zone with TSIG, is NOTIFYed on every change, and serves an update's value
/// by the time the hook API acknowledges it.
@Suite(.serialized, .timeLimit(.minutes(6))) struct SecondaryReplicationTests {

    static let zone = "auth.test."
    static let key = SecondaryNameserver.Key(
        name: "xfr-key", algorithm: "hmac-sha256", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXh4eHg=")
    static let catalogZone = "catalog.cairn.invalid."
    static let otherSecret = "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXIteHg="

    struct Setup: Sendable {
        var dnsPort: Int
        var apiPort: Int
        var secondary: SecondaryNameserver
        var directory: TemporaryDirectory

        func cairnLog() -> String {
            (try? String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)) ?? ""
        }
    }

    /// Runs `kind` as a secondary of a `cairn serve` whose configuration names it, and waits
    /// until the secondary serves the auth zone (unless `expectLoaded` is false).
    static func withReplication<T: Sendable>(
        _ kind: SecondaryNameserver.Kind, secondaryKey: SecondaryNameserver.Key? = key,
        cairnKey: SecondaryNameserver.Key? = key, journalLength: Int = 1000, acknowledgeMilliseconds: Int = 5000,
        expectLoaded: Bool = true, catalog: Bool = false, extraYAML: String = "",
        prepare: @Sendable (TemporaryDirectory) async throws -> Void = { _ in },
        _ body: @Sendable (Setup) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory(prefix: "cairn-secondary") { directory in
            try await prepare(directory)
            let dnsPort = try await LoopbackPorts.free()
            return try await SecondaryNameserver.with(
                kind, zones: catalog ? [] : [zone], primaryHost: "127.0.0.1", primaryPort: dnsPort, key: secondaryKey,
                catalog: catalog ? Self.catalogZone : nil
            ) { secondary in
                var yaml = ""
                TestSecrets.note(Self.key.secret)
                TestSecrets.note(Self.otherSecret)
                if let cairnKey {
                    yaml += """
                        tsigKeys:
                          - name: \(cairnKey.name)
                            algorithm: \(cairnKey.algorithm)
                            secret: "\(cairnKey.secret)"

                        """
                }
                yaml += """
                    secondaries:
                      - address: 127.0.0.1
                        port: \(secondary.port)
                    \(cairnKey.map { "    key: \($0.name)\n" } ?? "")    \(catalog ? "catalog: true" : "zones: [\(zone)]")
                    replication:
                      journalLength: \(journalLength)
                      acknowledgeTimeoutMilliseconds: \(acknowledgeMilliseconds)
                      notifyIntervalMilliseconds: 20
                    \(extraYAML)
                    """
                let config = try directory.write("cairn.yaml", yaml)
                return try await HookAPIServeTests.serve(
                    in: directory, arguments: ["--config", config, "--log-level", "debug"], dnsPort: dnsPort
                ) { dnsPort, apiPort, _ in
                    let setup = Setup(dnsPort: dnsPort, apiPort: apiPort, secondary: secondary, directory: directory)
                    if expectLoaded {
                        let loaded = try await eventually(seconds: 30) { await secondary.serial(of: zone) != nil }
                        try #require(
                            loaded,
                            "\(kind) never loaded the zone:\n\(secondary.log())\n--- cairn:\n\(setup.cairnLog())")
                    }
                    return try await body(setup)
                }
            }
        }
    }

    /// Polls `condition` until it holds or `seconds` pass.
    static func eventually(seconds: Int, _ condition: () async -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return await condition()
    }

    static func txt(_ setup: Setup, _ name: String) async throws -> [String] {
        try await Dig.query(host: setup.secondary.host, port: setup.secondary.port, name: name, type: "TXT").answers
    }

    @Test(arguments: SecondaryNameserver.Kind.allCases)
    func everyAcknowledgedUpdateIsServedByTheSecondary(kind: SecondaryNameserver.Kind) async throws {
        try await Self.withReplication(kind) { setup in
            let registration = try await HookAPIServeTests.register(setup.apiPort)
            var latencies: [Duration] = []
            // 30 in `make test` (BIND takes about half a second per change);
            // CAIRN_REPLICATION_UPDATES=200 checks the issue's 200 for each secondary.
            let updates = ProcessInfo.processInfo.environment["CAIRN_REPLICATION_UPDATES"].flatMap { Int($0) } ?? 30
            for index in 0..<max(1, updates) {
                let value = "value-\(index)-" + String(repeating: "x", count: 43 - "value-\(index)-".count)
                let started = ContinuousClock.now
                let reply = try await HookAPIServeTests.update(setup.apiPort, registration, value)
                latencies.append(ContinuousClock.now - started)
                #expect(reply.status == 200, "\(reply.body)")
                // Asked right after the 2xx: the secondary serves it already (DESIGN decision 4).
                let answers = try await Self.txt(setup, registration.fulldomain)
                #expect(answers.contains { $0.contains(value) }, "\(kind) lacks \(value) after the 2xx: \(answers)")
            }
            let sorted = latencies.sorted()
            print(
                "\(kind): \(sorted.count) updates, update → served on the secondary, p50 \(sorted[sorted.count / 2]), "
                    + "p99 \(sorted[sorted.count * 99 / 100]), max \(sorted.last!)")
            let log = setup.cairnLog()
            #expect(log.contains("zone transfer"), "no transfer logged")
            #expect(!log.contains("acknowledged before every secondary"), "an acknowledgement gave up waiting")
        }
    }

    @Test func aSecondaryWithTheWrongKeyIsRefusedAndTheAcknowledgementWaitsOnlyTheBound() async throws {
        let wrong = SecondaryNameserver.Key(
            name: Self.key.name, algorithm: Self.key.algorithm, secret: Self.otherSecret)
        try await Self.withReplication(.knot, secondaryKey: wrong, acknowledgeMilliseconds: 300, expectLoaded: false) {
            setup in
            let registration = try await HookAPIServeTests.register(setup.apiPort)
            let reply = try await HookAPIServeTests.update(
                setup.apiPort, registration, String(repeating: "w", count: 43))
            // Durable and on the primary: acknowledged anyway once the bound passed.
            #expect(reply.status == 200)
            // Knot refuses Cairn's NOTIFY (wrong key) and retries a failed first transfer on its own
            // backoff (18 s and more): asked to refresh, it transfers now, and Cairn refuses it.
            var refused = false
            for _ in 0..<6 where !refused {
                try? await setup.secondary.refresh(Self.zone)
                refused = try await Self.eventually(seconds: 5) {
                    setup.cairnLog().contains("TSIG verification failed")
                }
            }
            #expect(refused, "Cairn logged no refused transfer:\n\(setup.cairnLog())")
            #expect(setup.cairnLog().contains("acknowledged before every secondary serves the change"))
            let metrics = try await HookAPIServeTests.request(setup.apiPort, "GET", "/metrics")
            // The registration's claim and the update each waited the bound once.
            let late = metrics.body.split(separator: "\n").first {
                $0.hasPrefix("cairn_secondary_late_acknowledgements{secondary=\"127.0.0.1:\(setup.secondary.port)\"}")
            }
            #expect(late.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0 >= 2, "\(late ?? "no metric")")
            #expect(metrics.body.contains("cairn_secondary_serial_lag"))
            #expect(await setup.secondary.serial(of: Self.zone) == nil)
            print(
                "knot's log on a wrong key:",
                setup.secondary.log().split(separator: "\n").filter {
                    $0.contains("TSIG") || $0.contains("BADSIG") || $0.contains("NOTAUTH")
                }.prefix(3))
        }
    }

    @Test func transfersAreRefusedWithoutTheKeyAndFromOtherAddresses() async throws {
        try await Self.withReplication(.nsd) { setup in
            let unsigned = try await Dig.query(
                host: "127.0.0.1", port: setup.dnsPort, name: Self.zone, type: "AXFR", extra: ["+tcp"])
            #expect(unsigned.output.contains("Transfer failed") || unsigned.status == "REFUSED", "\(unsigned.output)")
            let other = try await Dig.query(
                host: "127.0.0.1", port: setup.dnsPort, name: Self.zone, type: "AXFR",
                extra: ["+tcp", "-b", "127.0.0.2", "-y", "hmac-sha256:\(Self.key.name):\(Self.key.secret)"])
            #expect(other.output.contains("Transfer failed") || other.status == "REFUSED", "\(other.output)")
            let signed = try await Dig.query(
                host: "127.0.0.1", port: setup.dnsPort, name: Self.zone, type: "AXFR",
                extra: ["+tcp", "-y", "hmac-sha256:\(Self.key.name):\(Self.key.secret)"])
            #expect(!signed.output.contains("Transfer failed"), "\(signed.output)")
            #expect(signed.output.contains("SOA"))
            let badKey = try await Dig.query(
                host: "127.0.0.1", port: setup.dnsPort, name: Self.zone, type: "AXFR",
                extra: ["+tcp", "-y", "hmac-sha256:\(Self.key.name):\(Self.otherSecret)"])
            #expect(!badKey.output.contains("IN\tSOA"), "\(badKey.output)")
            let log = setup.cairnLog()
            #expect(log.contains("zone transfer refused"))
            #expect(log.contains("TSIG verification failed"))
        }
    }

    @Test(arguments: [(1000, "incremental"), (10, "full")])
    func aRestartedSecondaryCatchesUp(journalLength: Int, style: String) async throws {
        try await Self.withReplication(.knot, journalLength: journalLength, acknowledgeMilliseconds: 100) { setup in
            let registration = try await HookAPIServeTests.register(setup.apiPort)
            _ = try await HookAPIServeTests.update(setup.apiPort, registration, String(repeating: "a", count: 43))
            let transfersBefore = setup.cairnLog().components(separatedBy: "style=\(style)").count
            try await setup.secondary.whileStopped {
                for index in 0..<50 {
                    let value = "missed-\(index)-" + String(repeating: "m", count: 43 - "missed-\(index)-".count)
                    _ = try await HookAPIServeTests.update(setup.apiPort, registration, value)
                }
            }
            let last = "missed-49-" + String(repeating: "m", count: 43 - "missed-49-".count)
            let caughtUp = try await Self.eventually(seconds: 60) {
                ((try? await Self.txt(setup, registration.fulldomain)) ?? []).contains { $0.contains(last) }
            }
            #expect(caughtUp, "knot did not catch up:\n\(setup.secondary.log())")
            let log = setup.cairnLog()
            #expect(
                log.components(separatedBy: "style=\(style)").count > transfersBefore, "no \(style) transfer logged")
            print(
                "cairn's transfer lines:", log.split(separator: "\n").filter { $0.contains("zone transfer") }.suffix(2))
        }
    }

    /// Two secondaries, BIND and NSD, and a Pebble validating against each of them alone
    /// (`-dnsserver`): `cairn issue` (sent to `cairn serve`'s certificate manager) gets a
    /// certificate through the Pebble that asks BIND, lego's httpreq provider through the one that
    /// asks NSD (which follows the CNAME into the auth zone, as BIND does not without recursion),
    /// and nobody asks Cairn's own listener a challenge name. The acknowledgement waiting for every
    /// secondary is what makes the values be there in time: with
    /// `replication.acknowledgeTimeoutMilliseconds: 0` the BIND half fails (BIND takes about
    /// 250 ms from NOTIFY to serving, and Pebble asks before that).
    @Test(.timeLimit(.minutes(5))) func pebbleValidatingOnlyAgainstSecondariesIssues() async throws {
        try await withTemporaryDirectory(prefix: "cairn-secondary-pebble") { directory in
            let token = try await ThirdPartyClientTests.createToken(in: directory)
            func zone(_ apex: String, _ extra: String = "") -> String {
                """
                $ORIGIN \(apex).
                @ 3600 IN SOA ns1.\(apex). hostmaster.\(apex). 1 3600 600 1209600 30
                @ 3600 IN NS ns1.\(apex).
                ns1 3600 IN A 127.0.0.1
                \(extra)

                """
            }
            _ = try directory.write("zones/issue.test.zone", zone("issue.test"))
            _ = try directory.write(
                "zones/example.test.zone", zone("example.test", "_acme-challenge 60 IN CNAME \(token.target)."))
            let zones = ["auth.test.", "issue.test.", "example.test."]
            let dnsPort = try await LoopbackPorts.free()
            try await SecondaryNameserver.with(
                .bind, zones: zones, primaryHost: "127.0.0.1", primaryPort: dnsPort, key: Self.key
            ) { bind in
                try await SecondaryNameserver.with(
                    .nsd, zones: zones, primaryHost: "127.0.0.1", primaryPort: dnsPort, key: Self.key
                ) { nsd in
                    try await Self.issueThroughSecondaries(
                        directory: directory, dnsPort: dnsPort, bind: bind, nsd: nsd, zones: zones, token: token)
                }
            }
        }
    }

    static func issueThroughSecondaries(
        directory: TemporaryDirectory, dnsPort: Int, bind: SecondaryNameserver, nsd: SecondaryNameserver,
        zones: [String], token: (id: String, key: String, target: String)
    ) async throws {
        let config = try directory.write(
            "cairn.yaml",
            """
            api:
              authZone: auth.test
            tsigKeys:
              - name: \(key.name)
                secret: "\(key.secret)"
            secondaries:
              - address: 127.0.0.1
                port: \(bind.port)
                key: \(key.name)
              - address: 127.0.0.1
                port: \(nsd.port)
                key: \(key.name)
            replication:
              notifyIntervalMilliseconds: 20
            """)
        try await HookAPIServeTests.serve(in: directory, arguments: ["--config", config], dnsPort: dnsPort) {
            _, apiPort, _ in
            for secondary in [bind, nsd] {
                for zone in zones {
                    let loaded = try await eventually(seconds: 30) { await secondary.serial(of: zone) != nil }
                    try #require(loaded, "\(secondary.kind) never loaded \(zone):\n\(secondary.log())")
                }
            }
            let bindAddress = "\(bind.host):\(bind.port)"
            try await Pebble.with(Pebble.Options(dnsServer: bindAddress)) { pebble in
                let out = directory.file("certificates")
                let issued = try await Tool.run(
                    try CairnBinary.path(),
                    [
                        "issue", "-d", "issue.test", "-d", "*.issue.test", "--server", pebble.directoryURL,
                        "--ca-bundle", pebble.caCertificatePath, "--out", out, "--state-dir", directory.file("state"),
                        "--resolver", bindAddress, "--skip-preflight", "--email", "admin@example.test",
                    ])
                let log = (try? String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)) ?? ""
                #expect(issued.succeeded, "cairn issue:\n\(issued.output)\ncairn:\n\(log)")
                #expect(
                    try await IssueCommandTests.subjectAlternativeNames("\(out)/issue.test/cert.pem")
                        == ["issue.test", "*.issue.test"])
            }
            let nsdAddress = "\(nsd.host):\(nsd.port)"
            try await Pebble.with(Pebble.Options(dnsServer: nsdAddress)) { pebble in
                let lego = try await Tool.run(
                    "timeout",
                    [
                        "240", "lego", "--accept-tos", "--email", "a@example.test", "--server", pebble.directoryURL,
                        "--path", directory.file("lego"), "--dns.resolvers", nsdAddress, "--dns.disable-cp", "-d",
                        "example.test", "-d", "*.example.test", "--dns", "httpreq", "run",
                    ],
                    environment: [
                        "LEGO_CA_CERTIFICATES": pebble.caCertificatePath,
                        "HTTPREQ_ENDPOINT": "http://127.0.0.1:\(apiPort)", "HTTPREQ_USERNAME": token.id,
                        "HTTPREQ_PASSWORD": token.key,
                    ])
                #expect(lego.succeeded, "lego:\n\(lego.output)\nnsd:\n\(nsd.log())")
                #expect(
                    try await IssueCommandTests.subjectAlternativeNames(
                        directory.file("lego/certificates/example.test.crt")) == ["example.test", "*.example.test"])
            }
            // Cairn's own listener was asked nothing but the secondaries' SOA checks and transfers.
            let metrics = try await HookAPIServeTests.request(apiPort, "GET", "/metrics").body
            let asked = metrics.split(separator: "\n").filter { $0.hasPrefix("cairn_dns_queries{") }
            #expect(asked.allSatisfy { $0.contains("\"SOA\"") || $0.contains("XFR\"") }, "Cairn was asked: \(asked)")
        }
    }

    /// Runs `kind` as a secondary of a `cairn serve` holding a token made before it started;
    /// `body` gets the setup, the token's target name, and lego's httpreq call (`/present` or
    /// `/cleanup` of a value at the target) with the token's credentials.
    static func withToken(
        _ kind: SecondaryNameserver.Kind, extraYAML: String = "",
        _ body:
            @Sendable (Setup, String, _ httpreq: (String, String) async throws -> HookAPIServeTests.HTTPReply)
            async throws -> Void
    ) async throws {
        let made = Mutex<(id: String, key: String, target: String)?>(nil)
        try await Self.withReplication(
            kind, extraYAML: extraYAML,
            prepare: { directory in
                let token = try await ThirdPartyClientTests.createToken(in: directory)
                made.withLock { $0 = token }
            }
        ) { setup in
            let token = try #require(made.withLock { $0 })
            let basic = Data("\(token.id):\(token.key)".utf8).base64EncodedString()
            try await body(setup, token.target) { path, value in
                try await HookAPIServeTests.request(
                    setup.apiPort, "POST", path, headers: [("Authorization", "Basic \(basic)")],
                    body: "{\"fqdn\":\"\(token.target).\",\"value\":\"\(value)\"}")
            }
        }
    }

    /// lego's httpreq `/present` and `/cleanup` with a token: the value is on the secondary when
    /// `/present` answers, and gone from it when `/cleanup` answers.
    @Test(arguments: [SecondaryNameserver.Kind.knot, .bind])
    func aWithdrawalIsGoneFromTheSecondaryWhenAcknowledged(kind: SecondaryNameserver.Kind) async throws {
        try await Self.withToken(kind) { setup, target, httpreq in
            let value = String(repeating: "p", count: 43)
            for path in ["/present", "/cleanup"] {
                let reply = try await httpreq(path, value)
                #expect(reply.status == 200, "\(path): \(reply.body)")
                let answers = try await Self.txt(setup, target)
                #expect(
                    answers.contains { $0.contains(value) } == (path == "/present"),
                    "\(kind) after \(path): \(answers)")
            }
        }
    }

    /// A value that expires leaves the secondary too: Cairn sweeps expired values from its table
    /// every second, which advances the zone's serial, and the secondary transfers the change.
    /// (Cairn itself stops serving a value at its expiry; the sweep used to run once a minute,
    /// so a secondary kept serving the value up to a minute longer.) The value lives 5 s of
    /// real time: what is watched is the secondary's copy, and it has no clock to inject.
    @Test func anExpiredValueLeavesTheSecondary() async throws {
        try await Self.withToken(.knot, extraYAML: "api:\n  valueLifetimeSeconds: 5") { setup, target, httpreq in
            let value = String(repeating: "e", count: 43)
            let reply = try await httpreq("/present", value)
            #expect(reply.status == 200, "\(reply.body)")
            #expect(try await Self.txt(setup, target).contains { $0.contains(value) })
            let gone = try await Self.eventually(seconds: 20) {
                !((try? await Self.txt(setup, target)) ?? [value]).contains { $0.contains(value) }
            }
            #expect(gone, "the secondary still serves the expired value:\n\(setup.secondary.log())")
            #expect(setup.cairnLog().contains("expired values removed"))
        }
    }

    /// A secondary consuming Cairn's catalog zone (RFC 9432) carries a challenge zone synthesized
    /// for a token made while everything runs, with no change to its configuration: the value
    /// `/present` publishes there is on the secondary when the 2xx comes, and when the token is
    /// deleted the secondary drops the zone. Without the catalog the secondary would not know
    /// the zone, and the acknowledgement would wait out its bound (NSD 4.6 has no catalogs).
    @Test(arguments: [SecondaryNameserver.Kind.knot, .bind])
    func aCatalogConsumerCarriesChallengeZonesMadeWhileRunning(kind: SecondaryNameserver.Kind) async throws {
        // The synthesized zone's NS names a server outside every zone, so `--delegation ns` prints it.
        let nameservers = "dns:\n  nameservers: [ns1.elsewhere.example.]"
        try await Self.withReplication(kind, catalog: true, extraYAML: nameservers) { setup in
            // The auth zone came through the catalog already; now a zone the catalog gains.
            let config = setup.directory.file("cairn.yaml")
            let created = try await CredentialCommandTests.cairn(
                setup.directory,
                ["token", "create", "--domain", "customer.test", "--delegation", "ns", "--config", config])
            try #require(created.succeeded, "\(created.output)")
            let id = try #require(CredentialCommandTests.field("token", in: created.output))
            let key = try #require(CredentialCommandTests.field("key", in: created.output))
            let name = "_acme-challenge.customer.test"
            let value = String(repeating: "c", count: 43)
            let started = ContinuousClock.now
            let status = try await CredentialCommandTests.present(
                setup.apiPort, id: id, key: key, fqdn: name, value: value)
            let waited = ContinuousClock.now - started
            #expect(status == 200)
            let answers = try await Self.txt(setup, name)
            #expect(
                answers.contains { $0.contains(value) },
                "\(kind) lacks the value after the 2xx (\(waited)): \(answers)\n\(setup.secondary.log())")
            #expect(!setup.cairnLog().contains("acknowledged before every secondary serves the change"))
            #expect(await setup.secondary.serial(of: name) != nil)

            let deleted = try await CredentialCommandTests.cairn(setup.directory, ["token", "delete", id])
            try #require(deleted.succeeded, "\(deleted.output)")
            // Any API change applies the CLI's first; then the catalog loses the member.
            _ = try await HookAPIServeTests.register(setup.apiPort)
            let dropped = try await Self.eventually(seconds: 30) { await setup.secondary.serial(of: name) == nil }
            #expect(dropped, "\(kind) still serves \(name) after the token was deleted")
        }
    }
}
