import HTTPTypes
import HookAPI
import HummingbirdTesting
import NIOCore
import NIOPosix
import Store
import Testing

/// `allowfrom` is checked against the peer; `X-Forwarded-For` counts only from a trusted proxy,
/// and then only its right-most untrusted address.
@Suite struct ClientAddressTests {
    static let forwarded = HTTPField.Name("X-Forwarded-For")!

    /// Registers with `allowfrom` 192.0.2.0/24 and sends one update with `forwardedFor`.
    static func update(trustLoopback: Bool, forwardedFor: String?) async throws -> (Reply, [String]) {
        let configuration = HookAPIConfiguration(
            authZone: HookAPIHarness.authZone, trustedProxies: trustLoopback ? IPNetwork.loopback : [])
        return try await HookAPIHarness.run(configuration) { harness, client in
            let credentials = try Credentials(try await client.post("/register", "{\"allowfrom\":[\"192.0.2.0/24\"]}"))
            var headers = HTTPFields.acmeDNS(user: credentials.username, key: credentials.password)
            if let forwardedFor { headers[Self.forwarded] = forwardedFor }
            let reply = try await client.post("/update", credentials.update(HookAPIHarness.digest), headers: headers)
            return (reply, try await harness.stored())
        }
    }

    @Test func aForgedForwardedForFromAnUntrustedPeerIsIgnored() async throws {
        let (reply, stored) = try await Self.update(trustLoopback: false, forwardedFor: "192.0.2.7")
        #expect(reply == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
        #expect(stored.isEmpty)
    }

    @Test func aTrustedProxysForwardedForIsBelieved() async throws {
        let (reply, stored) = try await Self.update(trustLoopback: true, forwardedFor: "192.0.2.7")
        #expect(reply.status == 200)
        #expect(stored == [HookAPIHarness.digest])
    }

    @Test func theRightMostUntrustedAddressCountsNotAForgedLeftOne() async throws {
        // The client forged the left entry; the proxy appended the real one.
        let forged = try await Self.update(trustLoopback: true, forwardedFor: "192.0.2.7, 198.51.100.1")
        #expect(forged.0 == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
        #expect(forged.1.isEmpty)
        let real = try await Self.update(trustLoopback: true, forwardedFor: "198.51.100.1, 192.0.2.7, 127.0.0.1")
        #expect(real.0.status == 200)
    }

    @Test func garbageInTheForwardedForHeaderMatchesNothing() async throws {
        let (reply, stored) = try await Self.update(trustLoopback: true, forwardedFor: "192.0.2.7, not-an-address")
        #expect(reply == Reply(status: 401, body: "{\"error\": \"forbidden\"}"))
        #expect(stored.isEmpty)
    }

    @Test func networksParseAndMatch() {
        let network = IPNetwork("192.0.2.0/25")!
        #expect(network.contains(IPAddress("192.0.2.127")!))
        #expect(!network.contains(IPAddress("192.0.2.128")!))
        #expect(IPNetwork("::ffff:0:0/96") == nil)
        #expect(IPNetwork("2001:db8::/32")!.contains(IPAddress("[2001:db8:1::5]")!))
        #expect(!IPNetwork("2001:db8::/32")!.contains(IPAddress("192.0.2.1")!))
        // A dual-stack socket reports IPv4 peers as mapped IPv6 addresses.
        #expect(IPNetwork.loopback.contains { $0.contains(IPAddress("::ffff:127.0.0.1")!) })
        for bad in ["10.0.0.0/", "10.0.0.0/-1", "10.0.0/8", "fe80::1%eth0/64", "/8", "10.0.0.0/8/8"] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }
}

/// A client that does not finish its body in time gets 408 and its connection back.
@Suite struct RequestLimitTests {
    @Test func aTricklingBodyGets408() async throws {
        let configuration = HookAPIConfiguration(authZone: HookAPIHarness.authZone, bodyTimeout: .milliseconds(300))
        try await HookAPIHarness.run(configuration) { harness, client in
            let port = try #require(client.port)
            let channel = try await ClientBootstrap(group: .singletonMultiThreadedEventLoopGroup)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            let reply = try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(
                    ByteBuffer(string: "POST /update HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"sub"))
                var received = ""
                for try await chunk in inbound {
                    received += String(buffer: chunk)
                    if received.contains("}") { break }
                }
                return received
            }
            #expect(reply.hasPrefix("HTTP/1.1 408"))
            #expect(reply.hasSuffix("{\"error\": \"request_timeout\"}"))
            #expect(try await harness.stored().isEmpty)
        }
    }
}
