import DNSWire
import Synchronization
import Testing

@testable import DNSReplication

/// Acknowledgements wait for every secondary carrying the zone, and no longer than their bound.
@Suite struct ReplicationStatusTests {
    static let apex: DNSName = "auth.example.test"
    static let first = Secondary(address: "192.0.2.1")
    static let second = Secondary(address: "192.0.2.2")
    static let elsewhere = Secondary(address: "192.0.2.3", zones: ["other.test"])

    /// Timeouts that fire when the test says, not on a clock.
    final class ManualTimeouts: Sendable {
        private struct Timeout {
            var action: @Sendable () -> Void
            var done = false
            var cancelled = false
        }

        private let timeouts = Mutex<[Timeout]>([])
        private let (scheduledEvents, scheduledSink) = AsyncStream.makeStream(of: Void.self)

        var scheduler: ReplicationStatus.TimeoutScheduler {
            { _, action in
                let index = self.timeouts.withLock { timeouts in
                    timeouts.append(Timeout(action: action))
                    return timeouts.count - 1
                }
                self.scheduledSink.yield()
                return {
                    self.timeouts.withLock { timeouts in
                        if !timeouts[index].done { (timeouts[index].done, timeouts[index].cancelled) = (true, true) }
                    }
                }
            }
        }

        /// Waits until a timeout has been scheduled.
        func nextScheduled() async {
            var events = scheduledEvents.makeAsyncIterator()
            _ = await events.next()
        }

        var scheduled: Int { timeouts.withLock { $0.count } }
        var cancelled: Int { timeouts.withLock { $0.filter(\.cancelled).count } }
        var pending: Int { timeouts.withLock { $0.filter { !$0.done }.count } }

        /// Fires every timeout neither fired nor cancelled.
        func fire() {
            let actions = timeouts.withLock { timeouts in
                timeouts.indices.filter { !timeouts[$0].done }.map { index in
                    timeouts[index].done = true
                    return timeouts[index].action
                }
            }
            for action in actions { action() }
        }
    }

    static func status(timeouts: ManualTimeouts = ManualTimeouts()) -> ReplicationStatus {
        ReplicationStatus(
            secondaries: [first, second, elsewhere], fileZones: { [apex] }, scheduleTimeout: timeouts.scheduler)
    }

    /// The wait ends when the last carrier confirms, and its timeout is cancelled then: at
    /// thousands of acknowledgements a second, timers left to run out would pile up.
    @Test func theWaitEndsWhenEveryCarrierServesTheSerialAndItsTimeoutIsCancelled() async throws {
        let timeouts = ManualTimeouts()
        let status = Self.status(timeouts: timeouts)
        #expect(status.carriers(of: Self.apex) == [Self.first, Self.second])
        status.confirm(Self.first, apex: Self.apex, serial: 10)
        let waiting = Task { await status.waitUntilServed(apex: Self.apex, serial: 10, timeout: .seconds(60)) }
        await timeouts.nextScheduled()
        // A newer serial serves the change too (RFC 1982).
        status.confirm(Self.second, apex: Self.apex, serial: 11)
        #expect(await waiting.value.isEmpty)
        #expect(status.states.allSatisfy { $0.lateAcknowledgements == 0 })
        #expect(timeouts.scheduled == 1)
        #expect(timeouts.cancelled == 1)
        #expect(timeouts.pending == 0)
    }

    @Test func pastTheBoundTheLaggingSecondaryIsNamedAndCounted() async throws {
        let timeouts = ManualTimeouts()
        let status = Self.status(timeouts: timeouts)
        status.confirm(Self.first, apex: Self.apex, serial: 10)
        status.confirm(Self.second, apex: Self.apex, serial: 9)
        let waiting = Task { await status.waitUntilServed(apex: Self.apex, serial: 10, timeout: .seconds(5)) }
        await timeouts.nextScheduled()
        timeouts.fire()
        #expect(await waiting.value == [Self.second])
        #expect(status.states.first { $0.secondary == Self.second }?.lateAcknowledgements == 1)
        #expect(status.states.first { $0.secondary == Self.first }?.lateAcknowledgements == 0)
        #expect(timeouts.cancelled == 0)
    }

    /// The public initializer times waits on NIO's event loops.
    @Test func byDefaultTheBoundIsTimedOnAnEventLoop() async throws {
        let status = ReplicationStatus(secondaries: [Self.first], fileZones: { [Self.apex] })
        #expect(await status.waitUntilServed(apex: Self.apex, serial: 10, timeout: .milliseconds(10)) == [Self.first])
    }

    @Test func aZoneNoSecondaryCarriesIsNotWaitedFor() async throws {
        let status = Self.status()
        #expect(await status.waitUntilServed(apex: "_acme-challenge.x.test", serial: 1, timeout: .seconds(60)).isEmpty)
    }
}
