import DNSAuthority
import DNSWire
import HashTreeCollections
import NIOCore
import Testing

/// The challenge table as served: owned names, values with their own TTL and expiry,
/// empty non-terminals, serials, synthesized challenge zones.
@Suite struct AuthorityChallengeTests {
    let authority: Authority
    let client: Client
    let owner = ChallengeOwner(rawValue: "registration:1")
    let now = UnixTime(secondsSinceEpoch: 1_800_000_000)
    let name: DNSName = "_acme-challenge.host.auth.example.test"

    init() throws {
        let auth = try Zone(
            apex: "auth.example.test",
            records: [
                TestZones.record("auth.example.test", TestZones.soa(serial: 100)),
                TestZones.record("auth.example.test", TestZones.ns("ns1.auth.example.test")),
                TestZones.record("ns1.auth.example.test", TestZones.a("192.0.2.1")),
                TestZones.record("alias.auth.example.test", TestZones.cname("ns1.auth.example.test")),
                TestZones.record("deleg.auth.example.test", TestZones.ns("ns.elsewhere.invalid")),
            ])
        authority = try Authority(zones: [auth])
        client = Client(authority: authority)
    }

    func value(_ text: String, ttl: UInt32 = 60, lifetime: Int64 = 3600) -> ChallengeValue {
        ChallengeValue(text, ttl: ttl, expires: now.adding(seconds: lifetime))
    }

    @Test func unclaimedNameIsNXDOMAIN() throws {
        #expect(try client.ask(name, .txt, now: now).responseCode == .nameError)
    }

    /// Every record of the answer names its owner with a pointer to the question (RFC 1035
    /// §4.1.4), so the owner comes back in the case it was asked in (RFC 4343 §4.1); the same for
    /// the values at a name asked in its stored case and in another.
    @Test func answerOwnersPointAtTheQuestion() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("first"), at: name, owner: owner)
        try authority.publish(value("second"), at: name, owner: owner)
        for asked: DNSName in [name, "_ACME-Challenge.Host.AUTH.example.test"] {
            let query = DNSMessage(header: DNSHeader(id: 7), questions: [DNSQuestion(name: asked, type: .txt)])
            let bytes = try #require(client.send(Array(try query.encoded().readableBytesView)))
            let answers = DNSMessage.headerLength + asked.wireLength + 4
            var owners: [[UInt8]] = []
            var position = answers
            for _ in 0..<2 {
                owners.append(bytes.getBytes(at: position, length: 2) ?? [])
                let rdataLength = Int(bytes.getInteger(at: position + 10, as: UInt16.self) ?? 0)
                position += 12 + rdataLength
            }
            #expect(owners == [[0xC0, 0x0C], [0xC0, 0x0C]], "asked \(asked)")
            let response = try DNSMessage(decoding: bytes)
            #expect(response.answers.map(\.name.wireBytes) == [asked.wireBytes, asked.wireBytes])
        }
    }

    @Test func ownedNameWithoutValuesIsNodataNotNXDOMAIN() throws {
        try authority.claim(name, owner: owner)
        let response = try client.ask(name, .txt, now: now)
        #expect(response.responseCode == .noError)
        #expect(response.answers.isEmpty)
        #expect(response.authorityTypes == [.soa])
    }

    @Test func claimingCreatesEmptyNonTerminalsAbove() throws {
        try authority.claim(name, owner: owner)
        let parent = try client.ask("host.auth.example.test", .a, now: now)
        #expect(parent.responseCode == .noError)
        #expect(parent.authorityTypes == [.soa])
    }

    /// Owned names have no zone node of their own (the table holds them), so the empty
    /// non-terminals above them are counted: a name owned below another owned name, released in
    /// either order, leaves exactly the zone there was before.
    @Test(arguments: [true, false])
    func nestedOwnedNamesKeepTheirEmptyNonTerminalsUntilTheLastIsReleased(innerFirst: Bool) throws {
        let original = try #require(authority.zone(at: "auth.example.test"))
        let outer: DNSName = "_acme-challenge.deep.host.auth.example.test"
        let inner: DNSName = "x.y._acme-challenge.deep.host.auth.example.test"
        for claimed in innerFirst ? [inner, outer] : [outer, inner] { try authority.claim(claimed, owner: owner) }
        try authority.publish(value("outer"), at: outer, owner: owner)
        #expect(try client.ask(outer, .txt, now: now).answers.count == 1)
        for between in ["y._acme-challenge.deep.host.auth.example.test", "deep.host.auth.example.test"] {
            let response = try client.ask(DNSName(between), .txt, now: now)
            #expect(response.responseCode == .noError && response.answers.isEmpty, "\(between)")
        }

        try authority.release(innerFirst ? inner : outer, owner: owner)
        let kept = innerFirst ? outer : inner
        #expect(try client.ask(kept, .txt, now: now).responseCode == .noError)
        // The released one: an empty non-terminal still when the inner name stays, else gone.
        let released = try client.ask(innerFirst ? inner : outer, .txt, now: now)
        #expect(released.responseCode == (innerFirst ? .nameError : .noError))
        #expect(released.answers.isEmpty)
        if innerFirst {
            #expect(
                try client.ask("y._acme-challenge.deep.host.auth.example.test", .txt, now: now).responseCode
                    == .nameError)
        }

        try authority.release(kept, owner: owner)
        for gone in [outer, inner, "deep.host.auth.example.test", "host.auth.example.test"] as [DNSName] {
            #expect(try client.ask(gone, .txt, now: now).responseCode == .nameError, "\(gone)")
        }
        let after = try #require(authority.zone(at: "auth.example.test"))
        #expect(after.hasSameContent(as: original))
    }

    /// A CNAME is followed only within its zone: an owned name in a challenge zone below is that
    /// zone's data, not the parent's (as Knot and NSD answer from the zone the query is in).
    @Test func aCNAMEIntoAChallengeZoneBelowIsNotFollowedThere() throws {
        let apex: DNSName = "_acme-challenge.sub.auth.example.test"
        let failures = authority.apply(
            [ChallengeState(name: apex, owner: owner, isZoneApex: true, values: [value("digest")])],
            identity: TestZones.identity, now: now)
        #expect(failures.isEmpty)
        #expect(try client.ask(apex, .txt, now: now).answers.count == 1)
        let zone = try #require(authority.zone(at: "auth.example.test"))
        var records = zone.records
        records.append(TestZones.record("pointer.auth.example.test", TestZones.cname(apex)))
        try authority.replaceZones([try Zone(apex: zone.apex, records: records)])
        let response = try client.ask("pointer.auth.example.test", .txt, now: now)
        #expect(response.answers.map(\.type) == [.cname])
    }

    @Test func valuesThatFillExactly512OctetsAreNotTruncatedAndOneMoreIs() throws {
        // Header 12 + question 44 = 56; each 43-character value takes 2 (owner pointer) + 10
        // + 44 = 56, so 8 values make 504 octets and a 9th would make 560.
        try authority.claim(name, owner: owner)
        let digests = (0..<9).map { index in String(repeating: Character(String(index)), count: 43) }
        for digest in digests.prefix(8) { try authority.publish(value(digest), at: name, owner: owner) }
        let full = try client.ask(name, .txt, edns: nil, now: now)
        #expect(!full.header.isTruncated)
        #expect(full.answers.count == 8)

        try authority.publish(value(digests[8]), at: name, owner: owner)
        let truncated = try client.ask(name, .txt, edns: nil, now: now)
        #expect(truncated.header.isTruncated)
        #expect(truncated.answers.isEmpty && truncated.authority.isEmpty)
        #expect(try client.ask(name, .txt, edns: nil, transport: .tcp, now: now).answers.count == 9)
        #expect(try client.ask(name, .txt, now: now).answers.count == 9)  // EDNS, 1232 octets
    }

    @Test func twoValuesAtOneNameAreServedTogetherWithTheSmallestTTL() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("apex-digest", ttl: 60), at: name, owner: owner)
        try authority.publish(value("wildcard-digest", ttl: 20), at: name, owner: owner)
        let response = try client.ask(name, .txt, now: now)
        #expect(response.header.isAuthoritative)
        #expect(Set(response.answers.map(\.rdata)) == [TestZones.txt("apex-digest"), TestZones.txt("wildcard-digest")])
        #expect(response.answers.allSatisfy { $0.ttl == 20 })
    }

    @Test func challengeTTLIsCapped() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("digest", ttl: 86400), at: name, owner: owner)
        let response = try client.ask(name, .txt, now: now)
        #expect(response.answers.first?.ttl == 60)
    }

    @Test func valueStopsBeingServedAtItsExpiry() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("short", lifetime: 10), at: name, owner: owner)
        try authority.publish(value("long", lifetime: 100), at: name, owner: owner)
        #expect(try client.ask(name, .txt, now: now.adding(seconds: 9)).answers.count == 2)
        let later = try client.ask(name, .txt, now: now.adding(seconds: 10))
        #expect(later.answers.map(\.rdata) == [TestZones.txt("long")])
        let gone = try client.ask(name, .txt, now: now.adding(seconds: 100))
        #expect(gone.responseCode == .noError)
        #expect(gone.answers.isEmpty)
        #expect(gone.authorityTypes == [.soa])
    }

    @Test func expiredValuesAreRemovedAndSerialAdvances() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("short", lifetime: 10), at: name, owner: owner)
        #expect(authority.nextExpiry == now.adding(seconds: 10))
        let before = try #require(authority.zone(at: "auth.example.test")).serial
        #expect(authority.removeExpiredValues(now: now.adding(seconds: 5)) == 0)
        #expect(authority.removeExpiredValues(now: now.adding(seconds: 10)) == 1)
        #expect(authority.nextExpiry == nil)
        #expect(authority.challengeTable.entries[name]?.values.isEmpty == true)
        #expect(try #require(authority.zone(at: "auth.example.test")).serial == before &+ 1)
    }

    @Test func withdrawRemovesOnlyThatValue() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("keep"), at: name, owner: owner)
        try authority.publish(value("drop"), at: name, owner: owner)
        #expect(try authority.withdraw(text: Array("drop".utf8), at: name, owner: owner))
        #expect(try !authority.withdraw(text: Array("absent".utf8), at: name, owner: owner))
        #expect(try client.ask(name, .txt, now: now).answers.map(\.rdata) == [TestZones.txt("keep")])
    }

    @Test func publishingTheSameValueRefreshesIt() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("same", lifetime: 10), at: name, owner: owner)
        try authority.publish(value("same", lifetime: 1000), at: name, owner: owner)
        let response = try client.ask(name, .txt, now: now.adding(seconds: 500))
        #expect(response.answers.count == 1)
    }

    @Test func oldestValueIsDroppedBeyondTheLimit() throws {
        let limited = try Authority(
            zones: [try #require(authority.zone(at: "auth.example.test"))],
            configuration: AuthorityConfiguration(maximumValuesPerName: 2))
        try limited.claim(name, owner: owner)
        for text in ["first", "second", "third"] {
            try limited.publish(value(text), at: name, owner: owner)
        }
        let response = try Client(authority: limited).ask(name, .txt, now: now)
        #expect(Set(response.answers.map(\.rdata)) == [TestZones.txt("second"), TestZones.txt("third")])
    }

    @Test func longValuesAreSplitIntoCharacterStrings() throws {
        try authority.claim(name, owner: owner)
        let long = String(repeating: "z", count: 300)
        try authority.publish(value(long), at: name, owner: owner)
        let response = try client.ask(name, .txt, transport: .tcp, now: now)
        guard case .txt(let txt) = response.answers.first?.rdata else {
            Issue.record("no TXT answer")
            return
        }
        #expect(txt.strings.map(\.count) == [255, 45])
        #expect(txt.joined == Array(long.utf8))
    }

    @Test func releaseRemovesNameAndItsEmptyNonTerminals() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("v"), at: name, owner: owner)
        try authority.release(name, owner: owner)
        #expect(try client.ask(name, .txt, now: now).responseCode == .nameError)
        #expect(try client.ask("host.auth.example.test", .a, now: now).responseCode == .nameError)
    }

    @Test func otherTypesAtAChallengeNameAreNodata() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("v"), at: name, owner: owner)
        for type in [DNSRecordType.caa, .a, .cname] {
            let response = try client.ask(name, type, now: now)
            #expect(response.responseCode == .noError)
            #expect(response.answers.isEmpty)
            #expect(response.authorityTypes == [.soa])
        }
        #expect(try client.ask(name, .any, now: now).answerTypes == [.txt])
    }

    @Test func serialAdvancesWithEachChange() throws {
        func serial() throws -> UInt32 {
            let response = try client.ask("auth.example.test", .soa, now: now)
            guard case .soa(let soa) = response.answers.first?.rdata else { throw TestFailure("no SOA") }
            return soa.serial
        }
        #expect(try serial() == 100)
        try authority.claim(name, owner: owner)
        #expect(try serial() == 101)
        try authority.publish(value("v"), at: name, owner: owner)
        #expect(try serial() == 102)
        try authority.withdraw(text: Array("v".utf8), at: name, owner: owner)
        #expect(try serial() == 103)
        // A change that changes nothing does not advance it.
        try authority.claim(name, owner: owner)
        #expect(try serial() == 103)
    }

    @Test func ownershipIsEnforced() throws {
        let intruder = ChallengeOwner(rawValue: "token:other")
        try authority.claim(name, owner: owner)
        #expect(throws: AuthorityError(.ownedByAnother, name: name)) {
            try authority.claim(name, owner: intruder)
        }
        #expect(throws: AuthorityError(.ownedByAnother, name: name)) {
            try authority.publish(value("evil"), at: name, owner: intruder)
        }
        #expect(throws: AuthorityError(.notOwned, name: "_acme-challenge.other.auth.example.test")) {
            try authority.publish(value("v"), at: "_acme-challenge.other.auth.example.test", owner: owner)
        }
        // Case and trailing-dot variants are the same name (RFC 4343).
        #expect(throws: AuthorityError(.ownedByAnother, name: name)) {
            try authority.publish(value("evil"), at: "_ACME-Challenge.HOST.auth.example.test.", owner: intruder)
        }
    }

    @Test func claimsThatWouldBreakTheZoneAreRefused() throws {
        #expect(throws: AuthorityError(.nameOutsideZones, name: "_acme-challenge.example.org")) {
            try authority.claim("_acme-challenge.example.org", owner: owner)
        }
        // A CNAME beside a published name would break RFC 1034 §3.6.2.
        #expect(throws: AuthorityError(.nameHasOtherData, name: "alias.auth.example.test")) {
            try authority.claim("alias.auth.example.test", owner: owner)
        }
        #expect(throws: AuthorityError(.nameBelowDelegation, name: "x.deleg.auth.example.test")) {
            try authority.claim("x.deleg.auth.example.test", owner: owner)
        }
        #expect(throws: AuthorityError(.wildcardName, name: "*.auth.example.test")) {
            try authority.claim("*.auth.example.test", owner: owner)
        }
        #expect(throws: AuthorityError(.valueTooLong, name: name)) {
            try authority.claim(name, owner: owner)
            try authority.publish(value(String(repeating: "x", count: 1025)), at: name, owner: owner)
        }
    }

    @Test func synthesizedChallengeZoneAnswersSOANSAndTXTAtItsApex() throws {
        let apex: DNSName = "_acme-challenge.customer.example"
        let zone = Zone.synthesized(apex: apex, identity: TestZones.identity, serial: 42)
        try authority.addZone(zone)
        try authority.claim(apex, owner: owner)
        try authority.publish(value("digest"), at: apex, owner: owner)
        let soa = try client.ask(apex, .soa, now: now)
        #expect(soa.header.isAuthoritative)
        #expect(soa.answerTypes == [.soa])
        let ns = try client.ask(apex, .ns, now: now)
        #expect(ns.answers.map(\.rdata) == [TestZones.ns("ns1.cairn.test"), TestZones.ns("ns2.cairn.test")])
        let txt = try client.ask(apex, .txt, now: now)
        #expect(txt.answers.map(\.rdata) == [TestZones.txt("digest")])
        let caa = try client.ask(apex, .caa, now: now)
        #expect(caa.answers.isEmpty && caa.authorityTypes == [.soa])
        #expect(try client.ask(try DNSName("x.\(apex)"), .txt, now: now).responseCode == .nameError)
        // The negative TTL of a synthesized zone is its SOA MINIMUM, 30 s by default.
        #expect(caa.authority.first?.ttl == 30)
    }

    @Test func anyAtAChallengeNameIsOneValue() throws {
        // RFC 8482 §4.1: ANY gets one record however many values are published, so a small
        // query cannot draw 16 of them (about 950 octets) as an amplifier.
        try authority.claim(name, owner: owner)
        let digests = (0..<16).map { String(repeating: Character(String($0 % 10)), count: 41) + "\($0)" }
        for digest in digests {
            try authority.publish(value(digest, ttl: digest == digests[3] ? 30 : 60), at: name, owner: owner)
        }
        let query = try DNSMessage(questions: [DNSQuestion(name: name, type: .any)], edns: EDNS()).encoded()
        let (raw, summary) = try #require(
            authority.answer(query: query, transport: .udp, now: now, output: ByteBuffer()))
        let response = try DNSMessage(decoding: raw)
        #expect(response.responseCode == .noError)
        #expect(response.header.isAuthoritative)
        #expect(response.answerTypes == [.txt])
        #expect(response.answers.first?.rdata == TestZones.txt(digests[0]))  // the oldest
        #expect(response.answers.first?.ttl == 30)  // the RRset's TTL, as a TXT query gets
        #expect(raw.readableBytes < 2 * query.readableBytes)
        #expect(summary.challengeValuesServed == 1)
        #expect(summary.touchedChallengeName)
        #expect(try client.ask(name, .txt, now: now).answers.count == 16)
    }

    @Test func anyAtASynthesizedChallengeApexPicksAsAtAStaticName() throws {
        // The apex holds SOA and NS beside the values: the SOA comes first in the preference
        // RFC 8482 §4.1 answers use at every name (DESIGN.md), whatever is published.
        let apex: DNSName = "_acme-challenge.customer.example"
        try authority.addZone(Zone.synthesized(apex: apex, identity: TestZones.identity, serial: 42))
        try authority.claim(apex, owner: owner)
        for index in 0..<16 { try authority.publish(value("digest-\(index)"), at: apex, owner: owner) }
        let response = try client.ask(apex, .any, now: now)
        #expect(response.answerTypes == [.soa])
    }

    @Test func summaryFlagsChallengeQueries() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("v"), at: name, owner: owner)
        var query = ByteBuffer()
        try query.writeBytes(
            DNSMessage(questions: [DNSQuestion(name: name, type: .txt)]).encoded().readableBytesView)
        let summary = try #require(authority.answer(query: query, transport: .udp, now: now, output: ByteBuffer()))
            .summary
        #expect(summary.touchedChallengeName)
        #expect(summary.challengeValuesServed == 1)
        #expect(summary.responseCode == .noError)
        #expect(summary.questionType == .txt)
    }

    @Test func readersKeepTheirSnapshotWhileWritersSwap() throws {
        try authority.claim(name, owner: owner)
        let before = authority.zone(at: "auth.example.test")
        try authority.publish(value("v"), at: name, owner: owner)
        // The zone value taken before the publish is unchanged.
        #expect(before?.serial == 101)
        #expect(authority.zone(at: "auth.example.test")?.serial == 102)
    }

    @Test func reloadKeepsClaimsAndAdvancesSerial() throws {
        try authority.claim(name, owner: owner)
        try authority.publish(value("v"), at: name, owner: owner)
        let current = try #require(authority.zone(at: "auth.example.test")).serial
        // The reloaded file still says 100: the serial must still move forward (RFC 1982).
        let reloaded = try Zone(
            apex: "auth.example.test",
            records: [
                TestZones.record("auth.example.test", TestZones.soa(serial: 100)),
                TestZones.record("auth.example.test", TestZones.ns("ns1.auth.example.test")),
                TestZones.record("new.auth.example.test", TestZones.a("192.0.2.99")),
            ])
        try authority.replaceZones([reloaded])
        #expect(try #require(authority.zone(at: "auth.example.test")).serial == current &+ 1)
        #expect(try client.ask(name, .txt, now: now).answers.count == 1)
        #expect(try client.ask("new.auth.example.test", .a, now: now).answers.count == 1)
    }

    @Test func reloadThatWouldOrphanAClaimIsRefusedAndOldDataStays() throws {
        try authority.claim(name, owner: owner)
        let conflicting = try Zone(
            apex: "auth.example.test",
            records: [
                TestZones.record("auth.example.test", TestZones.soa(serial: 200)),
                TestZones.record("auth.example.test", TestZones.ns("ns1.auth.example.test")),
                TestZones.record(name, TestZones.cname("elsewhere.example.test")),
            ])
        #expect(throws: AuthorityError(.nameHasOtherData, name: name)) {
            try authority.replaceZones([conflicting])
        }
        #expect(try client.ask("ns1.auth.example.test", .a, now: now).answers.count == 1)
        #expect(try client.ask(name, .txt, now: now).responseCode == .noError)
    }
}
