import CairnTestSupport
import DNSWire
import Foundation
import Testing

/// The harness the ACME and hook API tests stand on: Pebble starts and serves its directory;
/// Knot's parent zone resolves through unbound; a CNAME leads unbound into a zone a real
/// `cairn serve` process answers for.
@Suite(.serialized) struct HarnessTests {
    @Test func pebbleServesItsDirectoryAndRoots() async throws {
        try await Pebble.with(Pebble.Options(dnsServer: "127.0.0.1:53")) { pebble in
            let directory = try await pebble.directoryDocument()
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(directory.utf8)) as? [String: Any], "\(directory)")
            let newOrder = try #require(json["newOrder"] as? String, "\(directory)")
            #expect(newOrder.hasPrefix("https://127.0.0.1:"))
            let roots = try await pebble.writeRoots(
                to: pebble.directory.file("roots.pem"), includingIntermediate: true)
            let pem = try String(contentsOfFile: roots, encoding: .utf8)
            #expect(pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 3, "\(pem)")
        }
    }

    @Test func pebbleRequiresExternalAccountBindingWhenGivenKeys() async throws {
        let options = Pebble.Options(
            dnsServer: "127.0.0.1:53",
            externalAccountMACKeys: ["kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"])
        try await Pebble.with(options) { pebble in
            let directory = try await pebble.directoryDocument()
            #expect(directory.contains("\"externalAccountRequired\": true"), "\(directory)")
        }
    }

    @Test(arguments: [DNSHierarchy.ParentServer.knot, .nsd])
    func parentZoneResolvesThroughUnbound(server: DNSHierarchy.ParentServer) async throws {
        let options = DNSHierarchy.Options(
            zones: [.init(name: "example.test", records: ["_acme-challenge 60 IN TXT \"parent-value\""])],
            parentServer: server)
        try await DNSHierarchy.with(options) { dns in
            let answer = try await dns.resolve("_acme-challenge.example.test", "TXT")
            #expect(answer.status == "NOERROR", "\(answer.output)\n\(dns.logs())")
            #expect(answer.answers.contains { $0.hasSuffix("TXT \"parent-value\"") }, "\(answer.output)")
            #expect(!answer.flags.contains("aa"), "the answer should come from the resolver, not an authority")
        }
    }

    @Test func cnameLeadsIntoAZoneCairnServes() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                "zones/auth.test.zone",
                """
                $ORIGIN auth.test.
                $TTL 60
                @       IN SOA ns1 hostmaster 1 3600 600 86400 30
                        IN NS  ns1
                ns1     IN A   127.0.0.1
                label1  IN TXT "served-by-cairn"

                """)
            let port = try await LoopbackPorts.free()
            try await Daemon.with(
                try CairnBinary.path(),
                [
                    "serve", "--api-listen", "none", "--listen", "127.0.0.1:\(port)", "--state-dir",
                    directory.file("state"), "--zones",
                    directory.file("zones"), "--udp-sockets", "1",
                ],
                logPath: directory.file("cairn.log"),
                ready: {
                    let soa = try? await Dig.query(host: "127.0.0.1", port: port, name: "auth.test", type: "SOA")
                    return soa?.status == "NOERROR"
                }
            ) { _ in
                let options = DNSHierarchy.Options(
                    zones: [
                        .init(
                            name: "example.test",
                            records: DNSHierarchy.cnameDelegation(of: "example.test", to: "label1.auth.test"))
                    ],
                    stubZones: [.init(name: "auth.test", port: port)])
                try await DNSHierarchy.with(options) { dns in
                    let answer = try await dns.resolve("_acme-challenge.example.test", "TXT")
                    #expect(answer.status == "NOERROR", "\(answer.output)\n\(dns.logs())")
                    #expect(
                        answer.answers.contains { $0.contains("CNAME label1.auth.test.") }, "\(answer.output)")
                    #expect(answer.answers.contains { $0.hasSuffix("TXT \"served-by-cairn\"") }, "\(answer.output)")
                }
            }
        }
    }

    @Test func nsDelegationRecordsCarryInBailiwickGlue() async throws {
        let records = DNSHierarchy.nsDelegation(of: "example.test")
        #expect(
            records == [
                "_acme-challenge.example.test. 60 IN NS cairn-ns.example.test.",
                "cairn-ns.example.test. 60 IN A 127.0.0.2",
            ])
        try await DNSHierarchy.with(DNSHierarchy.Options(zones: [.init(name: "example.test", records: records)])) {
            dns in
            let referral = try await dns.askParent("_acme-challenge.example.test", "TXT")
            #expect(
                referral.authority.contains("_acme-challenge.example.test. 60 IN NS cairn-ns.example.test."),
                "\(referral.output)")
        }
    }
}
