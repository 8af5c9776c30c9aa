import DNSAuthority
import Foundation
import HTTPTypes
import HookAPI
import HummingbirdTesting
import Store
import Testing

/// acme-dns's `/register`, `/update` and `/health`: every status and body, byte for byte
/// where acme-dns clients (lego, acme.sh, certbot-dns-acmedns) parse them.
@Suite struct AcmeDNSContractTests {
    static func isUUIDv4(_ text: String) -> Bool {
        UUID(uuidString: text) != nil && text == text.lowercased() && text.count == 36
            && Array(text)[14] == "4"
    }

    @Test func registerAnswers201WithTheAcmeDNSBody() async throws {
        try await HookAPIHarness.run { harness, client in
            let reply = try await client.post("/register", nil)
            #expect(reply.status == 201)
            let credentials = try Credentials(reply)
            #expect(Self.isUUIDv4(credentials.username))
            #expect(Self.isUUIDv4(credentials.subdomain))
            #expect(credentials.password.count == 40)
            #expect(credentials.password.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) })
            // Go's json.Marshal of acme-dns's RegResponse: compact, members in this order.
            #expect(
                reply.body
                    == "{\"username\":\"\(credentials.username)\",\"password\":\"\(credentials.password)\","
                    + "\"fulldomain\":\"\(credentials.subdomain).auth.test\",\"subdomain\":\"\(credentials.subdomain)\","
                    + "\"allowfrom\":[]}")
            // The new name answers NODATA at once: it is owned in the authority.
            #expect(harness.authority.challengeTable.entries.count == 1)
            #expect(try harness.served(credentials.fulldomain).isEmpty)
            #expect(try await harness.store.registration(username: credentials.username) != nil)
        }
    }

    @Test(arguments: ["", "null", "{}", "{\"allowfrom\":null}", "{\"allowfrom\":[]}"])
    func registerAcceptsEveryEmptyForm(body: String) async throws {
        try await HookAPIHarness.run { _, client in
            let reply = try await client.post("/register", body, headers: [.contentType: "text/plain"])
            #expect(reply.status == 201)
            #expect(reply.body.hasSuffix(",\"allowfrom\":[]}"))
        }
    }

    @Test func registerKeepsAllowfromAsGivenWithoutBrackets() async throws {
        try await HookAPIHarness.run { harness, client in
            let reply = try await client.post("/register", "{\"allowfrom\":[\"192.0.2.0/24\",\"[2001:db8::]/32\"]}")
            #expect(reply.status == 201)
            #expect(reply.body.hasSuffix(",\"allowfrom\":[\"192.0.2.0/24\",\"2001:db8::/32\"]}"))
            let credentials = try Credentials(reply)
            let registration = try await harness.store.registration(username: credentials.username)
            #expect(registration?.allowFrom == ["192.0.2.0/24", "2001:db8::/32"])
        }
    }

    @Test(arguments: [
        ("{", "malformed_json_payload"), ("[]", "malformed_json_payload"),
        ("{\"allowfrom\":\"10.0.0.0/8\"}", "malformed_json_payload"),
        ("{\"allowfrom\":[1]}", "malformed_json_payload"), ("{\"allowfrom\":[],\"extra\":1}", "malformed_json_payload"),
        ("{\"allowfrom\":[\"10.0.0.0/33\"]}", "invalid_allowfrom_cidr"),
        ("{\"allowfrom\":[\"10.0.0.1\"]}", "invalid_allowfrom_cidr"),
        ("{\"allowfrom\":[\"example.com/8\"]}", "invalid_allowfrom_cidr"),
    ])
    func registerRefusesBadBodiesWith400AndStoresNothing(body: String, error: String) async throws {
        try await HookAPIHarness.run { harness, client in
            let reply = try await client.post("/register", body)
            #expect(reply == Reply(status: 400, body: "{\"error\": \"\(error)\"}"))
            #expect(try await harness.store.registrations().isEmpty)
            #expect(harness.authority.challengeTable.entries.isEmpty)
        }
    }

    @Test func updatePublishesAndAnswersWithTheValue() async throws {
        try await HookAPIHarness.run { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            let reply = try await client.post("/update", credentials.update(HookAPIHarness.digest), headers: headers)
            #expect(reply == Reply(status: 200, body: "{\"txt\": \"\(HookAPIHarness.digest)\"}"))
            // Acknowledged means committed and served.
            #expect(try harness.served(credentials.fulldomain) == [HookAPIHarness.digest])
            #expect(try await harness.stored() == [HookAPIHarness.digest])
            // The two most recent values are served together (apex and wildcard).
            _ = try await client.post("/update", credentials.update(HookAPIHarness.otherDigest), headers: headers)
            #expect(try harness.served(credentials.fulldomain) == [HookAPIHarness.digest, HookAPIHarness.otherDigest])
        }
    }

    @Test func everyAuthenticationFailureIs401Forbidden() async throws {
        try await HookAPIHarness.run { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let other = try Credentials(try await client.post("/register", nil))
            let unknownUser = UUID().uuidString.lowercased()
            let cases: [(HTTPFields, String)] = [
                ([:], credentials.update(HookAPIHarness.digest)),
                (.acmeDNS(user: unknownUser, key: credentials.password), credentials.update(HookAPIHarness.digest)),
                (.acmeDNS(user: "not-a-uuid", key: credentials.password), credentials.update(HookAPIHarness.digest)),
                (
                    .acmeDNS(user: credentials.username, key: String(credentials.password.reversed())),
                    credentials.update(HookAPIHarness.digest)
                ),
                (.acmeDNS(user: credentials.username, key: "short"), credentials.update(HookAPIHarness.digest)),
                // Another account's subdomain.
                (
                    .acmeDNS(user: credentials.username, key: credentials.password),
                    credentials.update(HookAPIHarness.digest, subdomain: other.subdomain)
                ),
            ]
            for (headers, body) in cases {
                let reply = try await client.post("/update", body, headers: headers)
                #expect(reply == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
            }
            #expect(try await harness.stored().isEmpty)
            #expect(try harness.served(other.fulldomain).isEmpty)
        }
    }

    @Test func updateFromAnAddressOutsideAllowfromIsForbidden() async throws {
        try await HookAPIHarness.run { harness, client in
            let reply = try await client.post("/register", "{\"allowfrom\":[\"192.0.2.0/24\"]}")
            let credentials = try Credentials(reply)
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            let update = try await client.post("/update", credentials.update(HookAPIHarness.digest), headers: headers)
            #expect(update == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test(arguments: [
        String(repeating: "a", count: 42), String(repeating: "a", count: 44), String(repeating: "a", count: 42) + "=",
        String(repeating: "a", count: 42) + "+", "",
    ])
    func updateWithABadTXTIs400(txt: String) async throws {
        try await HookAPIHarness.run { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            let reply = try await client.post("/update", credentials.update(txt), headers: headers)
            #expect(reply == Reply(status: 400, body: "{\"error\": \"bad_txt\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test(arguments: [
        "", "{", "null", "[]", "{\"subdomain\":1,\"txt\":\"x\"}", "{\"txt\":\"\(String(repeating: "a", count: 43))\"}",
    ])
    func updateWithAMalformedBodyIs400(body: String) async throws {
        try await HookAPIHarness.run { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            let reply = try await client.post("/update", body, headers: headers)
            #expect(reply == Reply(status: 400, body: "{\"error\": \"malformed_json_payload\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test func updateWithAnUnknownFieldIs400() async throws {
        try await HookAPIHarness.run { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            let body = "{\"subdomain\":\"\(credentials.subdomain)\",\"txt\":\"\(HookAPIHarness.digest)\",\"ttl\":\"1\"}"
            let reply = try await client.post("/update", body, headers: headers)
            #expect(reply == Reply(status: 400, body: "{\"error\": \"malformed_json_payload\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test func anOversizedBodyIs413() async throws {
        try await HookAPIHarness.run { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            let padding = String(repeating: " ", count: 5000)
            let reply = try await client.post(
                "/update", credentials.update(HookAPIHarness.digest) + padding, headers: headers)
            #expect(reply == Reply(status: 413, body: "{\"error\": \"body_too_large\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }

    @Test func healthIs200WhileTheStoreAnswers() async throws {
        try await HookAPIHarness.run { _, client in
            let reply = try await client.get("/health")
            #expect(reply == Reply(status: 200, body: ""))
        }
    }

    @Test func registerAndUpdateAre404WithoutAnAuthZone() async throws {
        try await HookAPIHarness.run(HookAPIConfiguration(authZone: nil)) { _, client in
            let register = try await client.post("/register", nil)
            let update = try await client.post("/update", "{}")
            #expect(register.status == 404)
            #expect(update.status == 404)
        }
    }

    @Test func registerOutsideTheRegisterNetworksNeedsTheAdminToken() async throws {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, registerNetworks: [IPNetwork("192.0.2.0/24")!],
            adminTokenHash: HookAPI.hashAdminToken("admin-secret"))
        try await HookAPIHarness.run(configuration) { harness, client in
            #expect(try await client.post("/register", nil) == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
            let wrong = try await client.post("/register", nil, headers: [.authorization: "Bearer admin-secreT"])
            #expect(wrong == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
            #expect(try await harness.store.registrations().isEmpty)
            let right = try await client.post("/register", nil, headers: [.authorization: "Bearer admin-secret"])
            #expect(right.status == 201)
        }
    }

    @Test func repeatedFailuresForOneCredentialFromManyAddressesGet429ForFurtherFailures() async throws {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, trustedProxies: IPNetwork.loopback, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { harness, client in
            let target = try Credentials(try await client.post("/register", nil))
            let bystander = try Credentials(try await client.post("/register", nil))
            let forwarded = HTTPField.Name("X-Forwarded-For")!
            for n in 0..<3 {
                var wrong = HTTPFields.acmeDNS(user: target.username, key: String(repeating: "x", count: 40))
                wrong[forwarded] = "198.51.100.\(n + 1)"
                #expect(
                    try await client.post("/update", target.update(HookAPIHarness.digest), headers: wrong).status == 401
                )
            }
            // Further guesses are refused, from any address (the owner's correct key is not: LockoutTests).
            var wrong = HTTPFields.acmeDNS(user: target.username, key: String(repeating: "x", count: 40))
            wrong[forwarded] = "198.51.100.99"
            let blocked = try await client.post("/update", target.update(HookAPIHarness.digest), headers: wrong)
            #expect(blocked == Reply(status: 429, body: "{\"error\": \"too_many_failures\"}"))
            // Another credential from one of those addresses is not affected.
            var other = HTTPFields.acmeDNS(user: bystander.username, key: bystander.password)
            other[forwarded] = "198.51.100.1"
            #expect(
                try await client.post("/update", bystander.update(HookAPIHarness.digest), headers: other).status == 200)
            #expect(try await harness.stored() == [HookAPIHarness.digest])
        }
    }

    @Test func repeatedAuthenticationFailuresFromOneAddressGet429ForFurtherFailures() async throws {
        let configuration = HookAPIConfiguration(authZone: HookAPIHarness.authZone, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { harness, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let wrong = HTTPFields.acmeDNS(user: credentials.username, key: String(repeating: "x", count: 40))
            for _ in 0..<3 {
                #expect(
                    try await client.post("/update", credentials.update(HookAPIHarness.digest), headers: wrong).status
                        == 401)
            }
            // Further failures are refused (the owner's correct key is not: LockoutTests).
            let reply = try await client.post("/update", credentials.update(HookAPIHarness.digest), headers: wrong)
            #expect(reply == Reply(status: 429, body: "{\"error\": \"too_many_failures\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }
}

/// `/metrics`: Prometheus text with requests by route and status, table size, commit times and
/// SQLite's memory.
@Suite struct HookMetricsTests {
    @Test func metricsCountRequestsAndTheTable() async throws {
        try await HookAPIHarness.run { _, client in
            let credentials = try Credentials(try await client.post("/register", nil))
            let headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            _ = try await client.post("/update", credentials.update(HookAPIHarness.digest), headers: headers)
            _ = try await client.post("/update", credentials.update("bad"), headers: headers)
            let reply = try await client.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.body.contains(#"cairn_api_requests_total{route="/register",status="201"} 1"#))
            #expect(reply.body.contains(#"cairn_api_requests_total{route="/update",status="200"} 1"#))
            #expect(reply.body.contains(#"cairn_api_requests_total{route="/update",status="400"} 1"#))
            #expect(reply.body.contains("cairn_challenge_names 1"))
            #expect(reply.body.contains("cairn_challenge_values 1"))
            #expect(reply.body.contains("cairn_store_commit_seconds_count 2"))
            let sqlite = reply.body.split(separator: "\n").first { $0.hasPrefix("cairn_store_sqlite_bytes ") }
            let bytes = try #require(sqlite.flatMap { Double($0.split(separator: " ")[1]) }, "\(reply.body)")
            #expect(bytes > 0, "SQLite holds the harness store's pages and statements: \(reply.body)")
        }
    }
}
