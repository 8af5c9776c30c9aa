import DNSAuthority
import DNSWire
import HashTreeCollections
import Testing

/// The table following the store: whole-table rebuilds (start-up, reloads) and batches of name
/// states, the challenge zones they synthesize and drop, and serials that move only when what a
/// zone serves changed.
@Suite struct AuthorityReconcileTests {
    let owner = ChallengeOwner(rawValue: "token:t")
    let now = UnixTime(secondsSinceEpoch: 1_800_000_000)
    let label: DNSName = "x.auth.example.test"
    let challengeZone: DNSName = "_acme-challenge.customer.example"

    func auth(serial: UInt32 = 100, extra: [DNSRecord] = []) throws -> Zone {
        try Zone(
            apex: "auth.example.test",
            records: [
                TestZones.record("auth.example.test", TestZones.soa(serial: serial)),
                TestZones.record("auth.example.test", TestZones.ns("ns1.auth.example.test")),
                TestZones.record("ns1.auth.example.test", TestZones.a("192.0.2.1")),
            ] + extra)
    }

    func value(_ text: String) -> ChallengeValue {
        ChallengeValue(text, ttl: 60, expires: now.adding(seconds: 3600))
    }

    func serial(_ authority: Authority, _ apex: DNSName) throws -> UInt32 {
        try #require(authority.zone(at: apex)).serial
    }

    /// A restore hands over the table it filled while reading the store: the result is the one a
    /// table filled by the rebuild gives, names that cannot be served reported and left out —
    /// outside every zone, a wildcard, beside static data.
    @Test(arguments: [false, true])
    func aPrebuiltTableGivesWhatTheRebuildWouldBuild(duplicated: Bool) throws {
        var states = [
            ChallengeState(name: label, owner: owner, values: [value("a")]),
            ChallengeState(name: challengeZone, owner: owner, isZoneApex: true, values: [value("b")]),
            ChallengeState(name: "deep.x._acme-challenge.customer.example", owner: owner, values: [value("c")]),
            ChallengeState(name: "outside.invalid", owner: owner, values: [value("d")]),
            ChallengeState(name: "*.auth.example.test", owner: owner, values: [value("e")]),
            ChallengeState(name: "ns1.auth.example.test", owner: owner, values: [value("f")]),
            ChallengeState(name: "_acme-challenge.ns1.auth.example.test", owner: owner, isZoneApex: true),
            ChallengeState(name: "released.auth.example.test", owner: nil),
        ]
        // A name twice: the builder says so, and the rebuild fills its own table (the last state wins).
        if duplicated { states.append(ChallengeState(name: label, owner: owner, values: [value("g")])) }
        let built = try Authority(zones: [try auth()])
        let builtFailures = try built.reconcile(
            staticZones: nil, states: states, identity: TestZones.identity, now: now)
        var builder = ChallengeTableBuilder(maximumValuesPerName: built.configuration.maximumValuesPerName)
        builder.add(states.prefix(3))
        builder.add(states.dropFirst(3))
        let prebuilt = try Authority(zones: [try auth()])
        let prebuiltFailures = try prebuilt.reconcile(
            staticZones: nil, states: states, prebuilt: builder, identity: TestZones.identity, now: now)

        #expect(
            Set(builtFailures.keys) == ["outside.invalid", "*.auth.example.test", "ns1.auth.example.test"]
                as Set<DNSName>)
        #expect(prebuiltFailures.mapValues(\.code) == builtFailures.mapValues(\.code))
        #expect(prebuilt.challengeTable.entries == built.challengeTable.entries)
        #expect(prebuilt.challengeTable.valueCount == built.challengeTable.valueCount)
        #expect(Set(prebuilt.zoneApexes) == Set(built.zoneApexes))
        for apex in built.zoneApexes {
            #expect(try #require(prebuilt.zone(at: apex)).hasSameContent(as: try #require(built.zone(at: apex))))
        }
    }

    @Test func aReloadOfUnchangedZonesKeepsEverySerial() throws {
        let authority = try Authority(zones: [try auth()])
        try authority.reconcile(
            staticZones: nil,
            states: [
                ChallengeState(name: label, owner: owner, values: [value("a")]),
                ChallengeState(name: challengeZone, owner: owner, isZoneApex: true, values: [value("b")]),
            ],
            identity: TestZones.identity, now: now)
        let before = (try serial(authority, "auth.example.test"), try serial(authority, challengeZone))
        // The same files and the same store, read again: nothing served changed.
        try authority.reconcile(
            staticZones: [try auth()],
            states: [
                ChallengeState(name: label, owner: owner, values: [value("a")]),
                ChallengeState(name: challengeZone, owner: owner, isZoneApex: true, values: [value("b")]),
            ],
            identity: TestZones.identity, now: now.adding(seconds: 5))
        #expect(try serial(authority, "auth.example.test") == before.0)
        #expect(try serial(authority, challengeZone) == before.1)
        try authority.replaceZones([try auth()])
        #expect(try serial(authority, "auth.example.test") == before.0)
    }

    @Test func aReloadAdvancesTheSerialOnlyWhereContentChangedOrTheFileSaysSo() throws {
        let authority = try Authority(zones: [try auth(), try TestZones.example(serial: 7)])
        let example = try #require(authority.zone(at: "example.test")).apex
        try authority.replaceZones([
            try auth(extra: [TestZones.record("new.auth.example.test", TestZones.a("192.0.2.9"))]),
            try TestZones.example(serial: 7),
        ])
        #expect(try serial(authority, "auth.example.test") == 101)
        #expect(try serial(authority, example) == 7)
        // A higher serial in the file wins even without other changes.
        try authority.replaceZones([
            try auth(serial: 500, extra: [TestZones.record("new.auth.example.test", TestZones.a("192.0.2.9"))]),
            try TestZones.example(serial: 7),
        ])
        #expect(try serial(authority, "auth.example.test") == 500)
    }

    @Test func applyingStatesClaimsSetsAndReleasesWithOneSerialStepPerZone() throws {
        let authority = try Authority(zones: [try auth()])
        let other: DNSName = "y.auth.example.test"
        let failures = authority.apply(
            [
                ChallengeState(name: label, owner: owner, values: [value("a"), value("b")]),
                ChallengeState(name: other, owner: owner, values: [value("c")]),
                ChallengeState(name: challengeZone, owner: owner, isZoneApex: true),
            ],
            identity: TestZones.identity, now: now)
        #expect(failures.isEmpty)
        #expect(try serial(authority, "auth.example.test") == 101)
        #expect(authority.challengeTable.entries[label]?.values.map(\.text) == [Array("a".utf8), Array("b".utf8)])
        #expect(authority.zone(at: challengeZone) != nil)
        #expect(authority.synthesizedZoneCount == 1)

        // The same states again change nothing, not even the serial.
        authority.apply(
            [
                ChallengeState(name: label, owner: owner, values: [value("a"), value("b")]),
                ChallengeState(name: other, owner: owner, values: [value("c")]),
            ],
            identity: TestZones.identity, now: now)
        #expect(try serial(authority, "auth.example.test") == 101)

        // Released: the name goes, and the synthesized zone with its owner.
        authority.apply(
            [ChallengeState(name: label, owner: nil), ChallengeState(name: challengeZone, owner: nil)],
            identity: TestZones.identity, now: now)
        #expect(authority.challengeTable.owner(of: label) == nil)
        #expect(authority.challengeTable.owner(of: other) == owner)
        #expect(authority.zone(at: challengeZone) == nil)
        #expect(authority.synthesizedZoneCount == 0)
        #expect(try serial(authority, "auth.example.test") == 102)
    }

    @Test func aNameThatCannotBeServedIsReportedAndTheOthersApply() throws {
        let authority = try Authority(
            zones: [
                try auth(extra: [TestZones.record("taken.auth.example.test", TestZones.cname("ns1.auth.example.test"))])
            ])
        let failures = authority.apply(
            [
                ChallengeState(name: "taken.auth.example.test", owner: owner, values: [value("a")]),
                ChallengeState(name: "outside.test", owner: owner, values: [value("a")]),
                ChallengeState(name: label, owner: owner, values: [value("a")]),
                // A challenge zone with no identity to synthesize it with.
                ChallengeState(name: challengeZone, owner: owner, isZoneApex: true),
            ],
            identity: nil, now: now)
        #expect(failures["taken.auth.example.test"]?.code == .nameHasOtherData)
        #expect(failures["outside.test"]?.code == .nameOutsideZones)
        #expect(failures[challengeZone]?.code == .nameOutsideZones)
        #expect(failures[label] == nil)
        #expect(authority.challengeTable.entries.keys.map { $0 } == [label])
        #expect(authority.zone(at: challengeZone) == nil)
    }

    @Test func aRebuildReleasesNamesTheStoreNoLongerHoldsAndKeepsTheOthers() throws {
        let authority = try Authority(zones: [try auth()])
        let kept: DNSName = "kept.auth.example.test"
        authority.apply(
            [
                ChallengeState(name: label, owner: owner, values: [value("a")]),
                ChallengeState(name: kept, owner: owner, values: [value("k")]),
                ChallengeState(name: challengeZone, owner: owner, isZoneApex: true),
            ],
            identity: TestZones.identity, now: now)
        try authority.reconcile(
            staticZones: nil, states: [ChallengeState(name: kept, owner: owner, values: [value("k")])],
            identity: TestZones.identity, now: now)
        #expect(Array(authority.challengeTable.entries.keys) == [kept])
        #expect(authority.zone(at: challengeZone) == nil)
        #expect(authority.zone(at: "auth.example.test") != nil)
    }
}

extension AuthorityReconcileTests {
    /// A challenge zone for NS delegation must not hide what a zone file holds at its name.
    @Test func noChallengeZoneIsSynthesizedOverStaticData() throws {
        let parent = try Zone(
            apex: "customer.example",
            records: [
                TestZones.record("customer.example", TestZones.soa(serial: 1)),
                TestZones.record("customer.example", TestZones.ns("ns1.customer.example")),
                TestZones.record(challengeZone, TestZones.cname("x.auth.example.test")),
                TestZones.record("_acme-challenge.www.customer.example", TestZones.txt("static")),
            ])
        let authority = try Authority(zones: [parent])
        let failures = authority.apply(
            [
                ChallengeState(name: challengeZone, owner: owner, isZoneApex: true),
                // The same kind of name with static data only at a child of its parent is fine.
                ChallengeState(name: "_acme-challenge.mail.customer.example", owner: owner, isZoneApex: true),
            ],
            identity: TestZones.identity, now: now)
        #expect(failures[challengeZone]?.code == .nameHasOtherData)
        #expect(authority.zone(at: challengeZone) == nil)
        #expect(authority.zone(at: "_acme-challenge.mail.customer.example") != nil)
        let rebuilt = try authority.reconcile(
            staticZones: nil, states: [ChallengeState(name: challengeZone, owner: owner, isZoneApex: true)],
            identity: TestZones.identity, now: now)
        #expect(rebuilt[challengeZone]?.code == .nameHasOtherData)
        #expect(authority.zone(at: challengeZone) == nil)
    }
}
