import Foundation
import HTTPTypes
import HookAPI
import HummingbirdTesting
import NIOCore
import Store
import Testing

/// `/register` is limited per source (`api.registerPerMinute`) and in all
/// (`api.maxRegistrations`), so one allowed network cannot fill the store.
@Suite struct RegisterLimitTests {
    static let forwarded = HTTPField.Name("X-Forwarded-For")!

    @Test func registrationsPastThePerMinuteLimitGet429PerSource() async throws {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, registerNetworks: [IPNetwork("0.0.0.0/0")!, IPNetwork("::/0")!],
            trustedProxies: IPNetwork.loopback, registerPerMinute: 2)
        try await HookAPIHarness.run(configuration) { harness, client in
            func register(from address: String) async throws -> Reply {
                try await client.post("/register", nil, headers: [Self.forwarded: address])
            }
            #expect(try await register(from: "198.51.100.1").status == 201)
            #expect(try await register(from: "198.51.100.1").status == 201)
            #expect(
                try await register(from: "198.51.100.1")
                    == Reply(status: 429, body: "{\"error\": \"too_many_registrations\"}"))
            // Another source has its own count; an IPv6 /64 is one source.
            #expect(try await register(from: "198.51.100.2").status == 201)
            #expect(try await register(from: "2001:db8:1:2::1").status == 201)
            #expect(try await register(from: "2001:db8:1:2::2").status == 201)
            #expect(try await register(from: "2001:db8:1:2:ffff::3").status == 429)
            #expect(try await register(from: "2001:db8:1:3::1").status == 201)
            let count = try await harness.store.registrationCount()
            #expect(count == 6)
        }
    }

    @Test func registrationsPastTheCapGet403() async throws {
        let configuration = HookAPIConfiguration(authZone: HookAPIHarness.authZone, maximumRegistrations: 2)
        try await HookAPIHarness.run(configuration) { harness, client in
            #expect(try await client.post("/register", nil).status == 201)
            #expect(try await client.post("/register", nil).status == 201)
            #expect(
                try await client.post("/register", nil)
                    == Reply(status: 403, body: "{\"error\": \"registration_limit_reached\"}"))
            let count = try await harness.store.registrationCount()
            #expect(count == 2)
        }
    }
}
