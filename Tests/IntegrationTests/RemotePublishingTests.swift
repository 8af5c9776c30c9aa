import ACMEClient
import CairnTestSupport
import Foundation
import Testing

/// Publishing through another Cairn (DESIGN decision 3, issue 5 item 5): ``HTTPRequestPublisher``
/// against the real hook API of a `cairn serve` process, and `cairn issue --publish` getting a
/// certificate from Pebble while that other Cairn answers the CA.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RemotePublishingTests {
    typealias Clients = ThirdPartyClientTests

    static let valueA = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
    static let valueB = "3RzTBl-yBUTdi8mETi3nXz2BpRxYQHGjH7ab2k6ERw0"

    /// The TXT strings served at `name` by the Cairn on `port`.
    static func served(_ name: String, port: Int) async throws -> Set<String> {
        let dig = try await Dig.query(host: "127.0.0.1", port: port, name: name, type: "TXT")
        #expect(dig.status == "NOERROR", "\(dig.output)")
        return Set(
            dig.answers.compactMap { line in
                guard let range = line.range(of: "TXT \"") else { return nil }
                return String(line[range.upperBound...].dropLast())
            })
    }

    @Test(.timeLimit(.minutes(2)))
    func publisherPublishesAndWithdrawsThroughTheHookAPI() async throws {
        try await withTemporaryDirectory(prefix: "remote-publisher") { directory in
            let token = try await Clients.createToken(in: directory)
            try await Clients.withCairn(in: directory) { cairn in
                let publisher = HTTPRequestPublisher(endpoint: cairn.api, username: token.id, password: token.key)
                // Apex and wildcard share one challenge name: both values are served together.
                try await publisher.publish(
                    name: "_acme-challenge.example.test", value: Self.valueA, ttl: 60, expiresAfterSeconds: 600)
                try await publisher.publish(
                    name: "_acme-challenge.example.test", value: Self.valueB, ttl: 60, expiresAfterSeconds: 600)
                #expect(try await Self.served(token.target, port: cairn.dnsPort) == [Self.valueA, Self.valueB])

                try await publisher.withdraw(name: "_acme-challenge.example.test", value: Self.valueA)
                #expect(try await Self.served(token.target, port: cairn.dnsPort) == [Self.valueB])
                try await publisher.withdraw(name: "_acme-challenge.example.test", value: Self.valueB)
                #expect(try await Self.served(token.target, port: cairn.dnsPort).isEmpty)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func refusalsNameTheEndpointAndStatusAndStoreNothing() async throws {
        try await withTemporaryDirectory(prefix: "remote-refused") { directory in
            let token = try await Clients.createToken(in: directory)
            try await Clients.withCairn(in: directory) { cairn in
                let wrongKey = HTTPRequestPublisher(endpoint: cairn.api, username: token.id, password: "not-the-key")
                let unauthorized = try await #require(throws: ACMEError.self) {
                    try await wrongKey.publish(
                        name: "_acme-challenge.example.test", value: Self.valueA, ttl: 60, expiresAfterSeconds: 600)
                }
                #expect(unauthorized.code == .publishing)
                #expect(unauthorized.detail.contains("POST \(cairn.api)/present"), "\(unauthorized)")
                #expect(unauthorized.detail.contains("answered 401"), "\(unauthorized)")
                #expect(!unauthorized.description.contains("not-the-key"))

                let publisher = HTTPRequestPublisher(endpoint: cairn.api, username: token.id, password: token.key)
                let notOwned = try await #require(throws: ACMEError.self) {
                    try await publisher.publish(
                        name: "_acme-challenge.other.test", value: Self.valueA, ttl: 60, expiresAfterSeconds: 600)
                }
                #expect(notOwned.detail.contains("answered 403"), "\(notOwned)")
                #expect(notOwned.detail.contains("_acme-challenge.other.test."), "\(notOwned)")
                #expect(try await Self.served(token.target, port: cairn.dnsPort).isEmpty)
            }
        }
    }

    /// `cairn issue --publish` runs only the ACME side: the values go to the other Cairn's API,
    /// Pebble reads them through unbound → Knot → CNAME → that Cairn. The auth zone names its
    /// nameserver with an address where that Cairn also answers on port 53, so the preflight
    /// (canary read back through a resolver and from every NS address) runs for real.
    ///
    /// As in production, the preflight's resolver is normally not the CA's: a second hierarchy
    /// with its own unbound serves the same zones. With `sameResolver` the preflight asks the
    /// resolver Pebble uses: a canary it read there must not still be cached when Pebble asks
    /// (over httpreq it cannot be published with TTL 0, so it is not read through the resolver).
    @Test(.timeLimit(.minutes(5)), arguments: [false, true])
    func issueWithPublishGetsACertificateThroughAnotherCairn(sameResolver: Bool) async throws {
        try await withTemporaryDirectory(prefix: "issue-publish") { directory in
            let token = try await Clients.createToken(in: directory)
            try directory.write(
                "zones/auth.test.zone",
                """
                $ORIGIN auth.test.
                $TTL 60
                @    IN SOA ns1 hostmaster 1 3600 600 86400 30
                     IN NS  ns1
                ns1  IN A   127.0.0.6

                """)
            try await Clients.withCairn(in: directory, alsoListen: ["127.0.0.6:53"]) { cairn in
                let records = DNSHierarchy.cnameDelegation(of: "example.test", to: token.target)
                let operatorSide = DNSHierarchy.Options(
                    zones: [.init(name: "example.test", records: records)],
                    stubZones: [.init(name: "auth.test", port: cairn.dnsPort)])
                try await DNSHierarchy.with(operatorSide) { operatorDNS in
                    try await Clients.withHierarchyAndPebble(cairn: cairn, parentRecords: records) { dns, pebble in
                        let resolver = sameResolver ? dns.resolverAddress : operatorDNS.resolverAddress
                        let issue = try await Tool.run(
                            "timeout",
                            [
                                "240", try CairnBinary.path(), "issue", "-d", "example.test", "-d", "*.example.test",
                                "--server", pebble.directoryURL, "--ca-bundle", pebble.caCertificatePath,
                                "--publish", cairn.api, "--resolver", resolver, "--out",
                                directory.file("certificates"), "--state-dir", directory.file("issue-state"),
                            ],
                            environment: ["CAIRN_PUBLISH_TOKEN": "\(token.id):\(token.key)"])
                        let certificate = directory.file("certificates/example.test/cert.pem")
                        #expect(issue.succeeded, "cairn issue:\n\(issue.output)\ncairn serve:\n\(cairn.log)")
                        #expect(try await Clients.subjectAlternativeNames(of: certificate) == Set(Clients.names))
                        let verified = try await Clients.verify(
                            directory.file("certificates/example.test/fullchain.pem"), pebble: pebble)
                        #expect(verified.succeeded, "\(verified.output)")
                    }
                }
            }
        }
    }
}
