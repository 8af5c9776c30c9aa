import ACMEClient
import CertificateManager
import Foundation
import Testing
import X509

/// Nothing the CA sends is trusted on its word (issue: "Trust nothing the CA sends"): every URL
/// must be `https` (RFC 8555 §6.1), redirects are not followed, and a certificate that is not
/// the order's is refused. Against ``FakeACMEServer``, which can list cleartext URLs and issue
/// wrong leaves, as Pebble cannot.
@Suite struct CATrustTests {
    /// acme2certifier was found listing `http://` URLs in a directory fetched over HTTPS; the
    /// client followed them. Now the request is refused before it is sent: the error is
    /// `insecureURL` (a request sent in the clear to the fake's TLS port would have failed as
    /// `transport`), and the fake saw no newOrder.
    @Test func aCleartextURLInTheDirectoryIsRefusedBeforeAnythingIsSent() async throws {
        var options = FakeACMEServer.Options()
        options.cleartextNewOrder = true
        try await CertificateIssuerTests.withIssuer(options) { server, issuer, publisher in
            let error = await #expect(throws: ACMEError(.insecureURL)) {
                try await issuer.issue(CertificateIssuerTests.request(["a.test"]))
            }
            #expect(error?.url?.hasPrefix("http://") == true)
            #expect("\(error.map { "\($0)" } ?? "")".contains("RFC 8555 §6.1"))
            #expect(await server.exchanges(.newOrder).isEmpty)
            #expect(publisher.published.isEmpty)
        }
    }

    /// A cleartext directory URL (`cairn issue --server http://…`) is refused at the first request.
    @Test func aCleartextDirectoryURLIsRefused() async throws {
        try await FakeACMEServer.with { server in
            let https = await server.directoryURL
            let client = ACMEClient(
                directoryURL: "http://" + https.dropFirst("https://".count), key: try .generate(.p256),
                httpClient: server.httpClient, logger: FakeACMEServer.logger)
            await #expect(throws: ACMEError(.insecureURL)) { try await client.directory() }
            #expect(await server.exchanges(.directory).isEmpty)
        }
    }

    /// A valid order whose certificate URL is `http://`: the certificate is not downloaded in
    /// the clear, and the issuance fails.
    @Test func aCleartextCertificateURLIsRefused() async throws {
        var options = FakeACMEServer.Options()
        options.cleartextCertificate = true
        try await CertificateIssuerTests.withIssuer(options) { server, issuer, _ in
            await #expect(throws: ACMEError(.insecureURL)) {
                try await issuer.issue(CertificateIssuerTests.request(["a.test"]))
            }
            #expect(await server.exchanges(.finalize).count == 1)
            #expect(await server.exchanges(.certificate).isEmpty)
        }
    }

    /// A redirect to a cleartext URL is not followed: the client sees the 307 itself (the
    /// fake's problem document with it), where following it would have sent the signed request in the
    /// clear to the fake's TLS port (`transport`).
    @Test func aRedirectIsNotFollowed() async throws {
        try await CertificateIssuerTests.withIssuer { server, issuer, _ in
            let cleartext = "http://" + (await server.baseURL).dropFirst("https://".count) + "/new-order"
            await server.script(.newOrder, status: 307, location: cleartext)
            let error = await #expect(throws: ACMEError(.problem)) {
                try await issuer.issue(CertificateIssuerTests.request(["a.test"]))
            }
            #expect(error?.detail.hasPrefix("HTTP 307") == true)
        }
    }

    /// A leaf for another key, with a name more, or with one missing is refused with what
    /// differs; the issuer returns nothing to install.
    @Test(
        arguments: [
            (FakeACMEServer.LeafFault.otherKey, "public key"),
            (.addedName("evil.test"), "not ordered evil.test"),
            (.droppedName, "missing *.a.test"),
        ] as [(FakeACMEServer.LeafFault, String)])
    func aCertificateThatIsNotTheOrdersIsRefused(fault: FakeACMEServer.LeafFault, said: String) async throws {
        try await CertificateIssuerTests.withIssuer { server, issuer, _ in
            await server.issueLeaves(fault)
            let error = await #expect(throws: ACMEError(.certificateMismatch)) {
                try await issuer.issue(CertificateIssuerTests.request(["a.test", "*.a.test"]))
            }
            #expect(error?.detail.contains(said) == true, "\(error.map { "\($0)" } ?? "no error")")
            #expect(await server.exchanges(.certificate).count == 1)
        }
    }

    /// Names are compared without regard to case, as DNS compares them: the fake, like Let's
    /// Encrypt, lowercases the order's names in the certificate, and that is the order's.
    @Test func namesDifferingOnlyInCaseAreTheOrders() async throws {
        try await CertificateIssuerTests.withIssuer { _, issuer, _ in
            let issued = try await issuer.issue(CertificateIssuerTests.request(["A.Test", "*.a.TEST"]))
            #expect(try CertificateIssuerTests.dnsNames(issued.chain.leaf) == ["a.test", "*.a.test"])
        }
    }

    /// The certificate manager renewing into a wrong leaf keeps the installed certificate: same
    /// version, same leaf, the same bytes in its files, and the failure counted.
    @Test func aWrongLeafKeepsTheInstalledCertificate() async throws {
        try await ManagerHarness.with { h in
            await h.pass()
            let first = try #require(h.installed(), "the first pass issued nothing")
            let files = [first.paths.certificate, first.paths.fullChain, first.paths.privateKey]
            let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }

            await h.server.issueLeaves(.addedName("evil.test"))
            let error = await #expect(throws: (any Error).self) {
                try await h.manager.renew(name: ManagerHarness.certificateName, force: true) { _ in }
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("certificate mismatch"))
            #expect(try await h.status().failures == 1)
            #expect(await h.requests(.certificate) == 2, "the renewal did not reach the download")
            let kept = try #require(h.installed())
            #expect(kept.version == first.version)
            #expect(kept.leaf.serialNumber == first.leaf.serialNumber)
            #expect(try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)
        }
    }
}
