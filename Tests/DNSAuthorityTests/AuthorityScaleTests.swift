import DNSAuthority
import DNSWire
import Foundation
import HashTreeCollections
import NIOCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// glibc's `malloc_info(3)` (not in the Glibc module): every arena's statistics as XML.
@_silgen_name("malloc_info")
private func malloc_info(_ options: Int32, _ stream: UnsafeMutablePointer<FILE>) -> Int32

/// The data plane at scale: readers keep their snapshot while a writer changes the next one, a
/// publish copies O(log n) of the table rather than all of it (counted in bytes the allocator
/// hands out, not timed), and a restore in one batch builds exactly the table that publishing
/// name by name builds.
@Suite(.serialized) struct AuthorityScaleTests {
    static let owner = ChallengeOwner(rawValue: "registration:scale")
    static let now = UnixTime(secondsSinceEpoch: 1_800_000_000)
    static let authApex: DNSName = "auth.example.test"

    static func authZone() throws -> Zone {
        try Zone(
            apex: authApex,
            records: [
                TestZones.record(authApex, TestZones.soa(serial: 1)),
                TestZones.record(authApex, TestZones.ns("ns1.auth.example.test")),
                TestZones.record("ns1.auth.example.test", TestZones.a("192.0.2.1")),
            ])
    }

    static func label(_ index: Int) -> DNSName {
        try! DNSName("n\(index).auth.example.test")
    }

    static func value(_ text: String) -> ChallengeValue {
        ChallengeValue(text, ttl: 60, expires: now.adding(seconds: 3600))
    }

    /// `count` owned names in the auth zone with one value each, and every tenth index also a
    /// synthesized challenge zone `_acme-challenge.dN.example` (an NS delegation).
    static func states(_ count: Int, delegated: Bool = true) -> [ChallengeState] {
        (0..<count).map { index in
            if delegated, index % 10 == 9 {
                return ChallengeState(
                    name: try! DNSName("_acme-challenge.d\(index).example"), owner: owner, isZoneApex: true,
                    values: [value("z\(index)")])
            }
            return ChallengeState(name: label(index), owner: owner, values: [value("v\(index)")])
        }
    }

    static func query(_ name: DNSName, _ type: DNSRecordType = .txt) throws -> ByteBuffer {
        try DNSMessage(questions: [DNSQuestion(name: name, type: type)]).encoded()
    }

    /// The bytes of the answer `snapshot` gives to a TXT query for `name`.
    static func answer(_ snapshot: AuthoritySnapshot, _ name: DNSName) throws -> [UInt8] {
        let (response, _) = try #require(
            snapshot.answer(query: try query(name), transport: .tcp, now: now, output: ByteBuffer()))
        return Array(response.readableBytesView)
    }

    @Test(.timeLimit(.minutes(2)))
    func aReaderHoldingASnapshotSeesNoneOfAConcurrentWritersChanges() async throws {
        let authority = try Authority(zones: [try Self.authZone()])
        authority.apply(Self.states(1_000), identity: TestZones.identity, now: Self.now)
        let held = authority.snapshot
        let probes: [DNSName] = [Self.label(0), Self.label(500), "_acme-challenge.d9.example", Self.label(5_000)]
        let before = try probes.map { try Self.answer(held, $0) }

        // The writer publishes, claims, releases and synthesizes zones while the reader asks
        // the held snapshot the same questions again; both loops are bounded by count.
        async let written: Void = {
            for round in 0..<300 {
                try authority.publish(Self.value("w\(round)"), at: Self.label((round * 10) % 1_000), owner: Self.owner)
                try authority.claim(Self.label(5_000 + round), owner: Self.owner)
                try authority.publish(Self.value("new\(round)"), at: Self.label(5_000 + round), owner: Self.owner)
                authority.apply(
                    [
                        ChallengeState(name: "_acme-challenge.d9.example", owner: nil),
                        ChallengeState(
                            name: try DNSName("_acme-challenge.e\(round).example"), owner: Self.owner, isZoneApex: true,
                            values: [Self.value("e\(round)")]),
                    ], identity: TestZones.identity, now: Self.now)
                try authority.release(Self.label(500), owner: Self.owner)
                try authority.claim(Self.label(500), owner: Self.owner)
            }
        }()
        var mismatches = 0
        for _ in 0..<300 {
            for (index, name) in probes.enumerated() where try Self.answer(held, name) != before[index] {
                mismatches += 1
            }
            await Task.yield()
        }
        try await written
        #expect(mismatches == 0)
        #expect(try probes.map { try Self.answer(held, $0) } == before)
        // The authority itself moved on: the same questions get other answers now.
        let after = try probes.map { try Self.answer(authority.snapshot, $0) }
        for index in probes.indices { #expect(after[index] != before[index], "\(probes[index])") }
    }

    /// Bytes the allocator has handed out and not taken back, over every arena (glibc's
    /// `malloc_info`: system bytes minus free chunks, plus mmapped ones).
    static func bytesInUse() -> Int {
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return 0 }
        _ = malloc_info(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return 0 }
        let xml = String(cString: buffer)
        // The totals after the last </heap>: one line each.
        guard let totals = xml.range(of: "</heap>", options: .backwards).map({ xml[$0.upperBound...] }) else {
            return 0
        }
        func attribute(_ element: String, _ name: String) -> Int {
            guard let start = totals.range(of: "<\(element)")?.upperBound else { return 0 }
            let rest = totals[start...]
            guard let key = rest.range(of: "\(name)=\"")?.upperBound,
                let end = rest[key...].firstIndex(of: "\"")
            else { return 0 }
            return Int(rest[key..<end]) ?? 0
        }
        let current = attribute("system type=\"current\"", "size")
        let fast = attribute("total type=\"fast\"", "size")
        let free = attribute("total type=\"rest\"", "size")
        let mmapped = attribute("total type=\"mmap\"", "size")
        return current - fast - free + mmapped
    }

    /// Bytes newly held after one publish while the previous snapshot is kept alive (by a reader):
    /// what the publish copied rather than shared.
    static func bytesCopiedByAPublish(names: Int) throws -> Int {
        let authority = try Authority(zones: [try authZone()])
        authority.apply(states(names, delegated: false), identity: TestZones.identity, now: now)
        var samples: [Int] = []
        for round in 0..<5 {
            let held = authority.snapshot
            let before = bytesInUse()
            try authority.publish(value("p\(round)"), at: label(round * 7), owner: owner)
            let after = bytesInUse()
            samples.append(after - before)
            withExtendedLifetime(held) {}
        }
        return samples.sorted()[samples.count / 2]
    }

    @Test(.timeLimit(.minutes(5)))
    func aPublishCopiesAsLittleAtAMillionNamesAsAtTenThousand() throws {
        let small = try Self.bytesCopiedByAPublish(names: 10_000)
        let large = try Self.bytesCopiedByAPublish(names: 1_000_000)
        // A copied node map would be tens of megabytes at a million names; a persistent map
        // copies one path of trie nodes (a few kilobytes) at either size.
        #expect(large < 256 << 10, "a publish at 1,000,000 names kept \(large) new bytes (10,000: \(small))")
        #expect(large <= 4 * max(small, 4 << 10), "1,000,000 names: \(large) bytes; 10,000 names: \(small)")
    }

    /// A reload that changes a static zone leaves each unchanged challenge zone as it was, sharing
    /// its storage with the zone as loaded, rather than making a copy of each to set the serial
    /// it already has: at 240,000 challenge zones the copies held 150 MB for good.
    @Test(.timeLimit(.minutes(5)))
    func aZoneReloadCopiesNoUnchangedChallengeZone() throws {
        // Restored as at start-up, where each challenge zone is served as it was made.
        let authority = try Authority(zones: [try Self.authZone()])
        let failures = try authority.reconcile(
            staticZones: nil, states: Self.states(50_000), identity: TestZones.identity, now: Self.now)
        #expect(failures.isEmpty)
        #expect(authority.zoneApexes.count == 1 + 5_000)
        let changed = try Zone(
            apex: Self.authApex,
            records: [
                TestZones.record(Self.authApex, TestZones.soa(serial: 1)),
                TestZones.record(Self.authApex, TestZones.ns("ns1.auth.example.test")),
                TestZones.record("ns1.auth.example.test", TestZones.a("192.0.2.1")),
                TestZones.record("www.auth.example.test", TestZones.a("192.0.2.2")),
            ])
        let before = Self.bytesInUse()
        try authority.replaceZones([changed])
        let kept = Self.bytesInUse() - before
        #expect(authority.zone(at: Self.authApex)?.nodes["www.auth.example.test"] != nil)
        // A copy of each of the 5,000 challenge zones is 3 MB; the rebuilt maps of zones about
        // 0.5 MB.
        #expect(kept < 1 << 20, "a zone reload kept \(kept) new bytes")
    }

    @Test(.timeLimit(.minutes(5)))
    func aRestoreOf100000NamesBuildsTheTableThatPublishingNameByNameBuilds() throws {
        let states = Self.states(100_000)
        let restored = try Authority(zones: [try Self.authZone()])
        let failures = try restored.reconcile(
            staticZones: nil, states: states, identity: TestZones.identity, now: Self.now)
        #expect(failures.isEmpty)

        let published = try Authority(zones: [try Self.authZone()])
        for state in states {
            if state.isZoneApex {
                let failed = published.apply([state], identity: TestZones.identity, now: Self.now)
                #expect(failed.isEmpty, "\(state.name)")
            } else {
                try published.claim(state.name, owner: Self.owner)
                for value in state.values { try published.publish(value, at: state.name, owner: Self.owner) }
            }
        }
        #expect(restored.challengeTable.entries == published.challengeTable.entries)
        #expect(restored.challengeTable.nameCount == 100_000)
        #expect(restored.challengeTable.valueCount == published.challengeTable.valueCount)
        #expect(Set(restored.zoneApexes) == Set(published.zoneApexes))
        #expect(restored.zoneApexes.count == 1 + 10_000)
        for apex in restored.zoneApexes {
            let one = try #require(restored.zone(at: apex))
            let other = try #require(published.zone(at: apex))
            #expect(one.hasSameContent(as: other), "\(apex)")
        }
    }

    @Test func whileTheTableIsRestoredStaticDataIsAnsweredAndNegativeAnswersAreHeldBack() throws {
        let authority = try Authority(zones: [try Self.authZone(), try TestZones.example()], restoring: true)
        let client = Client(authority: authority)
        #expect(authority.isRestoring)
        // Static data is ready.
        let address = try client.ask("ns1.example.test", .a)
        #expect(address.responseCode == .noError && address.answerTypes == [.a])
        // A name that may be owned, a type a name may still get, a zone not synthesized yet:
        // SERVFAIL with Extended DNS Error 14, Not Ready (RFC 8914 §4.15), never a negative
        // answer a resolver would cache.
        for (name, type) in [
            (Self.label(1), DNSRecordType.txt), ("ns1.example.test", .txt), ("_acme-challenge.d9.example", .txt),
        ] as [(DNSName, DNSRecordType)] {
            let response = try client.ask(name, type)
            #expect(response.responseCode == .serverFailure, "\(name) \(type)")
            #expect(response.answers.isEmpty && response.authority.isEmpty, "\(name) \(type)")
            #expect(response.edns?.options == [EDNS.Option(code: .extendedError, data: [0, 14])], "\(name) \(type)")
        }
        // A batch of changes is not the restore; the first whole-table rebuild is.
        authority.apply(
            [ChallengeState(name: Self.label(2), owner: Self.owner, values: [Self.value("early")])],
            identity: TestZones.identity, now: Self.now)
        #expect(authority.isRestoring)
        try authority.reconcile(
            staticZones: nil, states: Self.states(20), identity: TestZones.identity, now: Self.now)
        #expect(!authority.isRestoring)
        #expect(try client.ask(Self.label(1), .txt, now: Self.now).answerTypes == [.txt])
        #expect(try client.ask(Self.label(100), .txt).responseCode == .nameError)
        #expect(try client.ask("ns1.example.test", .txt).responseCode == .noError)
        #expect(try client.ask("_acme-challenge.d9.example", .txt, now: Self.now).answerTypes == [.txt])
        #expect(try client.ask("_acme-challenge.other.example", .txt).responseCode == .refused)
    }
}
