import DNSWire
import Foundation
import Testing

@testable import DNSAuthority

/// The filter of possible zone apexes the answer path consults before looking a suffix of a
/// query name up in the zone map.
@Suite struct ApexFilterTests {
    static func zone(_ apex: DNSName) -> Zone { .synthesized(apex: apex, identity: TestZones.identity, serial: 1) }

    static func passes(_ name: DNSName, _ filter: ApexFilter) -> Bool {
        ApexFilter.mayBeApex(name, labelCount: name.labelCount, masks: filter.masks)
    }

    @Test func everyApexPassesInAnyCase() throws {
        let apexes: [DNSName] = [
            "auth.example.test", "_acme-challenge.www.example.test", "example.test", "a.b.c.d.e.f.example.test",
        ]
        let filter = ApexFilter(apexes.map(Self.zone))
        for apex in apexes {
            #expect(Self.passes(apex, filter), "\(apex)")
            #expect(Self.passes(try DNSName(apex.description.uppercased()), filter), "\(apex) upper-cased")
        }
        #expect(Self.passes(.root, filter) == false)
        #expect(Self.passes(.root, ApexFilter([Self.zone(.root)])))
    }

    /// The auth zone's names have as many labels as the challenge zones' apexes below the same
    /// domain: with the first label's digest, nearly all of them skip the zone map (the label
    /// count alone let every one through).
    @Test func namesOfAnApexesLabelCountButAnotherFirstLabelMostlyFail() {
        let filter = ApexFilter((0..<1000).map { Self.zone(try! DNSName("_acme-challenge.d\($0).example.test")) })
        let names = (0..<1000).map { _ in try! DNSName("\(UUID().uuidString.lowercased()).auth.example.test") }
        let passed = names.filter { Self.passes($0, filter) }.count
        #expect(passed < 100, "\(passed) of 1,000 passed")
        #expect(Self.passes("_acme-challenge.other.example.test", filter))
    }

    @Test func anApexFailsOnceEveryZoneOfItsShapeIsRemoved() {
        let first = Self.zone("_acme-challenge.one.example.test")
        let second = Self.zone("_acme-challenge.two.example.test")
        var filter = ApexFilter([first, second])
        filter.remove(first)
        #expect(Self.passes(first.apex, filter), "the second zone has the same shape")
        filter.remove(second)
        #expect(Self.passes(first.apex, filter) == false)
        #expect(filter.masks.allSatisfy { $0 == 0 })
        filter.remove(second)
        #expect(filter.masks.allSatisfy { $0 == 0 }, "removing again changes nothing")
    }
}
