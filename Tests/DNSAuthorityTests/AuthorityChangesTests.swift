import DNSAuthority
import DNSWire
import Testing

/// What ``Authority/changes()`` tells its readers: the zones each change touched (added, removed
/// or their serial advanced), merged while the reader is busy, and "every zone" after a rebuild;
/// what lets the NOTIFY service look at the zones a change touched instead of every zone served.
@Suite struct AuthorityChangesTests {
    static let catalog: DNSName = "catalog.cairn.invalid"
    let owner = ChallengeOwner(rawValue: "token:1")
    let now = UnixTime(secondsSinceEpoch: 1_800_000_000)

    func makeAuthority(catalog: Bool = false) throws -> Authority {
        try Authority(
            zones: [try TestZones.example(), try TestZones.child()],
            configuration: AuthorityConfiguration(catalogZone: catalog ? Self.catalog : nil))
    }

    func value(_ text: String, lifetime: Int64 = 3600) -> ChallengeValue {
        ChallengeValue(text, ttl: 60, expires: now.adding(seconds: lifetime))
    }

    @Test func aChangeNamesTheZoneItTouched() async throws {
        let authority = try makeAuthority()
        var changes = authority.changes().makeAsyncIterator()
        try authority.claim("_acme-challenge.www.example.test", owner: owner)
        #expect(await changes.next() == .zones(["example.test"]))
        try authority.publish(value("a"), at: "_acme-challenge.www.example.test", owner: owner)
        #expect(await changes.next() == .zones(["example.test"]))
    }

    /// Changes made while the reader is busy come as one element naming every zone they touched.
    @Test func aBurstIsMergedIntoOneElement() async throws {
        let authority = try makeAuthority()
        var changes = authority.changes().makeAsyncIterator()
        for index in 0..<20 {
            try authority.claim(DNSName("_acme-challenge.h\(index).example.test"), owner: owner)
        }
        try authority.claim("_acme-challenge.x.child.example.test", owner: owner)
        #expect(await changes.next() == .zones(["example.test", "child.example.test"]))
        // Nothing more was pending: the next element is the next change's.
        try authority.release("_acme-challenge.x.child.example.test", owner: owner)
        #expect(await changes.next() == .zones(["child.example.test"]))
    }

    /// A challenge zone synthesized and dropped is named, and with a catalog the catalog too (its
    /// membership changed); values published at a name in it name that zone alone.
    @Test(arguments: [false, true])
    func aSynthesizedZoneAndTheCatalogAreNamed(catalog: Bool) async throws {
        let authority = try makeAuthority(catalog: catalog)
        var changes = authority.changes().makeAsyncIterator()
        let apex: DNSName = "_acme-challenge.customer.test"
        let withCatalog: Set<DNSName> = catalog ? [apex, Self.catalog] : [apex]
        #expect(
            authority.apply(
                [ChallengeState(name: apex, owner: owner, isZoneApex: true)], identity: TestZones.identity, now: now
            )
            .isEmpty)
        #expect(await changes.next() == .zones(withCatalog))
        #expect(
            authority.apply(
                [ChallengeState(name: apex, owner: owner, isZoneApex: true, values: [value("v")])],
                identity: TestZones.identity, now: now
            ).isEmpty)
        #expect(await changes.next() == .zones([apex]))
        #expect(
            authority.apply([ChallengeState(name: apex, owner: nil)], identity: TestZones.identity, now: now).isEmpty)
        #expect(await changes.next() == .zones(withCatalog))
    }

    @Test func anExpirySweepNamesTheZonesOfTheValuesItRemoved() async throws {
        let authority = try makeAuthority()
        try authority.claim("_acme-challenge.a.child.example.test", owner: owner)
        try authority.publish(value("short", lifetime: 10), at: "_acme-challenge.a.child.example.test", owner: owner)
        try authority.claim("_acme-challenge.b.example.test", owner: owner)
        try authority.publish(value("long"), at: "_acme-challenge.b.example.test", owner: owner)
        var changes = authority.changes().makeAsyncIterator()
        #expect(authority.removeExpiredValues(now: now.adding(seconds: 60)) == 1)
        #expect(await changes.next() == .zones(["child.example.test"]))
    }

    /// A reload or a restore rebuilds every zone: the reader is told to look at all of them.
    @Test func aRebuildNamesEveryZone() async throws {
        let authority = try makeAuthority()
        var changes = authority.changes().makeAsyncIterator()
        try authority.replaceZones([try TestZones.example(serial: 2), try TestZones.child()])
        #expect(await changes.next() == .all)
        try authority.claim("_acme-challenge.www.example.test", owner: owner)
        try authority.reconcile(staticZones: nil, states: [], identity: nil, now: now)
        #expect(await changes.next() == .all)
    }

    @Test func mergingKeepsEveryZoneAndAllWins() {
        var changed = ChangedZones.zones(["a.test"])
        changed.formUnion(.zones(["b.test"]))
        #expect(changed == .zones(["a.test", "b.test"]))
        #expect(changed.union(.all) == .all)
        #expect(ChangedZones.all.union(.zones(["c.test"])) == .all)
    }
}
