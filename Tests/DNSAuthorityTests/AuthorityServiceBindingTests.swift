import DNSAuthority
import DNSWire
import Testing

/// Additional-section processing for SVCB and HTTPS answers (RFC 9460 §4.1): the addresses
/// and same-type RRset of every in-zone TargetName, `.` standing for the owner in ServiceMode.
@Suite struct AuthorityServiceBindingTests {
    let client: Client

    /// SVCB or HTTPS RDATA as it travels (RFC 9460 §2.2): SvcPriority, TargetName, SvcParams.
    static func binding(
        _ type: DNSRecordType, _ priority: UInt16, _ target: DNSName, params: [UInt8] = alpnH2
    ) -> DNSRData {
        .opaque(
            DNSRData.Opaque(
                type: type, bytes: [UInt8(priority >> 8), UInt8(priority & 0xFF)] + target.wireBytes + params))
    }

    /// `alpn=h2` (RFC 9460 §7.1.1): key 1, length 3, one 2-octet ALPN ID.
    static let alpnH2: [UInt8] = [0, 1, 0, 3, 2] + Array("h2".utf8)

    init() throws {
        let zone = try Zone(
            apex: "svc.test",
            records: [
                TestZones.record("svc.test", TestZones.soa()),
                TestZones.record("svc.test", TestZones.ns("ns1.svc.test")),
                TestZones.record("ns1.svc.test", TestZones.a("192.0.2.1")),
                TestZones.record("www.svc.test", Self.binding(.https, 1, .root)),
                TestZones.record("www.svc.test", TestZones.a("192.0.2.10")),
                TestZones.record("www.svc.test", TestZones.aaaa("2001:db8::10")),
                TestZones.record("alias.svc.test", Self.binding(.https, 0, "www.svc.test", params: [])),
                TestZones.record("gone.svc.test", Self.binding(.https, 0, .root, params: [])),
                TestZones.record("gone.svc.test", TestZones.a("192.0.2.11")),
                TestZones.record("multi.svc.test", Self.binding(.https, 1, "a.svc.test")),
                TestZones.record("multi.svc.test", Self.binding(.https, 2, "b.svc.test")),
                TestZones.record("multi.svc.test", Self.binding(.https, 3, "A.svc.test", params: [])),
                TestZones.record("a.svc.test", TestZones.a("192.0.2.21")),
                TestZones.record("b.svc.test", TestZones.aaaa("2001:db8::22")),
                TestZones.record("_dns.svc.test", Self.binding(.svcb, 1, "www.svc.test")),
                TestZones.record("out.svc.test", Self.binding(.https, 1, "www.elsewhere.invalid")),
                TestZones.record("broken.svc.test", .opaque(DNSRData.Opaque(type: .https, bytes: [0, 1, 3, 0x77]))),
            ])
        client = Client(authority: try Authority(zones: [zone]))
    }

    @Test func serviceModeDotTargetAddsTheOwnersAddresses() throws {
        // RFC 9460 §2.5.2: TargetName "." in ServiceMode is the owner name.
        let response = try client.ask("www.svc.test", .https)
        #expect(response.answerTypes == [.https])
        #expect(Set(response.additional.map(\.rdata)) == [TestZones.a("192.0.2.10"), TestZones.aaaa("2001:db8::10")])
        #expect(response.additional.allSatisfy { $0.name == "www.svc.test" })
    }

    @Test func aliasModeTargetAddsItsAddressesAndItsHTTPSRRset() throws {
        // RFC 9460 §4.1: A, AAAA and SVCB (here HTTPS) records of the target; Knot adds the same.
        let response = try client.ask("alias.svc.test", .https)
        #expect(response.answerTypes == [.https])
        #expect(response.additional.allSatisfy { $0.name == "www.svc.test" })
        #expect(response.additionalTypes.sorted() == [.a, .aaaa, .https])
    }

    @Test func aliasModeDotTargetAddsNothing() throws {
        // RFC 9460 §2.5.1: AliasMode "." says the service does not exist.
        let response = try client.ask("gone.svc.test", .https)
        #expect(response.answerTypes == [.https])
        #expect(response.additional.isEmpty)
    }

    @Test func eachTargetIsAddedOnce() throws {
        let response = try client.ask("multi.svc.test", .https)
        #expect(response.answers.count == 3)
        // a.svc.test is the target of two records (once as A.svc.test): its A comes once.
        #expect(response.additional.count == 2)
        #expect(Set(response.additional.map(\.rdata)) == [TestZones.a("192.0.2.21"), TestZones.aaaa("2001:db8::22")])
    }

    @Test func svcbAddsTheTargetsSVCBNotItsHTTPS() throws {
        let response = try client.ask("_dns.svc.test", .svcb)
        #expect(response.answerTypes == [.svcb])
        #expect(response.additionalTypes.sorted() == [.a, .aaaa])
    }

    @Test(arguments: ["out.svc.test", "broken.svc.test"] as [DNSName])
    func targetsOutsideTheZoneOrUnreadableAddNothing(name: DNSName) throws {
        let response = try client.ask(name, .https)
        #expect(response.answerTypes == [.https])
        #expect(response.additional.isEmpty)
    }
}
