import DNSAuthority
import DNSWire
import Foundation
import HTTPTypes
import HummingbirdTesting
import Store
import Testing

@testable import HookAPI

/// lego's httpreq API: `/present` and `/cleanup`, default and RAW bodies, Basic auth by token.
@Suite struct HTTPRequestContractTests {
    static let name = "_acme-challenge.example.test"

    @Test func presentPublishesAndEchoesTheBody() async throws {
        try await HookAPIHarness.run { harness, client in
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: Self.name])
            let body = "{\"fqdn\":\"\(Self.name).\",\"value\":\"\(HookAPIHarness.digest)\"}"
            let reply = try await client.post("/present", body, headers: .basic("t1", key))
            #expect(reply == Reply(status: 200, body: body))
            // The challenge zone was synthesized and the value is served from it.
            #expect(harness.authority.zone(at: try DNSName(Self.name)) != nil)
            #expect(try harness.served(Self.name) == [HookAPIHarness.digest])
            #expect(try await harness.stored() == [HookAPIHarness.digest])
        }
    }

    @Test func cleanupRemovesOnlyThatValue() async throws {
        try await HookAPIHarness.run { harness, client in
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: Self.name])
            for value in [HookAPIHarness.digest, HookAPIHarness.otherDigest] {
                _ = try await client.post(
                    "/present", "{\"fqdn\":\"\(Self.name).\",\"value\":\"\(value)\"}", headers: .basic("t1", key))
            }
            let body = "{\"fqdn\":\"\(Self.name).\",\"value\":\"\(HookAPIHarness.digest)\"}"
            let reply = try await client.post("/cleanup", body, headers: .basic("t1", key))
            #expect(reply == Reply(status: 200, body: body))
            #expect(try harness.served(Self.name) == [HookAPIHarness.otherDigest])
            #expect(try await harness.stored() == [HookAPIHarness.otherDigest])
        }
    }

    @Test func rawModeComputesTheDigestOfTheKeyAuthorization() async throws {
        try await HookAPIHarness.run { harness, client in
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: Self.name])
            let body = "{\"domain\":\"example.test\",\"token\":\"tok\",\"keyAuth\":\"tok.thumbprint\"}"
            let reply = try await client.post("/present", body, headers: .basic("t1", key))
            #expect(reply == Reply(status: 200, body: body))
            // base64url(SHA-256("tok.thumbprint")), computed independently with openssl.
            #expect(try harness.served(Self.name) == [Credential.dns01Digest(keyAuthorization: "tok.thumbprint")])
            #expect(Credential.dns01Digest(keyAuthorization: "tok.thumbprint").count == 43)
            let wildcard = "{\"domain\":\"*.example.test\",\"token\":\"tok2\",\"keyAuth\":\"tok2.thumbprint\"}"
            #expect(try await client.post("/present", wildcard, headers: .basic("t1", key)).status == 200)
            #expect(try harness.served(Self.name).count == 2)
        }
    }

    @Test func aTokenWithAnAuthZoneLabelPublishesThereForItsDomain() async throws {
        try await HookAPIHarness.run { harness, client in
            let label = "t1-label.auth.test"
            let key = try await harness.addToken(id: "t1", names: [.label: label], domain: "example.test")
            // acme.sh sends the _acme-challenge name; lego sends the CNAME target it resolved.
            for fqdn in [Self.name, label + "."] {
                let body = "{\"fqdn\":\"\(fqdn)\",\"value\":\"\(HookAPIHarness.digest)\"}"
                #expect(try await client.post("/present", body, headers: .basic("t1", key)).status == 200)
            }
            #expect(try harness.served(label) == [HookAPIHarness.digest])
            #expect(harness.authority.challengeTable.entries.count == 1)
        }
    }

    @Test func everyAuthenticationFailureIs401Forbidden() async throws {
        try await HookAPIHarness.run { harness, client in
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: Self.name])
            let body = "{\"fqdn\":\"\(Self.name).\",\"value\":\"\(HookAPIHarness.digest)\"}"
            let cases: [HTTPFields] = [
                [:], .basic("t1", key + "x"), .basic("t2", key), [.authorization: "Basic !!!"],
                [.authorization: "Bearer \(key)"],
            ]
            for headers in cases {
                for path in ["/present", "/cleanup"] {
                    let reply = try await client.post(path, body, headers: headers)
                    #expect(reply == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
                }
            }
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test(arguments: [
        ("{", "malformed_json_payload"), ("null", "malformed_json_payload"),
        ("{\"fqdn\":\"_acme-challenge.example.test.\"}", "malformed_json_payload"),
        ("{\"fqdn\":\"_acme-challenge.example.test.\",\"value\":1}", "malformed_json_payload"),
        (
            "{\"fqdn\":\"_acme-challenge.example.test.\",\"value\":\"\(String(repeating: "a", count: 43))\",\"x\":\"y\"}",
            "malformed_json_payload"
        ),
        ("{\"domain\":\"example.test\",\"keyAuth\":\"k\"}", "malformed_json_payload"),
        ("{\"fqdn\":\"_acme-challenge.example.test.\",\"value\":\"short\"}", "bad_txt"),
    ])
    func badBodiesAre400AndStoreNothing(body: String, error: String) async throws {
        try await HookAPIHarness.run { harness, client in
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: Self.name])
            let reply = try await client.post("/present", body, headers: .basic("t1", key))
            #expect(reply == Reply(status: 400, body: "{\"error\": \"\(error)\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }
}
