import CairnTestSupport
import Foundation
import Testing

/// `cairn issue` through a real DNS hierarchy: Knot serves the parent zone `example.test`,
/// unbound (0x20 case randomisation on, as at Let's Encrypt) resolves for Pebble and for
/// Cairn's preflight, and the challenge reaches Cairn by CNAME or by NS delegation — no stub
/// zone pretends to be a delegation for the NS case: Cairn answers on port 53 of its own
/// loopback address, as NS records carry no port.
///
/// Loopback addresses used here (port 53): 127.0.0.12 and 127.0.0.13, no other suite uses them.
@Suite(.serialized, .timeLimit(.minutes(5))) struct DelegationTests {
    static let authZone = """
        $ORIGIN auth.test.
        $TTL 60
        @   IN SOA ns.auth.test. hostmaster.auth.test. 1 3600 600 86400 30
            IN NS  ns.auth.test.
        ns  IN A   127.0.0.1

        """

    static func issueArguments(_ pebble: Pebble, names: [String], directory: TemporaryDirectory) -> [String] {
        var arguments = [
            "issue", "--server", pebble.directoryURL, "--ca-bundle", pebble.caCertificatePath, "--out",
            directory.file("certificates"), "--state-dir", directory.file("state"),
        ]
        for name in names { arguments += ["-d", name] }
        return arguments
    }

    @Test func cnameDelegationIntoTheAuthZoneIssues() async throws {
        let cairnPort = try await LoopbackPorts.free()
        let options = DNSHierarchy.Options(
            zones: [
                .init(
                    name: "example.test", records: DNSHierarchy.cnameDelegation(of: "example.test", to: "x1.auth.test"))
            ],
            stubZones: [.init(name: "auth.test", port: cairnPort)])
        try await DNSHierarchy.with(options) { dns in
            try await Pebble.with(Pebble.Options(dnsServer: dns.resolverAddress)) { pebble in
                try await withTemporaryDirectory(prefix: "cairn-cname") { directory in
                    _ = try directory.write("zones/auth.test.zone", Self.authZone)
                    let names = ["example.test", "*.example.test"]
                    let result = try await Tool.run(
                        try CairnBinary.path(),
                        Self.issueArguments(pebble, names: names, directory: directory) + [
                            "--zones", directory.file("zones"), "--listen", "127.0.0.1:\(cairnPort)", "--resolver",
                            dns.resolverAddress, "--preflight-nameserver-port", "\(cairnPort)",
                        ])
                    #expect(result.succeeded, "\(result.output)\n\(dns.logs())")
                    #expect(result.output.contains("preflight: every challenge name leads here"))
                    #expect(result.output.contains("TXT at x1.auth.test"), "\(result.output)")
                    // What the preflight-failure tests rely on: the CA's log shows cairn's requests
                    // (more than one each when Pebble rejected a nonce and cairn re-sent).
                    #expect(try await pebble.requests(to: "newAccount") >= 1, "\(pebble.log())")
                    #expect(try await pebble.requests(to: "newOrder") >= 1, "\(pebble.log())")
                    let sans = try await IssueCommandTests.subjectAlternativeNames(
                        directory.file("certificates/example.test/cert.pem"))
                    #expect(sans == Set(names))
                }
            }
        }
    }

    @Test func nsDelegationToCairnOnPort53Issues() async throws {
        let options = DNSHierarchy.Options(
            zones: [
                .init(
                    name: "example.test",
                    records: DNSHierarchy.nsDelegation(of: "example.test", address: "127.0.0.12"))
            ])
        try await DNSHierarchy.with(options) { dns in
            try await Pebble.with(Pebble.Options(dnsServer: dns.resolverAddress)) { pebble in
                try await withTemporaryDirectory(prefix: "cairn-ns") { directory in
                    let names = ["example.test", "*.example.test"]
                    let result = try await Tool.run(
                        try CairnBinary.path(),
                        Self.issueArguments(pebble, names: names, directory: directory) + [
                            "--listen", "127.0.0.12:53", "--nameserver", "cairn-ns.example.test", "--resolver",
                            dns.resolverAddress,
                        ])
                    #expect(result.succeeded, "\(result.output)\n\(dns.logs())")
                    #expect(result.output.contains("preflight: every challenge name leads here"))
                    #expect(result.output.contains("TXT at _acme-challenge.example.test"))
                    let verified = try await IssueCommandTests.verify(
                        pebble, directory: directory, certificateDirectory: directory.file("certificates/example.test"))
                    #expect(verified.succeeded, "openssl verify: \(verified.output)")
                }
            }
        }
    }

    /// What a failed preflight leaves at the CA: nothing. Pebble is reachable and would accept
    /// an account and an order, so only its log saying no request for a nonce, an account or an
    /// order arrived proves the preflight stopped `cairn issue` before the CA was contacted.
    static func expectCANotContacted(_ pebble: Pebble, _ output: String) async throws {
        for resource in ["newNonce", "newAccount", "newOrder"] {
            let count = try await pebble.requests(to: resource)
            #expect(count == 0, "\(resource) was requested \(count) times before preflight passed:\n\(output)")
        }
        #expect(!output.contains("account "), "no account before preflight passes")
    }

    @Test func preflightRejectsADelegationThatDoesNotLeadHere() async throws {
        let options = DNSHierarchy.Options(zones: [.init(name: "example.test", records: ["www 60 IN A 127.0.0.1"])])
        try await DNSHierarchy.with(options) { dns in
            try await Pebble.with(Pebble.Options(dnsServer: dns.resolverAddress)) { pebble in
                try await withTemporaryDirectory(prefix: "cairn-preflight") { directory in
                    let port = try await LoopbackPorts.free()
                    let result = try await Tool.run(
                        try CairnBinary.path(),
                        Self.issueArguments(pebble, names: ["example.test"], directory: directory) + [
                            "--listen", "127.0.0.1:\(port)", "--resolver", dns.resolverAddress,
                        ])
                    #expect(!result.succeeded)
                    #expect(
                        result.output.contains(
                            "preflight: _acme-challenge.example.test TXT through the resolver \(dns.resolverAddress)"),
                        "\(result.output)")
                    #expect(result.output.contains("NS"), "the message says what to add: \(result.output)")
                    try await Self.expectCANotContacted(pebble, result.output)
                }
            }
        }
    }

    @Test func preflightNamesTheNameserverAddressThatDoesNotAnswer() async throws {
        // Two NS for the challenge zone; only the first (127.0.0.12) is Cairn, 127.0.0.13 is silent.
        let records =
            DNSHierarchy.nsDelegation(of: "example.test", address: "127.0.0.12")
            + DNSHierarchy.nsDelegation(of: "example.test", nameserver: "cairn-ns2.example.test", address: "127.0.0.13")
        let options = DNSHierarchy.Options(zones: [.init(name: "example.test", records: records)])
        try await DNSHierarchy.with(options) { dns in
            try await Pebble.with(Pebble.Options(dnsServer: dns.resolverAddress)) { pebble in
                try await withTemporaryDirectory(prefix: "cairn-preflight") { directory in
                    let result = try await Tool.run(
                        try CairnBinary.path(),
                        Self.issueArguments(pebble, names: ["example.test"], directory: directory) + [
                            "--listen", "127.0.0.12:53", "--nameserver", "cairn-ns.example.test", "--nameserver",
                            "cairn-ns2.example.test", "--resolver", dns.resolverAddress,
                        ])
                    #expect(!result.succeeded)
                    #expect(
                        result.output.contains("preflight: nameserver cairn-ns2.example.test"),
                        "\(result.output)\n\(dns.logs())")
                    #expect(result.output.contains("127.0.0.13"), "\(result.output)")
                    try await Self.expectCANotContacted(pebble, result.output)
                }
            }
        }
    }
}
