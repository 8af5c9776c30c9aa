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

    /// A store lists names in text order, where a child (`_x.b…`) can come before its owned
    /// parent: restored with or without a prebuilt table, the zone is the one claiming the names
    /// one by one builds, and the empty non-terminal above them exists.
    @Test(arguments: [false, true])
    func aRestoreCountsOwnedParentsWhateverTheOrder(prebuilt: Bool) throws {
        let names: [DNSName] = [
            "_x.a.b.auth.example.test", "a.b.auth.example.test", "_y.c.auth.example.test", "c.auth.example.test",
        ]
        let states = names.map { ChallengeState(name: $0, owner: owner, values: [value("v")]) }
        let restored = try Authority(zones: [try auth()])
        var builder = ChallengeTableBuilder(maximumValuesPerName: restored.configuration.maximumValuesPerName)
        builder.add(states)
        let failures = try restored.reconcile(
            staticZones: nil, states: states, prebuilt: prebuilt ? builder : nil, identity: TestZones.identity, now: now
        )
        #expect(failures.isEmpty)
        let claimed = try Authority(zones: [try auth()])
        for name in names.sorted(by: { $0.labelCount < $1.labelCount }) { try claimed.claim(name, owner: owner) }
        let zone = try #require(restored.zone(at: "auth.example.test"))
        #expect(zone.hasSameContent(as: try #require(claimed.zone(at: "auth.example.test"))))
        let client = Client(authority: restored)
        let between = try client.ask("b.auth.example.test", .txt, now: now)
        #expect(between.responseCode == .noError && between.answers.isEmpty)
        // Released again, nothing is left behind.
        for name in names { try restored.release(name, owner: owner) }
        #expect(try #require(restored.zone(at: "auth.example.test")).hasSameContent(as: try auth()))
    }

    /// A challenge zone synthesized over owned names moves them out of the zone around it; the
    /// empty non-terminal they shared with a name that stays is kept.
    @Test func aZoneAddedOverOwnedNamesKeepsTheEmptyNonTerminalsOthersNeed() throws {
        let authority = try Authority(zones: [try auth()])
        let apex: DNSName = "_acme-challenge.www.auth.example.test"
        for name in ["x._acme-challenge.www.auth.example.test", "foo.www.auth.example.test"] as [DNSName] {
            try authority.claim(name, owner: owner)
        }
        try authority.claim(apex, owner: owner)
        try authority.addZone(Zone.synthesized(apex: apex, identity: TestZones.identity, serial: 1))
        let client = Client(authority: authority)
        for name in ["www.auth.example.test", "foo.www.auth.example.test"] as [DNSName] {
            let response = try client.ask(name, .txt, now: now)
            #expect(response.responseCode == .noError, "\(name)")
        }
        #expect(try client.ask("x._acme-challenge.www.auth.example.test", .txt, now: now).responseCode == .noError)
        try authority.release("foo.www.auth.example.test", owner: owner)
        #expect(try client.ask("www.auth.example.test", .txt, now: now).responseCode == .nameError)
    }

    /// Owned names that move between zones change both: a zone synthesized over them, or
    /// removed from around them, advances the serial of the zone around it too.
    @Test func namesMovingBetweenZonesAdvanceBothSerials() throws {
        let authority = try Authority(zones: [try auth()])
        let apex: DNSName = "_acme-challenge.www.auth.example.test"
        try authority.claim("x._acme-challenge.www.auth.example.test", owner: owner)
        let before = try serial(authority, "auth.example.test")
        try authority.addZone(Zone.synthesized(apex: apex, identity: TestZones.identity, serial: 1))
        let added = try serial(authority, "auth.example.test")
        #expect(added != before)
        try authority.removeZone(at: apex)
        #expect(try serial(authority, "auth.example.test") != added)
        // A zone added where no owned name is moves nothing and changes nothing around it.
        let quiet = try serial(authority, "auth.example.test")
        try authority.addZone(
            Zone.synthesized(apex: "_acme-challenge.mail.auth.example.test", identity: TestZones.identity, serial: 1))
        #expect(try serial(authority, "auth.example.test") == quiet)
    }

    /// A name owned above one released keeps no node of its own: a reload of the same files
    /// finds the zone unchanged and keeps its serial.
    @Test func releasingTheNameBelowAnOwnedNameLeavesTheZoneAsARebuildMakesIt() throws {
        let authority = try Authority(zones: [try auth()])
        try authority.claim(label, owner: owner)
        try authority.claim("a.x.auth.example.test", owner: owner)
        try authority.release("a.x.auth.example.test", owner: owner)
        let before = try serial(authority, "auth.example.test")
        try authority.replaceZones([try auth()])
        #expect(try serial(authority, "auth.example.test") == before)
        #expect(try Client(authority: authority).ask(label, .txt, now: now).responseCode == .noError)
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
