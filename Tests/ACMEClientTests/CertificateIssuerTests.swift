import ACMEClient
import Foundation
import Testing
import X509

/// ``CertificateIssuer`` runs whole orders over real HTTP against ``FakeACMEServer``, whose
/// dns-01 check reads what a ``RecordingPublisher`` serves.
@Suite struct CertificateIssuerTests {
    /// Runs a fake CA that validates against a fresh ``RecordingPublisher``, with a registered
    /// client and an issuer over both.
    static func withIssuer<T: Sendable>(
        _ options: FakeACMEServer.Options = FakeACMEServer.Options(), clock: some Clock<Duration> = ContinuousClock(),
        configure: @escaping @Sendable (inout ACMEClientConfiguration) -> Void = { _ in },
        _ body: @Sendable (FakeACMEServer, CertificateIssuer, RecordingPublisher) async throws -> T
    ) async throws -> T {
        let publisher = RecordingPublisher()
        var options = options
        options.txtLookup = { name, value in publisher.serves(name: name, value: value) }
        return try await FakeACMEServer.with(options) { server in
            let client = try await server.makeClient(clock: clock, configure)
            try await client.register()
            let issuer = CertificateIssuer(client: client, publisher: publisher, logger: FakeACMEServer.logger)
            return try await body(server, issuer, publisher)
        }
    }

    static func request(_ names: [String], profile: String? = nil, chain: String? = nil) throws -> CertificateRequest {
        CertificateRequest(names: names, key: try .generate(.p256), profile: profile, preferredChain: chain)
    }

    static func dnsNames(_ certificate: Certificate) throws -> [String] {
        guard let sans = try certificate.extensions.subjectAlternativeNames else { return [] }
        return sans.compactMap { name -> String? in
            if case .dnsName(let value) = name { return value }
            return nil
        }
    }

    static func commonName(_ name: DistinguishedName) -> String? {
        name.lazy.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
    }

    /// The plain path, also what Pebble covers: a wildcard, its apex and another name in one
    /// order; the published values are exactly the CA's key authorization digests, all
    /// withdrawn afterwards.
    @Test func issuesAndWithdrawsEveryValue() async throws {
        try await Self.withIssuer { server, issuer, publisher in
            let names = ["example.test", "*.example.test", "other.test"]
            let issued = try await issuer.issue(Self.request(names))
            #expect(try Self.dnsNames(issued.chain.leaf) == names)
            #expect(issued.chain.certificates.count == 2)
            #expect(publisher.published.count == 3)
            #expect(
                Set(publisher.published.map(\.name)) == ["_acme-challenge.example.test", "_acme-challenge.other.test"])
            #expect(publisher.served.isEmpty)
            #expect(Set(publisher.withdrawn) == Set(publisher.published))
            #expect(await server.exchanges(.challenge).allSatisfy { $0.status == 200 })
        }
    }

    /// Stands in for a CA that asks for patience while polling — `Retry-After` on a pending
    /// authorization and on a processing order (RFC 8555 §7.5.1, §7.4) — which Pebble 2.4.0
    /// never sends. The client's clock records each wait: the two waits are the CA's 1 s, not
    /// the client's own 50 ms polling interval, and each is followed by a poll of the same URL.
    @Test func pollingHonoursRetryAfter() async throws {
        let clock = RecordingClock()
        try await Self.withIssuer(clock: clock) { server, issuer, _ in
            await server.pollAuthorizations(pendingFor: 1, retryAfter: "1")
            await server.processOrders(for: 1, retryAfter: "1")
            _ = try await issuer.issue(Self.request(["a.test"]))
            #expect(clock.sleeps == [.seconds(1), .seconds(1)])
            for route in [FakeACMEServer.Route.authorization, .order] {
                let polls = await server.exchanges(route)
                let told = try #require(polls.firstIndex { $0.retryAfter == "1" }, "no \(route) poll got Retry-After")
                #expect(
                    polls[(told + 1)...].contains { $0.path == polls[told].path }, "\(route): no poll after the wait")
            }
        }
    }

    /// Stands in for a CA with ACME profiles (draft-ietf-acme-profiles), which Pebble 2.4.0
    /// lacks: `profile` is sent only when the directory's `meta.profiles` lists it.
    @Test(
        arguments: [
            (["classic": "the usual", "shortlived": "six days"], "shortlived", "shortlived"),
            (["classic": "the usual"], "tlsserver", nil),
            (nil, "shortlived", nil),
            (["classic": "the usual"], nil, nil),
        ] as [([String: String]?, String?, String?)])
    func sendsAProfileOnlyWhenListed(offered: [String: String]?, wanted: String?, sent: String?) async throws {
        var options = FakeACMEServer.Options()
        options.profiles = offered
        try await Self.withIssuer(options) { server, issuer, _ in
            _ = try await issuer.issue(Self.request(["a.test"], profile: wanted))
            let payloads = await server.payloads(.newOrder)
            try #require(payloads.count == 1)
            let json = try #require(try JSONSerialization.jsonObject(with: payloads[0]) as? [String: Any])
            #expect(json["profile"] as? String == sent)
            if sent == nil { #expect(json.keys.contains("profile") == false) }
        }
    }

    /// Stands in for a CA with ARI (RFC 9773 §5), which Pebble 2.4.0 lacks: a renewal names the
    /// certificate it replaces, computed from the previous certificate; when the CA answers
    /// `alreadyReplaced` the issuer orders again without `replaces`.
    @Test func renewalSendsReplacesFromThePreviousCertificate() async throws {
        try await Self.withIssuer { server, issuer, _ in
            let first = try await issuer.issue(Self.request(["a.test"]))
            let id = try ARICertificateID(first.chain.leaf)
            var renewal = try Self.request(["a.test"])
            renewal.replaces = id
            _ = try await issuer.issue(renewal)
            _ = try await issuer.issue(renewal)
            let orders = await server.exchanges(.newOrder)
            #expect(orders.map(\.status) == [201, 201, 409, 201])
            #expect(orders.map(\.problemType) == [nil, nil, "urn:ietf:params:acme:error:alreadyReplaced", nil])
            let replaces = try orders.map { exchange -> String? in
                let payload = try #require(exchange.payload)
                let json = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
                return json["replaces"] as? String
            }
            #expect(replaces == [nil, id.rawValue, id.rawValue, nil])
        }
    }

    /// Stands in for a CA without ARI (Pebble 2.4.0 itself): no `replaces`, which such a CA
    /// could refuse as malformed.
    @Test func noReplacesWithoutARI() async throws {
        var options = FakeACMEServer.Options()
        options.offersRenewalInfo = false
        try await Self.withIssuer(options) { server, issuer, _ in
            var request = try Self.request(["a.test"])
            request.replaces = ARICertificateID(rawValue: ACMEClientFakeServerTests.rfc9773ExampleID)
            _ = try await issuer.issue(request)
            let payloads = await server.payloads(.newOrder)
            try #require(payloads.count == 1)
            let json = try #require(try JSONSerialization.jsonObject(with: payloads[0]) as? [String: Any])
            #expect(!json.keys.contains("replaces"))
        }
    }

    /// Stands in for a CA that offers challenge types newer than the client
    /// (`dns-persist-01`, `dns-account-01`, listed before `dns-01`, with members the client
    /// does not know), which Pebble 2.4.0 never does: the issuer answers dns-01 and the order
    /// completes.
    @Test func picksDNS01AmongUnknownChallengeTypes() async throws {
        var options = FakeACMEServer.Options()
        options.challengeTypes = { _ in ["dns-persist-01", "dns-account-01", "dns-01"] }
        try await Self.withIssuer(options) { server, issuer, _ in
            let issued = try await issuer.issue(Self.request(["a.test", "b.test"]))
            #expect(try Self.dnsNames(issued.chain.leaf) == ["a.test", "b.test"])
            let answered = await server.exchanges(.challenge)
            #expect(answered.count == 2)
            #expect(answered.allSatisfy { $0.path.hasSuffix("-2") }, "answered a challenge other than dns-01")
        }
    }

    /// Stands in for a CA that offers no dns-01 for one identifier, which Pebble 2.4.0 never
    /// does: the issuer stops with ``ACMEError/Code/unsupported`` naming it, before it
    /// publishes or answers anything.
    @Test func noDNS01IsUnsupportedAndNamesTheIdentifier() async throws {
        var options = FakeACMEServer.Options()
        options.challengeTypes = { $0 == "b.test" ? ["http-01", "dns-account-01"] : ["dns-01"] }
        try await Self.withIssuer(options) { server, issuer, publisher in
            let error = try await #require(throws: ACMEError.self) {
                try await issuer.issue(Self.request(["a.test", "b.test"]))
            }
            #expect(error.code == .unsupported)
            #expect(error.detail.contains("b.test"))
            #expect(error.detail.contains("dns-account-01"))
            #expect(publisher.published.isEmpty)
            #expect(await server.exchanges(.challenge).isEmpty)
        }
    }

    /// Stands in for a CA refusing an order with subproblems per identifier (RFC 8555 §6.7.1),
    /// which Pebble 2.4.0 does not send for newOrder: the error names each identifier and the
    /// CA's detail for it.
    @Test func subproblemsNameEachIdentifier() async throws {
        try await Self.withIssuer { server, issuer, publisher in
            await server.script(
                .newOrder, status: 400,
                problem: .init(
                    "rejectedIdentifier", detail: "Cannot issue for 2 identifiers",
                    subproblems: [
                        .init(
                            "rejectedIdentifier", detail: "forbidden by policy", identifier: .init(value: "bad.test")),
                        .init("caa", detail: "CAA record forbids issuance", identifier: .init(value: "worse.test")),
                    ]))
            let error = try await #require(throws: ACMEError.self) {
                try await issuer.issue(Self.request(["ok.test", "bad.test", "worse.test"]))
            }
            #expect(error.problem?.type == .rejectedIdentifier)
            #expect(error.problem?.subproblems?.compactMap(\.identifier?.value) == ["bad.test", "worse.test"])
            let text = "\(error)"
            for part in ["bad.test", "forbidden by policy", "worse.test", "caa", "CAA record forbids issuance"] {
                #expect(text.contains(part), "\(part) missing from: \(text)")
            }
            #expect(publisher.published.isEmpty)
        }
    }

    /// Stands in for a CA whose validation of one identifier fails (what Pebble does too, but
    /// here deterministic and with the CA's detail): ``ACMEError/Code/validationFailed`` names
    /// the identifier and the detail, and every published value is withdrawn.
    @Test func invalidAuthorizationNamesTheIdentifierAndWithdrawsAll() async throws {
        var options = FakeACMEServer.Options()
        options.failing = ["b.test": "DNS problem: NXDOMAIN looking up TXT for _acme-challenge.b.test"]
        try await Self.withIssuer(options) { server, issuer, publisher in
            let error = try await #require(throws: ACMEError.self) {
                try await issuer.issue(Self.request(["a.test", "b.test", "c.test"]))
            }
            #expect(error.code == .validationFailed)
            #expect(error.detail.contains("b.test: unauthorized: DNS problem: NXDOMAIN"), "\(error)")
            #expect(!error.detail.contains("a.test"))
            #expect(publisher.published.count == 3)
            #expect(publisher.served.isEmpty)
            #expect(Set(publisher.withdrawn) == Set(publisher.published))
            #expect(await server.exchanges(.finalize).isEmpty)
        }
    }

    /// Stands in for a CA offering alternate chains (`Link: rel="alternate"`, RFC 8555 §7.4.2),
    /// which Pebble 2.4.0 does only with a configured chain count: `--preferred-chain` picks the
    /// chain whose issuer common name matches, and keeps the default otherwise.
    @Test(arguments: [
        (
            FakeCertificateAuthority.alternateRootName, FakeCertificateAuthority.alternateRootName,
            ["/cert/0", "/cert/0/alt"]
        ),
        (FakeCertificateAuthority.defaultRootName, FakeCertificateAuthority.defaultRootName, ["/cert/0"]),
        ("No Such Root", FakeCertificateAuthority.defaultRootName, ["/cert/0", "/cert/0/alt"]),
    ])
    func preferredChainPicksTheAlternateByIssuer(preferred: String, root: String, downloads: [String]) async throws {
        var options = FakeACMEServer.Options()
        options.offersAlternateChain = true
        try await Self.withIssuer(options) { server, issuer, _ in
            let issued = try await issuer.issue(Self.request(["a.test"], chain: preferred))
            try #require(issued.chain.certificates.count == 2)
            #expect(Self.commonName(issued.chain.certificates[1].issuer) == root)
            #expect(Self.commonName(issued.chain.leaf.issuer) == FakeCertificateAuthority.intermediateName)
            #expect(await server.exchanges(.certificate).map(\.path) == downloads)
        }
    }

    /// Stands in for what Pebble cannot show: that all authorizations are solved at once. The
    /// fake keeps every authorization pending until all ten challenges were answered, so a
    /// client that answered one and waited for it would poll until its time limit (5 s here).
    @Test func answersEveryChallengeBeforeAnyAuthorizationIsValid() async throws {
        var options = FakeACMEServer.Options()
        options.holdUntilAllAnswered = true
        try await Self.withIssuer(options, configure: { $0.pollTimeoutSeconds = 5 }) { server, issuer, publisher in
            let names = (1...10).map { "host\($0).test" }
            let issued = try await issuer.issue(Self.request(names))
            #expect(try Self.dnsNames(issued.chain.leaf) == names)
            let events = await server.events
            let answered = events.indices.filter { events[$0].hasPrefix("answered ") }
            let firstValid = try #require(events.firstIndex { $0.hasPrefix("valid ") })
            #expect(answered.count == 10)
            #expect(answered.allSatisfy { $0 < firstValid })
            #expect(publisher.published.count == 10)
        }
    }
}
