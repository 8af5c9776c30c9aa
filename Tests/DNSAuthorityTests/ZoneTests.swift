import DNSAuthority
import DNSWire
import Testing

/// Load-time checks on zone contents (RFC 1034 §3.6.2, §4.2.1; RFC 1035 §5.2; RFC 2181 §10.1).
@Suite struct ZoneTests {
    let apex: DNSName = "zone.test"
    var base: [DNSRecord] {
        [TestZones.record(apex, TestZones.soa()), TestZones.record(apex, TestZones.ns("ns.zone.test"))]
    }

    func expectError(_ code: ZoneError.Code, _ records: [DNSRecord]) {
        #expect(throws: ZoneError(code, zone: apex)) { try Zone(apex: apex, records: records) }
    }

    @Test func validZoneLoads() throws {
        let zone = try Zone(apex: apex, records: base + [TestZones.record("a.zone.test", TestZones.a("192.0.2.1"))])
        #expect(zone.serial == 1)
        #expect(zone.records.count == 3)
        #expect(zone.records.first?.type == .soa)
    }

    @Test func missingSOAIsRefused() {
        expectError(.missingSOA, [TestZones.record(apex, TestZones.ns("ns.zone.test"))])
    }

    @Test func missingNSIsRefused() {
        expectError(.missingNS, [TestZones.record(apex, TestZones.soa())])
    }

    @Test func secondSOAIsRefused() {
        expectError(.multipleSOA, base + [TestZones.record(apex, TestZones.soa(serial: 2))])
        expectError(.soaNotAtApex, base + [TestZones.record("x.zone.test", TestZones.soa())])
    }

    @Test func cnameBesideOtherDataIsRefused() {
        expectError(
            .cnameAndOtherData,
            base + [
                TestZones.record("c.zone.test", TestZones.cname("x.zone.test")),
                TestZones.record("c.zone.test", TestZones.txt("other")),
            ])
        expectError(
            .multipleCNAME,
            base + [
                TestZones.record("c.zone.test", TestZones.cname("x.zone.test")),
                TestZones.record("c.zone.test", TestZones.cname("y.zone.test")),
            ])
        expectError(.cnameAndOtherData, base + [TestZones.record(apex, TestZones.cname("x.zone.test"))])
    }

    @Test func outOfZoneDataIsRefused() {
        expectError(.outOfZone, base + [TestZones.record("www.other.test", TestZones.a("192.0.2.1"))])
        expectError(.outOfZone, base + [TestZones.record("xzone.test", TestZones.a("192.0.2.1"))])
    }

    @Test func otherClassesAreRefused() {
        expectError(.unsupportedClass, base + [DNSRecord(name: apex, class: .chaos, ttl: 0, rdata: TestZones.txt("x"))])
    }

    @Test func dataBelowACutMustBeGlue() {
        let delegation = base + [TestZones.record("kid.zone.test", TestZones.ns("ns.kid.zone.test"))]
        #expect(throws: Never.self) {
            try Zone(apex: apex, records: delegation + [TestZones.record("ns.kid.zone.test", TestZones.a("192.0.2.1"))])
        }
        expectError(.occludedData, delegation + [TestZones.record("www.kid.zone.test", TestZones.txt("hidden"))])
        expectError(.occludedData, delegation + [TestZones.record("kid.zone.test", TestZones.txt("hidden"))])
    }

    @Test func duplicateRecordsCollapseAndRRsetTTLIsTheSmallest() throws {
        let zone = try Zone(
            apex: apex,
            records: base + [
                TestZones.record("a.zone.test", TestZones.a("192.0.2.1"), ttl: 300),
                TestZones.record("a.zone.test", TestZones.a("192.0.2.1"), ttl: 300),
                TestZones.record("a.zone.test", TestZones.a("192.0.2.2"), ttl: 100),
            ])
        let addresses = zone.records.filter { $0.name == "a.zone.test" }
        #expect(addresses.count == 2)
        #expect(addresses.allSatisfy { $0.ttl == 100 })
    }

    @Test func errorDescriptionNamesFileAndLine() {
        let error = ZoneError(
            .cnameAndOtherData, zone: apex, name: "c.zone.test", file: "zones/zone.test.zone", line: 7)
        #expect(error.description == "zones/zone.test.zone:7: CNAME beside other data (c.zone.test.)")
    }

    @Test func synthesizedZoneHasSOAAndNS() {
        let zone = Zone.synthesized(apex: "_acme-challenge.example.com", identity: TestZones.identity, serial: 9)
        #expect(zone.records.map(\.type) == [.soa, .ns, .ns])
        #expect(zone.serial == 9)
    }
}
