import CairnTestSupport
import DNSAuthority
import DNSWire
import HashTreeCollections
import NIOCore
import Testing

/// The expiry sweep through the table's expiry index: it looks only at names whose values
/// expired (counted, not timed), it removes exactly what a walk of every name removes, and the
/// index stays exact through every kind of change.
struct ChallengeTableExpiryTests {
    static let owner = ChallengeOwner(rawValue: "registration:00000000-0000-4000-8000-000000000001")
    static let start = UnixTime(rawValue: 1_800_000_000)

    static func name(_ index: Int) -> DNSName { DNSName(stringLiteral: "n\(index).auth.example.test") }

    /// 100,000 names whose values live a day and 10 whose values expire in a minute: the sweep a
    /// minute later visits the 10, not the 100,010 (it walked every name before the index).
    @Test func aSweepVisitsOnlyTheNamesWhoseValuesExpired() throws {
        var table = ChallengeTable()
        for index in 0..<100_010 {
            let name = Self.name(index)
            try table.claim(name, owner: Self.owner)
            let lifetime: Int64 = index < 10 ? 60 : 86_400
            try table.publish(
                ChallengeValue("v\(index)", ttl: 60, expires: Self.start.adding(seconds: lifetime)), at: name,
                owner: Self.owner)
        }
        #expect(table.removeExpired(now: Self.start.adding(seconds: 30)).isEmpty)
        let removed = table.removeExpired(now: Self.start.adding(seconds: 60))
        #expect(Set(removed) == Set((0..<10).map(Self.name)))
        #expect(table.lastSweepVisited == 10)
        #expect(table.valueCount == 100_000)
        #expect(table.nextExpiry == Self.start.adding(seconds: 86_400))
        #expect(table.expiryIndexIsExact)
    }

    /// Random claims, publishes (new values and refreshed ones), withdrawals, releases and sweeps
    /// at random times, some going back: after every step the table holds what a reference model
    /// holds, a sweep removes exactly what walking every name would, and the index is exact.
    @Test(arguments: [1, 2, 3, 4]) func sweepsMatchAWalkOfEveryName(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var table = ChallengeTable(maximumValuesPerName: 3)
        var now = Self.start
        for step in 0..<3_000 {
            let name = Self.name(Int(random.next() % 40))
            switch random.next() % 8 {
            case 0:
                try table.claim(name, owner: Self.owner)
            case 1, 2, 3:
                if table.owner(of: name) == nil { try table.claim(name, owner: Self.owner) }
                // Some values expire before the last sweep: they must still be swept.
                let expires = now.adding(seconds: Int64(random.next() % 200) - 20)
                try table.publish(
                    ChallengeValue("t\(random.next() % 6)", ttl: 60, expires: expires), at: name, owner: Self.owner)
            case 4:
                if table.owner(of: name) != nil {
                    try table.withdraw(text: Array("t\(random.next() % 6)".utf8), at: name, owner: Self.owner)
                }
            case 5:
                if table.owner(of: name) != nil { try table.release(name, owner: Self.owner) }
            default:
                // Mostly forward, sometimes back (a clock step), sometimes a long jump.
                let delta = random.next() % 10 == 0 ? 5_000 : Int64(random.next() % 90) - 15
                now = now.adding(seconds: delta)
                let expected = Set(
                    table.entries.filter { $0.value.values.packed.contains { $0.expires <= now } }.map(\.key))
                let removed = table.removeExpired(now: now)
                #expect(Set(removed) == expected, "step \(step)")
                #expect(removed.count == expected.count, "a name reported twice at step \(step)")
                #expect(!table.entries.values.contains { $0.values.packed.contains { $0.expires <= now } })
            }
            #expect(table.expiryIndexIsExact, "step \(step)")
            let earliest = table.entries.values.compactMap(\.earliestExpiry).min()
            #expect(table.nextExpiry == earliest, "step \(step)")
        }
    }

    /// A restore does not index while it fills (it stays as fast as before the index): the
    /// table indexes its names afterwards, a slice at a time, and sweeps them once indexed.
    @Test func aBuiltTableIndexesItsNamesAfterwards() {
        var builder = ChallengeTableBuilder(maximumValuesPerName: 16)
        builder.add(
            (0..<100).map { index in
                ChallengeState(
                    name: Self.name(index), owner: Self.owner,
                    values: [ChallengeValue("v", ttl: 60, expires: Self.start.adding(seconds: Int64(index)))])
            })
        var table = builder.table
        #expect(table.unindexedNameCount == 100)
        #expect(table.removeExpired(now: Self.start.adding(seconds: 49)).isEmpty)
        #expect(table.indexDeferredExpiries(limit: 60) == 40)
        #expect(table.indexDeferredExpiries(limit: 60) == 0)
        #expect(table.expiryIndexIsExact)
        // Expired while unindexed: swept now, though the cursor had passed their seconds.
        #expect(table.removeExpired(now: Self.start.adding(seconds: 49)).count == 50)
        #expect(table.lastSweepVisited == 50)
        #expect(table.valueCount == 50)
    }

    /// Names changed, released and claimed again between a bulk fill and the slices that index
    /// it: once every slice ran, the index is exact and sweeps remove what a walk would.
    @Test(arguments: [5, 6, 7]) func changesWhileABulkFillIsIndexedKeepTheIndexExact(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var builder = ChallengeTableBuilder(maximumValuesPerName: 3)
        builder.add(
            (0..<300).map { index in
                ChallengeState(
                    name: Self.name(index), owner: Self.owner,
                    values: [
                        ChallengeValue("v", ttl: 60, expires: Self.start.adding(seconds: Int64(random.next() % 100)))
                    ])
            })
        var table = builder.table
        var step = 0
        while table.unindexedNameCount > 0 {
            for _ in 0..<10 {
                let name = Self.name(Int(random.next() % 300))
                switch random.next() % 4 {
                case 0:
                    if table.owner(of: name) != nil { try table.release(name, owner: Self.owner) }
                case 1:
                    if table.owner(of: name) != nil {
                        try table.withdraw(text: Array("v".utf8), at: name, owner: Self.owner)
                    }
                default:
                    if table.owner(of: name) == nil { try table.claim(name, owner: Self.owner) }
                    try table.publish(
                        ChallengeValue(
                            "w\(random.next() % 3)", ttl: 60,
                            expires: Self.start.adding(seconds: Int64(random.next() % 100))),
                        at: name, owner: Self.owner)
                }
            }
            table.indexDeferredExpiries(limit: 13)
            step += 1
        }
        #expect(step > 10)
        #expect(table.expiryIndexIsExact)
        let now = Self.start.adding(seconds: 50)
        let expected = Set(table.entries.filter { $0.value.values.packed.contains { $0.expires <= now } }.map(\.key))
        #expect(Set(table.removeExpired(now: now)) == expected)
        #expect(table.expiryIndexIsExact)
    }

    /// A reload rebuilds the table from the store. The expiry index the table had is kept and
    /// only the names the reload changed are indexed again: nothing is left to index, the index is
    /// exact and sweeps remove what a walk would. Before, every reload left the whole table to be
    /// indexed again (48 s at 2.4 M names), and expired values stayed in the table until then.
    @Test(arguments: [(8, false), (9, true)])
    func aReloadKeepsTheExpiryIndex(seed: UInt64, prebuilt: Bool) throws {
        var random = SplitMix64(seed: seed)
        let authority = try Authority(zones: [try Self.authZone()])
        var now = Self.start
        func value() -> ChallengeValue {
            ChallengeValue(
                "v\(random.next() % 4)", ttl: 60, expires: now.adding(seconds: Int64(random.next() % 300) - 20))
        }
        // What the store holds, and a reload from it: values that expired are not read back.
        var stored: [Int: [ChallengeValue]] = [:]
        for index in 0..<2_000 { stored[index] = [value()] }
        func reload() throws {
            let states = stored.sorted { $0.key < $1.key }.map { index, values in
                ChallengeState(
                    name: Self.name(index), owner: Self.owner,
                    values: ChallengeValues(values.filter { $0.expires > now }))
            }
            var builder: ChallengeTableBuilder? = nil
            if prebuilt {
                builder = ChallengeTableBuilder(
                    maximumValuesPerName: authority.configuration.maximumValuesPerName,
                    replacing: authority.challengeTable)
                builder!.add(states)
            }
            let failures = try authority.reconcile(
                staticZones: nil, states: states, prebuilt: builder, identity: nil, now: now)
            #expect(failures.isEmpty)
        }
        func change(_ count: Int) {
            for _ in 0..<count {
                let index = Int(random.next() % 2_200)
                switch random.next() % 4 {
                case 0: stored[index] = nil
                case 1: stored[index] = []
                default: stored[index] = (stored[index] ?? []).filter { _ in random.next() % 2 == 0 } + [value()]
                }
            }
        }
        func indexedCopyIsExact() -> Bool {
            var table = authority.challengeTable
            table.indexDeferredExpiries(limit: .max)
            return table.expiryIndexIsExact
        }

        // Start-up: the restore leaves every name to be indexed after the swap.
        try reload()
        #expect(authority.challengeTable.unindexedNameCount == 2_000)
        // Half of them indexed, then a reload: the other half is still to be indexed, no more.
        authority.indexDeferredExpiries(limit: 1_000)
        change(50)
        try reload()
        #expect(authority.challengeTable.unindexedNameCount <= 1_000)
        #expect(indexedCopyIsExact())
        authority.indexDeferredExpiries(limit: .max)
        for round in 0..<6 {
            change(50)
            now = now.adding(seconds: 45)
            try reload()
            let table = authority.challengeTable
            #expect(table.unindexedNameCount == 0, "round \(round)")
            let exact = table.expiryIndexIsExact
            #expect(exact, "round \(round)")
            // The sweep removes what a walk finds, though the reload, not a sweep, dropped the
            // values that expired before it.
            now = now.adding(seconds: 30)
            let expected = table.entries.filter { $0.value.values.packed.contains { $0.expires <= now } }.count
            #expect(authority.removeExpiredValues(now: now) == expected, "round \(round)")
            #expect(
                !authority.challengeTable.entries.values.contains { $0.values.packed.contains { $0.expires <= now } })
        }
    }

    /// A reload's table keys each name it shares with the table it replaces with that table's
    /// instance: the names the reload parsed are freed with it, and the expiry index it keeps
    /// (holding the old instances) keeps no second copy of every name alive.
    @Test func aReloadedTableKeepsTheNamesItReplaces() throws {
        let texts = (0..<100).map { "n\($0).auth.example.test" }
        func states(_ names: [DNSName?]) -> [ChallengeState] {
            names.map {
                ChallengeState(
                    name: $0!, owner: Self.owner, values: [ChallengeValue("v", ttl: 60, expires: Self.start)])
            }
        }
        var first = ChallengeTableBuilder(maximumValuesPerName: 16)
        first.add(states(DNSName.parsingMany(texts)))
        let current = first.table
        var second = ChallengeTableBuilder(maximumValuesPerName: 16, replacing: current)
        second.add(states(DNSName.parsingMany(texts + ["new.auth.example.test"])))
        let reloaded = second.table
        func storage(_ name: DNSName) -> UnsafeRawPointer? { name.wire.withUnsafeReadableBytes { $0.baseAddress } }
        #expect(reloaded.entries.count == 101)
        for (name, _) in reloaded.entries where name != "new.auth.example.test" {
            let index = try #require(current.entries.index(forKey: name))
            #expect(storage(name) == storage(current.entries[index].key), "\(name)")
        }
    }

    static func authZone() throws -> Zone {
        try Zone(
            apex: "auth.example.test",
            records: [
                TestZones.record("auth.example.test", TestZones.soa(serial: 1)),
                TestZones.record("auth.example.test", TestZones.ns("ns1.auth.example.test")),
                TestZones.record("ns1.auth.example.test", TestZones.a("192.0.2.1")),
            ])
    }
}
