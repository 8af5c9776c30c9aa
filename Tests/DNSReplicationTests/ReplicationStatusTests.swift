import DNSWire
import Testing

@testable import DNSReplication

/// Acknowledgements wait for every secondary carrying the zone, and no longer than their bound.
@Suite struct ReplicationStatusTests {
    static let apex: DNSName = "auth.example.test"
    static let first = Secondary(address: "192.0.2.1")
    static let second = Secondary(address: "192.0.2.2")
    static let elsewhere = Secondary(address: "192.0.2.3", zones: ["other.test"])

    static func status() -> ReplicationStatus {
        ReplicationStatus(secondaries: [first, second, elsewhere], fileZones: { [apex] })
    }

    @Test func theWaitEndsWhenEveryCarrierServesTheSerial() async throws {
        let status = Self.status()
        #expect(status.carriers(of: Self.apex) == [Self.first, Self.second])
        status.confirm(Self.first, apex: Self.apex, serial: 10)
        let waiting = Task { await status.waitUntilServed(apex: Self.apex, serial: 10, timeout: .seconds(60)) }
        // A newer serial serves the change too (RFC 1982).
        status.confirm(Self.second, apex: Self.apex, serial: 11)
        #expect(await waiting.value.isEmpty)
        #expect(status.states.allSatisfy { $0.lateAcknowledgements == 0 })
    }

    @Test func pastTheBoundTheLaggingSecondaryIsNamedAndCounted() async throws {
        let status = Self.status()
        status.confirm(Self.first, apex: Self.apex, serial: 10)
        status.confirm(Self.second, apex: Self.apex, serial: 9)
        let late = await status.waitUntilServed(apex: Self.apex, serial: 10, timeout: .milliseconds(10))
        #expect(late == [Self.second])
        #expect(status.states.first { $0.secondary == Self.second }?.lateAcknowledgements == 1)
        #expect(status.states.first { $0.secondary == Self.first }?.lateAcknowledgements == 0)
    }

    @Test func aZoneNoSecondaryCarriesIsNotWaitedFor() async throws {
        let status = Self.status()
        #expect(await status.waitUntilServed(apex: "_acme-challenge.x.test", serial: 1, timeout: .seconds(60)).isEmpty)
    }
}
