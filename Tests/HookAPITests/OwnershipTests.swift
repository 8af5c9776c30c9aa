import DNSAuthority
import Foundation
import HTTPTypes
import HookAPI
import HummingbirdTesting
import Store
import Testing

/// A credential publishes only at names it owns: no CNAME, encoding, trailing dot or case
/// spelling reaches another owner's name (403, nothing stored, the victim's values untouched).
@Suite struct OwnershipTests {
    static let victim = "_acme-challenge.victim.test"
    static let attacker = "_acme-challenge.attacker.test"

    @Test(arguments: [
        "_acme-challenge.victim.test", "_acme-challenge.victim.test.", "_ACME-Challenge.VICTIM.test.",
        "_acme-challenge.victim.test..", "_acme-challenge%2evictim.test", "_acme-challenge\\.victim.test",
        "_acme-challenge.victim\\046test", "_acme-challenge.victim.test.attacker.test", "victim.test",
        "x._acme-challenge.victim.test", "_acme-challenge.victim.test%00", " _acme-challenge.victim.test",
        "_acme-challenge.victim.test\u{0}", "*._acme-challenge.attacker.test", "",
    ])
    func anotherOwnersNameIs403(fqdn: String) async throws {
        try await HookAPIHarness.run { harness, client in
            let victimKey = try await harness.addToken(id: "victim", names: [.challengeZone: Self.victim])
            let attackerKey = try await harness.addToken(id: "attacker", names: [.challengeZone: Self.attacker])
            let legit = "{\"fqdn\":\"\(Self.victim).\",\"value\":\"\(HookAPIHarness.otherDigest)\"}"
            #expect(try await client.post("/present", legit, headers: .basic("victim", victimKey)).status == 200)

            let escaped = fqdn.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\u{0}", with: "\\u0000")
            for path in ["/present", "/cleanup"] {
                let body = "{\"fqdn\":\"\(escaped)\",\"value\":\"\(HookAPIHarness.otherDigest)\"}"
                let reply = try await client.post(path, body, headers: .basic("attacker", attackerKey))
                #expect(reply == Reply(status: 403, body: "{\"error\": \"name_not_owned\"}"), "\(path) \(fqdn)")
            }
            #expect(try harness.served(Self.victim) == [HookAPIHarness.otherDigest])
            #expect(try await harness.stored() == [HookAPIHarness.otherDigest])
            #expect(try harness.served(Self.attacker).isEmpty)
        }
    }

    @Test func rawModeForAnotherOwnersDomainIs403() async throws {
        try await HookAPIHarness.run { harness, client in
            try await harness.addToken(id: "victim", names: [.challengeZone: Self.victim])
            let attackerKey = try await harness.addToken(id: "attacker", names: [.challengeZone: Self.attacker])
            for domain in ["victim.test", "*.victim.test", "VICTIM.test.", "victim.test%2e"] {
                let body = "{\"domain\":\"\(domain)\",\"token\":\"t\",\"keyAuth\":\"t.k\"}"
                let reply = try await client.post("/present", body, headers: .basic("attacker", attackerKey))
                #expect(reply == Reply(status: 403, body: "{\"error\": \"name_not_owned\"}"), "\(domain)")
            }
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test func aCNAMEFromTheAttackersOwnDomainStillPublishesOnlyAtTheAttackersName() async throws {
        // The attacker points _acme-challenge.attacker.test at the victim's name in its own DNS.
        // Cairn never resolves: the value lands at the attacker's own name, the victim's is untouched.
        try await HookAPIHarness.run { harness, client in
            try await harness.addToken(id: "victim", names: [.challengeZone: Self.victim])
            let attackerKey = try await harness.addToken(id: "attacker", names: [.challengeZone: Self.attacker])
            let body = "{\"fqdn\":\"\(Self.attacker).\",\"value\":\"\(HookAPIHarness.digest)\"}"
            #expect(try await client.post("/present", body, headers: .basic("attacker", attackerKey)).status == 200)
            #expect(try harness.served(Self.attacker) == [HookAPIHarness.digest])
            #expect(try harness.served(Self.victim).isEmpty)
        }
    }

    @Test func aRegistrationCannotUpdateAnotherRegistrationsLabel() async throws {
        try await HookAPIHarness.run { harness, client in
            let first = try Credentials(try await client.post("/register", nil))
            let second = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: first.username, key: first.password)
            for subdomain in [
                second.subdomain, second.subdomain.uppercased(), second.fulldomain, first.subdomain + ".",
            ] {
                let reply = try await client.post(
                    "/update", first.update(HookAPIHarness.digest, subdomain: subdomain), headers: headers)
                #expect(reply == Reply(status: 401, body: "{\"error\": \"forbidden\"}"), "\(subdomain)")
            }
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test func aTokenCannotPublishAtARegistrationsLabel() async throws {
        try await HookAPIHarness.run { harness, client in
            let registration = try Credentials(try await client.post("/register", nil))
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: Self.attacker])
            let body = "{\"fqdn\":\"\(registration.fulldomain).\",\"value\":\"\(HookAPIHarness.digest)\"}"
            let reply = try await client.post("/present", body, headers: .basic("t1", key))
            #expect(reply == Reply(status: 403, body: "{\"error\": \"name_not_owned\"}"))
            #expect(try harness.served(registration.fulldomain).isEmpty)
        }
    }
}
