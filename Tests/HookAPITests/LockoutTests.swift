import Foundation
import HTTPTypes
import HookAPI
import HummingbirdBcrypt
import HummingbirdTesting
import Store
import Testing

/// The failure limit stops guessing, never the owner: user names and token ids are not secret
/// and addresses are shared (NAT, a proxy), so only failures are counted and refused, and a
/// correct key always succeeds. Each test names the address it comes from in `X-Forwarded-For`
/// through a trusted loopback proxy, or sends from the harness's own 127.0.0.1.
@Suite struct LockoutTests {
    static let forwarded = HTTPField.Name("X-Forwarded-For")!
    static let wrongKey = String(repeating: "x", count: 40)
    static let tooMany = Reply(status: 429, body: "{\"error\": \"too_many_failures\"}")
    static let forbidden = Reply(status: 401, body: "{\"error\": \"forbidden\"}")

    static func headers(user: String, key: String, from address: String?) -> HTTPFields {
        var headers = HTTPFields.acmeDNS(user: user, key: key)
        if let address { headers[forwarded] = address }
        return headers
    }

    @Test func aCorrectKeySucceedsAfterOthersUsedUpTheUsersFailures() async throws {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, trustedProxies: IPNetwork.loopback, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { harness, client in
            let owner = try Credentials(try await client.post("/register", nil))
            let body = owner.update(HookAPIHarness.digest)
            // Someone who knows the user name guesses from four addresses: the fourth failure is 429.
            var replies: [Reply] = []
            for n in 1...4 {
                let wrong = Self.headers(user: owner.username, key: Self.wrongKey, from: "198.51.100.\(n)")
                replies.append(try await client.post("/update", body, headers: wrong))
            }
            #expect(replies == [Self.forbidden, Self.forbidden, Self.forbidden, Self.tooMany])
            // The owner's key works from a new address and from one the guesser used.
            let values = [("198.51.100.99", HookAPIHarness.digest), ("198.51.100.1", HookAPIHarness.otherDigest)]
            for (address, value) in values {
                let right = Self.headers(user: owner.username, key: owner.password, from: address)
                let reply = try await client.post("/update", owner.update(value), headers: right)
                #expect(reply == Reply(status: 200, body: "{\"txt\": \"\(value)\"}"))
            }
            #expect(Set(try await harness.stored()) == [HookAPIHarness.digest, HookAPIHarness.otherDigest])
            // Guessing is still refused.
            let wrong = Self.headers(user: owner.username, key: Self.wrongKey, from: "198.51.100.50")
            #expect(try await client.post("/update", body, headers: wrong) == Self.tooMany)
        }
    }

    @Test func aCorrectKeySucceedsFromAnAddressOthersGuessFrom() async throws {
        // The owner sits behind the same address (a NAT) as someone guessing at other users.
        let configuration = HookAPIConfiguration(authZone: HookAPIHarness.authZone, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { harness, client in
            let owner = try Credentials(try await client.post("/register", nil))
            let body = owner.update(HookAPIHarness.digest)
            var replies: [Reply] = []
            for _ in 1...4 {
                let wrong = Self.headers(user: UUID().uuidString, key: Self.wrongKey, from: nil)
                replies.append(try await client.post("/update", body, headers: wrong))
            }
            #expect(replies.last == Self.tooMany)
            let right = Self.headers(user: owner.username, key: owner.password, from: nil)
            #expect(try await client.post("/update", body, headers: right).status == 200)
            #expect(try await harness.stored() == [HookAPIHarness.digest])
            let wrong = Self.headers(user: owner.username, key: Self.wrongKey, from: nil)
            #expect(try await client.post("/update", body, headers: wrong) == Self.tooMany)
        }
    }

    @Test func aTokensCorrectKeySucceedsAfterOthersUsedUpItsFailures() async throws {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, trustedProxies: IPNetwork.loopback, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { harness, client in
            let name = "_acme-challenge.example.test"
            let key = try await harness.addToken(id: "t1", names: [.challengeZone: name])
            let body = "{\"fqdn\":\"\(name).\",\"value\":\"\(HookAPIHarness.digest)\"}"
            var replies: [Reply] = []
            for n in 1...4 {
                var wrong = HTTPFields.basic("t1", Self.wrongKey)
                wrong[Self.forwarded] = "198.51.100.\(n)"
                replies.append(try await client.post("/present", body, headers: wrong))
            }
            #expect(replies == [Self.forbidden, Self.forbidden, Self.forbidden, Self.tooMany])
            var right = HTTPFields.basic("t1", key)
            right[Self.forwarded] = "198.51.100.99"
            #expect(try await client.post("/present", body, headers: right).status == 200)
            #expect(try harness.served(name) == [HookAPIHarness.digest])
        }
    }

    @Test func anImportedBcryptKeyIsLimitedBeforeItIsChecked() async throws {
        // A bcrypt check costs ~90 ms of CPU, so once the limit is reached it is not made; the
        // hash is replaced by SHA-256 on the first success, after which the key always works.
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, trustedProxies: IPNetwork.loopback, authFailuresPerMinute: 2)
        try await HookAPIHarness.run(configuration) { harness, client in
            var imported: [(Registration, String)] = []
            for _ in 0..<2 {
                let key = Credential.generateKey()
                let registration = Registration(
                    username: UUID().uuidString.lowercased(), keyHash: Bcrypt.hash(key, cost: 4),
                    subdomain: UUID().uuidString.lowercased(), allowFrom: [], created: 0)
                let owned = OwnedName(
                    name: "\(registration.subdomain).auth.test", owner: registration.owner, kind: .label)
                try await harness.store.apply([.addRegistration(registration, owned)])
                imported.append((registration, key))
            }
            func update(_ registration: Registration, key: String, from address: String) async throws -> Reply {
                let body = "{\"subdomain\":\"\(registration.subdomain)\",\"txt\":\"\(HookAPIHarness.digest)\"}"
                return try await client.post(
                    "/update", body, headers: Self.headers(user: registration.username, key: key, from: address))
            }
            let (limited, limitedKey) = imported[0]
            for n in 1...2 { _ = try await update(limited, key: Self.wrongKey, from: "198.51.100.\(n)") }
            #expect(try await update(limited, key: limitedKey, from: "198.51.100.99") == Self.tooMany)
            #expect(try await harness.store.registration(username: limited.username)?.keyHash.hasPrefix("$2") == true)
            // Another imported key, not limited, is checked, accepted and rehashed.
            let (fresh, freshKey) = imported[1]
            #expect(try await update(fresh, key: freshKey, from: "198.51.100.99").status == 200)
            let rehashed = try await harness.store.registration(username: fresh.username)?.keyHash
            #expect(rehashed == Credential.hash(freshKey))
        }
    }

    @Test func aForwardedForEntryThatIsNotAnAddressStillCountsFailures() async throws {
        // A trusted proxy's garbage entry stands for the proxy itself, whose failures are counted.
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, trustedProxies: IPNetwork.loopback, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { _, client in
            var replies: [Reply] = []
            for _ in 1...4 {
                // A new user each time, so only the address can reach the limit.
                let wrong = Self.headers(user: UUID().uuidString, key: Self.wrongKey, from: "not-an-address")
                replies.append(try await client.post("/update", "{}", headers: wrong))
            }
            #expect(replies == [Self.forbidden, Self.forbidden, Self.forbidden, Self.tooMany])
        }
    }

    @Test(arguments: [("X-Forwarded-For", "203.0.113.9"), ("Forwarded", "for=203.0.113.9;proto=https")])
    func aProxyOnThisHostDoesNotOpenRegisterToItsClients(header: String, value: String) async throws {
        // api.registerNetworks is loopback by default, api.trustedProxies empty.
        try await HookAPIHarness.run { harness, client in
            let proxied = try await client.post("/register", nil, headers: [HTTPField.Name(header)!: value])
            #expect(proxied == Self.forbidden)
            #expect(try await harness.store.registrations().isEmpty)
            #expect(try await client.post("/register", nil).status == 201)
        }
    }

    @Test func anUntrustedProxysClientsDoNotMatchALoopbackAllowfrom() async throws {
        try await HookAPIHarness.run { harness, client in
            let local = try Credentials(try await client.post("/register", "{\"allowfrom\":[\"127.0.0.0/8\"]}"))
            let body = local.update(HookAPIHarness.digest)
            let proxied = Self.headers(user: local.username, key: local.password, from: "203.0.113.9")
            #expect(try await client.post("/update", body, headers: proxied) == Self.forbidden)
            #expect(try await harness.stored().isEmpty)
            let direct = Self.headers(user: local.username, key: local.password, from: nil)
            #expect(try await client.post("/update", body, headers: direct).status == 200)
        }
    }

    @Test func anUntrustedProxysClientsAreCountedApart() async throws {
        // One client's failures through a proxy on this host do not get the others refused.
        let configuration = HookAPIConfiguration(authZone: HookAPIHarness.authZone, authFailuresPerMinute: 3)
        try await HookAPIHarness.run(configuration) { _, client in
            func guess(from address: String) async throws -> Reply {
                let wrong = Self.headers(user: UUID().uuidString, key: Self.wrongKey, from: address)
                return try await client.post("/update", "{}", headers: wrong)
            }
            var replies: [Reply] = []
            for _ in 1...4 { replies.append(try await guess(from: "203.0.113.1")) }
            #expect(replies == [Self.forbidden, Self.forbidden, Self.forbidden, Self.tooMany])
            #expect(try await guess(from: "203.0.113.2") == Self.forbidden)
        }
    }

    @Test func aTrustedProxysClientsAreJudgedByTheirOwnAddress() async throws {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, registerNetworks: [IPNetwork("203.0.113.0/24")!],
            trustedProxies: IPNetwork.loopback)
        try await HookAPIHarness.run(configuration) { harness, client in
            let inside = try await client.post("/register", nil, headers: [Self.forwarded: "203.0.113.9"])
            #expect(inside.status == 201)
            let outside = try await client.post("/register", nil, headers: [Self.forwarded: "198.51.100.1"])
            #expect(outside == Self.forbidden)
            #expect(try await harness.store.registrations().count == 1)
        }
    }
}
