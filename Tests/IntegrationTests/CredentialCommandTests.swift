import CairnTestSupport
import DNSWire
import Foundation
import Testing

/// `cairn token`, `cairn register` and `cairn registration` against a running `cairn serve`: the
/// credentials and records they print work at once, and deleting one stops its names being
/// served. Changes the CLI commits reach the server through the store's ordered change record:
/// the next change the API commits applies them first, so these tests synchronise on an API
/// call rather than on time.
@Suite(.serialized) struct CredentialCommandTests {
    static func cairn(
        _ directory: TemporaryDirectory, _ arguments: [String], authZone: String = HookAPIServeTests.authZone
    ) async throws -> Tool.Result {
        let result = try await Tool.run(
            try CairnBinary.path(),
            arguments + ["--state-dir", directory.file("state"), "--zones", directory.file("zones")],
            environment: ["CAIRN_API_AUTH_ZONE": authZone], timeLimit: .seconds(60))
        TestSecrets.noteFields(in: result.output)
        return result
    }

    static func field(_ name: String, in output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("\(name):") }?
            .dropFirst(name.count + 1).split(separator: " ").first.map(String.init)
    }

    /// The auth zone as an operator writes it: its server's name has an address.
    static func writeAuthZone(_ directory: TemporaryDirectory) throws {
        try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
        _ = try directory.write(
            "zones/auth.test.zone",
            """
            $ORIGIN auth.test.
            $TTL 300
            @   IN SOA ns hostmaster 1 3600 600 1209600 30
                IN NS  ns
            ns  IN A   127.0.0.1

            """)
    }

    static func answers(_ dnsPort: Int, _ name: String, _ type: DNSRecordType) async throws -> DNSMessage {
        let bytes = try await DNSTestClient.exchange(
            try queryBytes(try DNSName(name), type), host: "127.0.0.1", port: dnsPort, transport: .udp)
        return try DNSMessage(decoding: bytes)
    }

    static func present(_ apiPort: Int, id: String, key: String, fqdn: String, value: String) async throws -> Int {
        let basic = "Basic " + Data("\(id):\(key)".utf8).base64EncodedString()
        return try await HookAPIServeTests.request(
            apiPort, "POST", "/present", headers: [("Authorization", basic)],
            body: "{\"fqdn\":\"\(fqdn).\",\"value\":\"\(value)\"}"
        ).status
    }

    @Test(.timeLimit(.minutes(2)))
    func aTokenPublishesThroughItsChallengeZoneUntilDeleted() async throws {
        try await withTemporaryDirectory { directory in
            try Self.writeAuthZone(directory)
            try await HookAPIServeTests.serve(in: directory) { dnsPort, apiPort, _ in
                let created = try await Self.cairn(
                    directory, ["token", "create", "--domain", "Example.TEST", "--delegation", "ns"])
                try #require(created.succeeded, "\(created.output)")
                // The NS record printed names the auth zone's own server, which has an address.
                #expect(created.output.contains("_acme-challenge.example.test. NS ns.auth.test."), "\(created.output)")
                #expect(try await Self.answers(dnsPort, "ns.auth.test", .a).answers.count == 1)
                #expect(created.output.contains("asked cairn"))
                let id = try #require(Self.field("token", in: created.output))
                let key = try #require(Self.field("key", in: created.output))

                let name = "_acme-challenge.example.test"
                let value = HookAPIServeTests.digest(7)
                #expect(try await Self.present(apiPort, id: id, key: key, fqdn: name, value: value) == 200)
                // Acknowledged: the synthesized zone answers its SOA and the value.
                #expect(try await Self.answers(dnsPort, name, .soa).answers.count == 1)
                #expect(try await HookAPIServeTests.txt(dnsPort, name).1 == [value])

                let listed = try await Self.cairn(directory, ["token", "list"])
                #expect(listed.output.contains(id))
                #expect(!listed.output.contains(key))

                let deleted = try await Self.cairn(directory, ["token", "delete", id])
                try #require(deleted.succeeded, "\(deleted.output)")
                // Any change through the API applies the deletion before its 2xx.
                _ = try await HookAPIServeTests.register(apiPort)
                #expect(try await HookAPIServeTests.txt(dnsPort, name).0 == .refused)
                #expect(try await Self.present(apiPort, id: id, key: key, fqdn: name, value: value) == 401)
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(!log.contains("reload failed"))
                #expect(!log.contains(key))
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aRegistrationMadeByTheCLIUpdatesOverTheAPIUntilDeleted() async throws {
        try await withTemporaryDirectory { directory in
            try await HookAPIServeTests.serve(in: directory) { dnsPort, apiPort, _ in
                let made = try await Self.cairn(directory, ["register"])
                try #require(made.succeeded, "\(made.output)")
                let json = String(made.output[made.output.firstIndex(of: "{")!...made.output.firstIndex(of: "}")!])
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
                let registration = HookAPIServeTests.Registration(
                    username: object["username"] as? String ?? "", password: object["password"] as? String ?? "",
                    subdomain: object["subdomain"] as? String ?? "", fulldomain: object["fulldomain"] as? String ?? "")
                TestSecrets.note(registration.password)
                let reply = try await HookAPIServeTests.update(apiPort, registration, HookAPIServeTests.digest(3))
                #expect(reply.status == 200)
                #expect(
                    try await HookAPIServeTests.txt(dnsPort, registration.fulldomain).1 == [HookAPIServeTests.digest(3)]
                )
                let listed = try await Self.cairn(directory, ["registration", "list"])
                #expect(listed.output.contains(registration.username))
                let deleted = try await Self.cairn(directory, ["registration", "delete", registration.username])
                try #require(deleted.succeeded, "\(deleted.output)")
                _ = try await HookAPIServeTests.register(apiPort)
                #expect(try await HookAPIServeTests.txt(dnsPort, registration.fulldomain).0 == .nameError)
            }
        }
    }

    /// The shipped example zones: the NS record `token create` prints must name a server Cairn
    /// gives an address for (the auth zone's own `ns1`), not a made-up `ns.<authZone>`.
    @Test(.timeLimit(.minutes(2)))
    func theNSRecordPrintedForTheShippedZonesLeadsToAnAddress() async throws {
        try await withTemporaryDirectory { directory in
            let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../zones"
            ).standardized.path
            try FileManager.default.copyItem(atPath: shipped, toPath: directory.file("zones"))
            let created = try await Self.cairn(
                directory, ["token", "create", "--domain", "example.org", "--delegation", "ns"],
                authZone: "auth.example.test")
            try #require(created.succeeded, "\(created.output)")
            let line = try #require(created.output.split(separator: "\n").first { $0.contains(" NS ") })
            let nameserver = String(line.split(separator: " ").last!)
            #expect(nameserver == "ns1.auth.example.test.")
            let dnsPort = try await LoopbackPorts.free()
            try await Daemon.with(
                try CairnBinary.path(),
                [
                    "serve", "--zones", directory.file("zones"), "--state-dir", directory.file("state"), "--listen",
                    "127.0.0.1:\(dnsPort)", "--api-listen", "none", "--udp-sockets", "1",
                ],
                environment: ["CAIRN_API_AUTH_ZONE": "auth.example.test"], logPath: directory.file("cairn.log"),
                ready: { (try? await Self.answers(dnsPort, "auth.example.test", .soa)) != nil }
            ) { _ in
                let address = try await Self.answers(dnsPort, nameserver, .a)
                #expect(address.responseCode == .noError)
                #expect(address.answers.count == 1, "\(nameserver) has no address: \(address)")
                // The synthesized challenge zone names the same server.
                let ns = try await Self.answers(dnsPort, "_acme-challenge.example.org", .ns)
                #expect(ns.answers.map(\.rdata) == [.ns(DNSRData.NS(nameserver: try DNSName(nameserver)))])
            }
        }
    }

    /// With no address for the nameserver names (a synthesized auth zone, `dns.nameservers`
    /// unset), an NS record would lead nowhere: `--delegation ns` refuses and says how to fix
    /// it, the default prints the CNAME alone, and `serve` warns at start.
    @Test(.timeLimit(.minutes(2)))
    func noNSRecordIsPrintedWhenItWouldLeadNowhere() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory.file("zones"), withIntermediateDirectories: true)
            let refused = try await Self.cairn(
                directory, ["token", "create", "--domain", "example.org", "--delegation", "ns"])
            #expect(!refused.succeeded)
            #expect(refused.output.contains("ns.auth.test. has no A or AAAA record"), "\(refused.output)")
            #expect(refused.output.contains("dns.nameservers"))
            #expect(!refused.output.contains("key:"))
            let fallback = try await Self.cairn(directory, ["token", "create", "--domain", "example.org"])
            try #require(fallback.succeeded, "\(fallback.output)")
            #expect(!fallback.output.contains(". NS "), "\(fallback.output)")
            #expect(fallback.output.contains("_acme-challenge.example.org. CNAME "))
            #expect(fallback.output.contains("note:     no NS record printed"))
            try await HookAPIServeTests.serve(in: directory) { _, _, _ in
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(log.contains("NS delegation to Cairn would fail: ns.auth.test. has no A or AAAA record"))
            }
        }
    }

    /// A multi-domain certificate through lego httpreq uses one credential for every name: one
    /// token owns them all and publishes at each.
    @Test(.timeLimit(.minutes(2)))
    func oneTokenOwnsEveryDomainGiven() async throws {
        try await withTemporaryDirectory { directory in
            try Self.writeAuthZone(directory)
            try await HookAPIServeTests.serve(in: directory) { dnsPort, apiPort, _ in
                let created = try await Self.cairn(
                    directory,
                    ["token", "create", "--domain", "a.example", "--domain", "b.example", "--delegation", "ns"])
                try #require(created.succeeded, "\(created.output)")
                #expect(created.output.contains("_acme-challenge.a.example. NS ns.auth.test."))
                #expect(created.output.contains("_acme-challenge.b.example. NS ns.auth.test."))
                let id = try #require(Self.field("token", in: created.output))
                let key = try #require(Self.field("key", in: created.output))
                for (index, domain) in ["a.example", "b.example"].enumerated() {
                    let name = "_acme-challenge.\(domain)"
                    let value = HookAPIServeTests.digest(index)
                    #expect(try await Self.present(apiPort, id: id, key: key, fqdn: name, value: value) == 200)
                    #expect(try await HookAPIServeTests.txt(dnsPort, name).1 == [value])
                }
                let listed = try await Self.cairn(directory, ["token", "list"])
                #expect(listed.output.contains("a.example,b.example"), "\(listed.output)")
            }
        }
    }

    /// The `lego:` line names the API the running server listens on, here set by a flag that
    /// the configuration `token create` reads knows nothing of.
    @Test(.timeLimit(.minutes(2)))
    func theLegoLineNamesTheRunningServersEndpoint() async throws {
        try await withTemporaryDirectory { directory in
            try Self.writeAuthZone(directory)
            try await HookAPIServeTests.serve(in: directory) { _, apiPort, _ in
                let created = try await Self.cairn(directory, ["token", "create", "--domain", "a.example"])
                try #require(created.succeeded, "\(created.output)")
                #expect(created.output.contains("HTTPREQ_ENDPOINT=http://127.0.0.1:\(apiPort)\n"), "\(created.output)")
            }
            // Stopped: the configured (default) endpoint.
            let offline = try await Self.cairn(directory, ["token", "create", "--domain", "b.example"])
            #expect(offline.output.contains("HTTPREQ_ENDPOINT=http://127.0.0.1:8053\n"), "\(offline.output)")
        }
    }

    /// An NS-delegated challenge zone would hide what a zone file holds at its name: refused.
    @Test(.timeLimit(.minutes(2)))
    func nsDelegationOverStaticDataIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            try Self.writeAuthZone(directory)
            _ = try directory.write(
                "zones/example.test.zone",
                """
                $ORIGIN example.test.
                @               IN SOA ns1 hostmaster 1 3600 600 1209600 30
                                IN NS  ns1
                ns1             IN A   127.0.0.1
                _acme-challenge IN CNAME elsewhere.auth.test.

                """)
            let refused = try await Self.cairn(
                directory, ["token", "create", "--domain", "example.test", "--delegation", "ns"])
            #expect(!refused.succeeded)
            #expect(refused.output.contains("_acme-challenge.example.test holds records"), "\(refused.output)")
            let both = try await Self.cairn(directory, ["token", "create", "--domain", "example.test"])
            try #require(both.succeeded, "\(both.output)")
            #expect(!both.output.contains(". NS "), "\(both.output)")
            #expect(both.output.contains("_acme-challenge.example.test. CNAME "))
        }
    }
}
