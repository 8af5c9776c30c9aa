import CairnTestSupport
import DNSAuthority
import DNSReplication
import DNSWire
import NIOCore
import Testing

/// Zone transfers through the real TCP front-end: built off the event loop, yet answered in
/// the order the connection asked.
@Suite(.timeLimit(.minutes(2))) struct ZoneTransferServerTests {
    static let apex: DNSName = "xfr.test"

    static func authority(names: Int) throws -> Authority {
        let soa = DNSRData.SOA(
            primaryNameserver: "ns1.xfr.test", responsibleMailbox: "hostmaster.xfr.test", serial: 1, refresh: 3600,
            retry: 600, expire: 1_209_600, minimum: 30)
        let authority = try Authority(
            zones: [
                try Zone(
                    apex: apex,
                    records: [
                        DNSRecord(name: apex, ttl: 3600, rdata: .soa(soa)),
                        DNSRecord(name: apex, ttl: 3600, rdata: .ns(DNSRData.NS(nameserver: "ns1.xfr.test"))),
                    ])
            ])
        let owner = ChallengeOwner(rawValue: "token:test")
        let states = try (0..<names).map { index in
            ChallengeState(
                name: try DNSName("n\(index).xfr.test"), owner: owner,
                values: [
                    ChallengeValue(
                        String(repeating: "t", count: 43), ttl: 60, expires: UnixTime(rawValue: 4_000_000_000))
                ])
        }
        try authority.reconcile(staticZones: nil, states: states, identity: nil)
        return authority
    }

    static func query(id: UInt16, _ type: DNSRecordType) throws -> [UInt8] {
        Array(
            try DNSMessage(header: DNSHeader(id: id), questions: [DNSQuestion(name: apex, type: type)]).encoded()
                .readableBytesView)
    }

    @Test func aQueryPipelinedBehindATransferIsAnsweredAfterIt() async throws {
        let authority = try Self.authority(names: 3000)
        let transfers = ReplicationConfiguration(secondaries: [Secondary(address: "127.0.0.1")])
        try await withDNSServer(authority: authority, transfers: transfers) { server in
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
            var framed: [UInt8] = []
            for query in [try Self.query(id: 1, .axfr), try Self.query(id: 2, .soa)] {
                framed += [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
            }
            try await connection.sendRaw(framed)
            var ids: [UInt16] = []
            var records = 0
            while ids.last != 2 {
                // A bound on liveness, not on speed: beside the other integration suites a 3000-name
                // transfer's messages once took more than the default 5 s to come.
                let bytes = try #require(try await connection.nextResponse(timeout: .seconds(30)).response)
                let message = try DNSMessage(decoding: bytes)
                ids.append(message.header.id)
                if message.header.id == 1 { records += message.answers.count }
            }
            await connection.close()
            #expect(ids.count > 3, "a transfer of 3000 names takes several messages")
            #expect(ids.dropLast().allSatisfy { $0 == 1 }, "\(ids)")
            #expect(records == 3000 + 3, "SOA, NS, 3000 TXT, SOA")
        }
    }
}
