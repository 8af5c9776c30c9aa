import NIOCore
import NIOEmbedded
import Testing

@testable import DNSServer

/// The TCP connection caps on channels the test makes and a clock it sets: per prefix always,
/// and in total unless a connection has been idle long enough to be closed for the newcomer.
@Suite struct TCPConnectionLimiterTests {
    static let start = NIODeadline.uptimeNanoseconds(10_000_000_000)

    static func channel(_ address: String) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let remote = try SocketAddress(ipAddress: address, port: 40000)
        try channel.connect(to: remote).wait()
        channel.remoteAddress = remote
        return channel
    }

    static func limiter(maximum: Int, perPrefix: Int) -> TCPConnectionLimiter {
        TCPConnectionLimiter(
            configuration: DNSServerConfiguration.TCP(
                maximumConnections: maximum, maximumConnectionsPerPrefix: perPrefix))
    }

    @Test func atTheCapTheConnectionIdleLongestIsClosedForTheNewOne() throws {
        let limiter = Self.limiter(maximum: 3, perPrefix: 2)
        let idle = try Self.channel("192.0.2.1")
        let busy = try Self.channel("192.0.3.1")
        let other = try Self.channel("192.0.4.1")
        let idleSlot = try #require(limiter.admit(idle, now: Self.start))
        let busySlot = try #require(limiter.admit(busy, now: Self.start))
        _ = try #require(limiter.admit(other, now: Self.start + .milliseconds(200)))
        // Full, and nobody idle for a second yet: refused.
        #expect(limiter.admit(try Self.channel("198.51.100.1"), now: Self.start + .milliseconds(900)) == nil)
        #expect(idle.isActive)

        busySlot.noteActivity(now: Self.start + .milliseconds(1500))
        let newcomer = try Self.channel("198.51.100.2")
        let admitted = try #require(limiter.admit(newcomer, now: Self.start + .seconds(2)))
        #expect(!idle.isActive, "the connection idle longest was not closed")
        #expect(busy.isActive && other.isActive)
        #expect(limiter.openConnections == 3)
        // Its own close gives nothing back twice.
        limiter.release(idleSlot)
        #expect(limiter.openConnections == 3)
        limiter.release(admitted)
        #expect(limiter.openConnections == 2)
    }

    @Test func thePerPrefixCapIsNeverLifted() throws {
        let limiter = Self.limiter(maximum: 10, perPrefix: 2)
        _ = try #require(limiter.admit(try Self.channel("192.0.2.1"), now: Self.start))
        _ = try #require(limiter.admit(try Self.channel("192.0.2.2"), now: Self.start))
        #expect(limiter.admit(try Self.channel("192.0.2.3"), now: Self.start + .seconds(60)) == nil)
        #expect(limiter.admit(try Self.channel("192.0.3.3"), now: Self.start + .seconds(60)) != nil)
    }
}
