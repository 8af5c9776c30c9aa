import DNSWire
import Testing

@testable import DNSAuthority

/// The catalog zone (RFC 9432) the authority keeps when one is configured: every other zone as a
/// member, its serial advancing exactly when the membership changes, through synthesized zones
/// coming and going, reloads and restores.
@Suite struct CatalogZoneTests {
    static let catalog: DNSName = "catalog.cairn.invalid"
    let owner = ChallengeOwner(rawValue: "token:1")
    let now = UnixTime(secondsSinceEpoch: 1_800_000_000)

    func makeAuthority() throws -> Authority {
        try Authority(
            zones: [try TestZones.example(), try TestZones.child()],
            configuration: AuthorityConfiguration(catalogZone: Self.catalog))
    }

    /// The members named by the catalog's PTR records, each under its stable label.
    static func members(_ authority: Authority) throws -> [DNSName: DNSName] {
        let zone = try #require(authority.zone(at: catalog))
        var members: [DNSName: DNSName] = [:]
        for record in zone.records {
            if case .ptr(let ptr) = record.rdata { members[ptr.target] = record.name }
        }
        return members
    }

    static func serial(_ authority: Authority) throws -> UInt32 { try #require(authority.zone(at: catalog)).serial }

    func value(_ text: String) -> ChallengeValue {
        ChallengeValue(text, ttl: 60, expires: now.adding(seconds: 3600))
    }

    @Test func listsEveryZoneWithTheSchemaVersionAndStableLabels() throws {
        let authority = try makeAuthority()
        let members = try Self.members(authority)
        #expect(Set(members.keys) == ["example.test", "child.example.test"])
        let label = CatalogZone.memberLabel("example.test")
        #expect(members["example.test"] == (try DNSName("\(label).zones.catalog.cairn.invalid")))
        #expect(CatalogZone.memberLabel("EXAMPLE.test") == label)
        #expect(label.count == 32 && label.allSatisfy(\.isHexDigit))
        let zone = try #require(authority.zone(at: Self.catalog))
        #expect(
            zone.records.contains { $0.name == "version.catalog.cairn.invalid" && $0.rdata == .txt(DNSRData.TXT("2")) })
        // Not a static zone: a secondary that names no zones is not sent its NOTIFYs.
        #expect(!authority.staticZoneApexes.contains(Self.catalog))
        #expect(authority.staticZoneApexes == ["example.test", "child.example.test"])
    }

    /// The release comes as the store sends it (a name nobody owns has no kind, so it does not
    /// say it was a zone's apex) or marked as an apex: either way the zone leaves the catalog.
    @Test(arguments: [false, true])
    func aSynthesizedZoneJoinsAndLeavesWithOneSerialStepEach(releaseMarksTheApex: Bool) throws {
        let authority = try makeAuthority()
        let first = try Self.serial(authority)
        let apex: DNSName = "_acme-challenge.customer.test"
        #expect(
            authority.apply(
                [ChallengeState(name: apex, owner: owner, isZoneApex: true)], identity: TestZones.identity, now: now
            ).isEmpty)
        #expect(try Self.members(authority).keys.contains(apex))
        #expect(try Self.serial(authority) == first &+ 1)

        // Values published in member zones leave the catalog alone.
        try authority.publish(value("digest"), at: apex, owner: owner)
        _ = try authority.withdraw(text: Array("digest".utf8), at: apex, owner: owner)
        #expect(try Self.serial(authority) == first &+ 1)

        #expect(
            authority.apply(
                [ChallengeState(name: apex, owner: nil, isZoneApex: releaseMarksTheApex)], identity: TestZones.identity,
                now: now
            ).isEmpty)
        #expect(authority.zone(at: apex) == nil)
        #expect(try !Self.members(authority).keys.contains(apex))
        #expect(try Self.serial(authority) == first &+ 2)
    }

    @Test func aReloadKeepsTheCatalogAndItsSerialAdvances() throws {
        let authority = try makeAuthority()
        let first = try Self.serial(authority)
        try authority.replaceZones([try TestZones.example()])
        #expect(Set(try Self.members(authority).keys) == ["example.test"])
        #expect(SerialNumber.isGreater(try Self.serial(authority), than: first))
        let second = try Self.serial(authority)
        try authority.addZone(try TestZones.child())
        #expect(Set(try Self.members(authority).keys) == ["example.test", "child.example.test"])
        #expect(try Self.serial(authority) == second &+ 1)
        #expect(try authority.removeZone(at: "child.example.test"))
        #expect(Set(try Self.members(authority).keys) == ["example.test"])
    }

    @Test func aRestoreOfManyChallengeZonesListsThemAll() throws {
        let authority = try makeAuthority()
        let states = try (0..<500).map { index in
            ChallengeState(
                name: try DNSName("_acme-challenge.d\(index).customer.test"), owner: owner, isZoneApex: true,
                values: [value("v\(index)")])
        }
        let failures = try authority.reconcile(staticZones: nil, states: states, identity: TestZones.identity, now: now)
        #expect(failures.isEmpty)
        let members = try Self.members(authority)
        #expect(members.count == 502)
        #expect(states.allSatisfy { members[$0.name] != nil })
        // The catalog is served like any zone (a consumer asks its SOA before transferring).
        let client = Client(authority: authority)
        #expect(try client.ask(Self.catalog, .soa, now: now).answers.count == 1)
    }

    @Test func noCatalogUnlessConfigured() throws {
        let authority = try Authority(zones: [try TestZones.example()])
        #expect(authority.zone(at: Self.catalog) == nil)
        #expect(authority.zoneApexes == ["example.test"])
    }
}
