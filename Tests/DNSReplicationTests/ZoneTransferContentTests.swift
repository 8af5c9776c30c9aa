import CairnTestSupport
import DNSAuthority
import DNSWire
import HashTreeCollections
import Testing

@testable import DNSReplication

/// What AXFR and IXFR send, read from the authority's snapshots and journals: an IXFR applied to
/// the zone a secondary holds must give exactly what an AXFR gives now.
@Suite struct ZoneTransferContentTests {
    static let apex: DNSName = "auth.example.test"

    static func zone(serial: UInt32 = 1, extra: [DNSRecord] = []) throws -> Zone {
        let soa = DNSRData.SOA(
            primaryNameserver: "ns1.example.test", responsibleMailbox: "hostmaster.example.test", serial: serial,
            refresh: 3600, retry: 600, expire: 1_209_600, minimum: 30)
        return try Zone(
            apex: apex,
            records: [
                DNSRecord(name: apex, ttl: 3600, rdata: .soa(soa)),
                DNSRecord(name: apex, ttl: 3600, rdata: .ns(DNSRData.NS(nameserver: "ns1.example.test"))),
                DNSRecord(
                    name: "www.auth.example.test", ttl: 300, rdata: .a(DNSRData.A(address: IPv4Address("192.0.2.1")!))),
            ] + extra)
    }

    static func authority(journalLength: Int) throws -> Authority {
        try Authority(zones: [zone()], configuration: AuthorityConfiguration(journalLength: journalLength))
    }

    /// A secondary's copy of the zone: the records an AXFR brings.
    static func axfr(_ authority: Authority) throws -> Set<DNSRecord> {
        let content = try #require(ZoneTransferContent.full(of: apex, in: authority.snapshot))
        #expect(content.answerRecords.first == content.answerRecords.last)
        return Set(content.answerRecords.dropLast())
    }

    /// Applies an IXFR answer (RFC 1995 §4: SOA, then per difference old SOA, deletions, new SOA,
    /// additions, then SOA) to `records`, as a secondary does.
    static func applyIXFR(_ answer: [DNSRecord], to records: Set<DNSRecord>) throws -> Set<DNSRecord> {
        var records = records
        let body = Array(answer.dropFirst().dropLast())
        try #require(body.first?.type == .soa)
        var deleting = true
        for record in body.dropFirst() {
            if record.type == .soa {
                deleting = false
                continue
            }
            if deleting {
                try #require(records.remove(record) != nil, "deleted record \(record) not in the zone")
            } else {
                records.insert(record)
            }
        }
        // The SOA is replaced.
        records = records.filter { $0.type != .soa }
        records.insert(answer[0])
        return records
    }

    @Test func aChainOfChangesCondensesToTheDifferenceAnAXFRShows() throws {
        var random = SplitMix64(seed: 12)
        let authority = try Self.authority(journalLength: 100)
        let owner = ChallengeOwner(rawValue: "token:test")
        let names: [DNSName] = try (0..<8).map { try DNSName("n\($0).auth.example.test") }
        for name in names.prefix(4) { try authority.claim(name, owner: owner) }
        var copies: [UInt32: Set<DNSRecord>] = [authority.zone(at: Self.apex)!.serial: try Self.axfr(authority)]
        for step in 0..<60 {
            let name = names[Int(random.next() % UInt64(names.count))]
            switch random.next() % 6 {
            case 0:
                if authority.challengeTable.entries[name] == nil { try authority.claim(name, owner: owner) }
            case 1:
                if authority.challengeTable.entries[name] != nil { try authority.release(name, owner: owner) }
            case 2:
                try? authority.withdrawAll(at: name, owner: owner)
            case 3:
                // Expiries leave the zone with the sweep, which journals them as any change.
                authority.removeExpiredValues(now: UnixTime(rawValue: 1_000 + Int64(step)))
            default:
                if authority.challengeTable.entries[name] == nil { try authority.claim(name, owner: owner) }
                // TTLs differ sometimes, so an RRset's TTL changes with its values.
                let ttl: UInt32 = random.next() % 4 == 0 ? 30 : 60
                let expires = UnixTime(rawValue: random.next() % 2 == 0 ? 1_000 + Int64(step) + 5 : 4_000_000_000)
                try authority.publish(ChallengeValue("v\(step)", ttl: ttl, expires: expires), at: name, owner: owner)
            }
            let now = try Self.axfr(authority)
            let serial = authority.zone(at: Self.apex)!.serial
            for (oldSerial, copy) in copies {
                let content = try #require(
                    ZoneTransferContent.incremental(of: Self.apex, from: oldSerial, in: authority.snapshot))
                if oldSerial == serial {
                    #expect(content.answerRecords.count == 1)
                    continue
                }
                #expect(content.isIncremental, "the journal reaches back to \(oldSerial)")
                #expect(try Self.applyIXFR(content.answerRecords, to: copy) == now, "from \(oldSerial) to \(serial)")
            }
            copies[serial] = now
        }
    }

    @Test func aReloadThatChangesStaticRecordsIsInTheDifference() throws {
        let authority = try Self.authority(journalLength: 10)
        let owner = ChallengeOwner(rawValue: "token:test")
        try authority.claim("x.auth.example.test", owner: owner)
        try authority.publish(
            ChallengeValue("one", ttl: 60, expires: UnixTime(rawValue: 4_000_000_000)), at: "x.auth.example.test",
            owner: owner)
        let before = try Self.axfr(authority)
        let serial = authority.zone(at: Self.apex)!.serial
        let extra = DNSRecord(
            name: "mail.auth.example.test", ttl: 300, rdata: .a(DNSRData.A(address: IPv4Address("192.0.2.2")!)))
        try authority.replaceZones([Self.zone(serial: 1, extra: [extra])])
        try authority.publish(
            ChallengeValue("two", ttl: 60, expires: UnixTime(rawValue: 4_000_000_000)), at: "x.auth.example.test",
            owner: owner)
        let content = try #require(ZoneTransferContent.incremental(of: Self.apex, from: serial, in: authority.snapshot))
        #expect(content.isIncremental)
        #expect(content.records.contains(extra))
        #expect(try Self.applyIXFR(content.answerRecords, to: before) == Self.axfr(authority))
    }

    @Test func aJournalTooShortSendsTheWholeZone() throws {
        let authority = try Self.authority(journalLength: 2)
        let owner = ChallengeOwner(rawValue: "token:test")
        let serial = authority.zone(at: Self.apex)!.serial
        for index in 0..<3 { try authority.claim(try DNSName("n\(index).auth.example.test"), owner: owner) }
        let content = try #require(ZoneTransferContent.incremental(of: Self.apex, from: serial, in: authority.snapshot))
        #expect(!content.isIncremental)
        #expect(Set(content.answerRecords.dropLast()) == (try Self.axfr(authority)))
        let recent = try #require(
            ZoneTransferContent.incremental(of: Self.apex, from: serial &+ 1, in: authority.snapshot))
        #expect(recent.isIncremental)
    }

    @Test func noJournalIsKeptWithoutSecondaries() throws {
        let authority = try Self.authority(journalLength: 0)
        let owner = ChallengeOwner(rawValue: "token:test")
        let serial = authority.zone(at: Self.apex)!.serial
        try authority.claim("n.auth.example.test", owner: owner)
        #expect(authority.snapshot.journals.isEmpty)
        let content = try #require(ZoneTransferContent.incremental(of: Self.apex, from: serial, in: authority.snapshot))
        #expect(!content.isIncremental)
    }

    @Test func theWholeZoneHoldsStaticRecordsAndEveryOwnedValue() throws {
        let authority = try Self.authority(journalLength: 0)
        let owner = ChallengeOwner(rawValue: "token:test")
        try authority.claim("a.auth.example.test", owner: owner)
        try authority.claim("b.auth.example.test", owner: owner)
        try authority.publish(
            ChallengeValue("one", ttl: 60, expires: UnixTime(rawValue: 4_000_000_000)), at: "a.auth.example.test",
            owner: owner)
        try authority.publish(
            ChallengeValue("two", ttl: 20, expires: UnixTime(rawValue: 4_000_000_000)), at: "a.auth.example.test",
            owner: owner)
        let records = try Self.axfr(authority)
        let txt = records.filter { $0.type == .txt }
        #expect(txt.count == 2)
        #expect(txt.allSatisfy { $0.name == "a.auth.example.test" && $0.ttl == 20 })
        #expect(records.contains { $0.name == "www.auth.example.test" && $0.type == .a })
        #expect(records.filter { $0.type == .soa }.count == 1)
    }

    @Test func aZoneRemovedAndAddedAgainStartsANewJournal() throws {
        let authority = try Self.authority(journalLength: 10)
        let owner = ChallengeOwner(rawValue: "token:test")
        let other = try Zone.synthesized(
            apex: DNSName("other.test"),
            identity: NameserverIdentity(nameservers: ["ns1.example.test"], hostmaster: "hostmaster.example.test"),
            serial: 7)
        try authority.addZone(other)
        try authority.claim("x.other.test", owner: owner)
        try authority.release("x.other.test", owner: owner)
        #expect(authority.snapshot.journals["other.test"]?.count == 2)
        try authority.removeZone(at: "other.test")
        #expect(authority.snapshot.journals["other.test"] == nil)
        try authority.addZone(other)
        #expect(authority.snapshot.journals["other.test"] == nil)
    }
}
