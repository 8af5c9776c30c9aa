import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import HookAPI

/// How a request's client is resolved from the peer and the forwarding headers.
@Suite struct RequestSourceTests {
    static let loopback = IPAddress("127.0.0.1")!
    static let remote = IPAddress("198.51.100.7")!

    static func resolve(
        _ peer: IPAddress, _ chain: [String], forwarding: Bool? = nil, trusted: [IPNetwork] = []
    ) -> RequestSource {
        RequestSource.resolve(
            peer: peer, chain: chain, forwarding: forwarding ?? !chain.isEmpty, trustedProxies: trusted)
    }

    @Test func aPeerThatForwardsNothingIsTheClient() {
        #expect(Self.resolve(Self.loopback, []) == RequestSource(address: Self.loopback, countedAs: Self.loopback))
        #expect(Self.resolve(Self.remote, []) == RequestSource(address: Self.remote, countedAs: Self.remote))
    }

    @Test func aRemoteUntrustedPeerIsTheClientWhateverItForwards() {
        let source = Self.resolve(Self.remote, ["127.0.0.1"])
        #expect(source == RequestSource(address: Self.remote, countedAs: Self.remote))
    }

    @Test func anUntrustedProxyOnThisHostGrantsNothingAndCountsItsClientsApart() {
        let source = Self.resolve(Self.loopback, ["10.0.0.1", "203.0.113.9"])
        #expect(source.address == nil)
        #expect(source.countedAs == IPAddress("203.0.113.9"))
        #expect(source.untrustedProxy == Self.loopback)
        #expect("\(source)" == "203.0.113.9 via untrusted proxy 127.0.0.1")
        // Only `Forwarded` without a usable `for=`: counted as the proxy.
        let hidden = Self.resolve(Self.loopback, ["_hidden"])
        #expect(hidden == RequestSource(address: nil, countedAs: Self.loopback, untrustedProxy: Self.loopback))
        let noFor = Self.resolve(Self.loopback, [], forwarding: true)
        #expect(noFor.address == nil)
        #expect("\(noFor)" == "? via untrusted proxy 127.0.0.1")
    }

    @Test func aTrustedProxysRightMostUntrustedEntryIsTheClient() {
        let trusted = [IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!]
        let client = IPAddress("203.0.113.9")!
        #expect(
            Self.resolve(Self.loopback, ["192.0.2.66", "203.0.113.9", "10.1.1.1"], trusted: trusted)
                == RequestSource(address: client, countedAs: client))
        // Every hop trusted: the left-most is the client.
        let hop = IPAddress("10.1.1.1")!
        #expect(
            Self.resolve(Self.loopback, ["10.1.1.1"], trusted: trusted) == RequestSource(address: hop, countedAs: hop))
    }

    @Test func anEntryThatIsNotAnAddressIsCountedAsTheProxyThatWroteIt() {
        let trusted = [IPNetwork("127.0.0.1")!, IPNetwork("10.0.0.0/8")!]
        #expect(
            Self.resolve(Self.loopback, ["203.0.113.9", "garbage"], trusted: trusted)
                == RequestSource(address: nil, countedAs: Self.loopback))
        let hop = IPAddress("10.1.1.1")!
        let source = Self.resolve(Self.loopback, ["unknown", "10.1.1.1"], trusted: trusted)
        #expect(source == RequestSource(address: nil, countedAs: hop))
        #expect("\(source)" == "? via 10.1.1.1")
    }

    @Test func forwardedHeadersParse() {
        #expect(
            RequestSource.forwardedFor([
                "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";proto=https", "By=x;For=\"_hidden\"",
                "proto=http;by=\"a,b\"",
            ]) == ["192.0.2.43", "\"[2001:db8:cafe::17]:4711\"", "\"_hidden\""])
        #expect(
            RequestSource.forwardedForEntries(["192.0.2.1, 10.0.0.1", " ::1 "]) == ["192.0.2.1", "10.0.0.1", "::1"])
        #expect(IPAddress(forwarded: "\"[2001:db8:cafe::17]:4711\"") == IPAddress("2001:db8:cafe::17"))
        #expect(IPAddress(forwarded: "192.0.2.43:47011") == IPAddress("192.0.2.43"))
        #expect(IPAddress(forwarded: "[::1]") == IPAddress("::1"))
        #expect(IPAddress(forwarded: "2001:db8::1") == IPAddress("2001:db8::1"))
        for bad in ["unknown", "_hidden", "192.0.2.43:", "192.0.2.43:http", "[::1]x", "\"", ""] {
            #expect(IPAddress(forwarded: bad) == nil, "\(bad)")
        }
        #expect(IPAddress("127.8.9.10")!.isLoopback)
        #expect(IPAddress("::ffff:127.0.0.1")!.isLoopback)
        #expect(!IPAddress("::2")!.isLoopback)
    }
}

/// The per-minute counters behind the failure limit and the register limit, on an injected clock.
@Suite struct MinuteLimitTests {
    @Test func theRateLimiterCountsPerKeyInOneMinuteWindowsAndSaysWhenItCloses() {
        let limiter = MinuteRateLimiter(perMinute: 2)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let source = MinuteRateLimiter.source(IPAddress("192.0.2.1")!)
        #expect(limiter.admit(source, now: start) == nil)
        #expect(limiter.admit(source, now: start + .seconds(30)) == nil)
        // Refused until the window opened by the first event closes, a minute after it.
        #expect(limiter.admit(source, now: start + .seconds(59)) == .seconds(1))
        #expect(limiter.admit(source, now: start + .seconds(45)) == .seconds(15))
        #expect(limiter.admit(MinuteRateLimiter.source(IPAddress("192.0.2.2")!), now: start + .seconds(59)) == nil)
        #expect(limiter.admit(source, now: start + .seconds(60)) == nil)
        #expect(MinuteRateLimiter.source(IPAddress("2001:db8:1:2:3:4:5:6")!) == "2001:db8:1:2::/64")
        #expect(MinuteRateLimiter.source(IPAddress("::ffff:192.0.2.1")!) == "192.0.2.1")
        #expect(MinuteRateLimiter.source(nil) == "unknown")
    }

    @Test func aRateLimitedResponseCarriesRetryAfterInWholeSecondsRoundedUp() {
        #expect(HookResponse.tooMany("x", retryAfter: .milliseconds(1)).headers[.retryAfter] == "1")
        #expect(HookResponse.tooMany("x", retryAfter: .zero).headers[.retryAfter] == "1")
        #expect(HookResponse.tooMany("x", retryAfter: .milliseconds(59_001)).headers[.retryAfter] == "60")
        #expect(HookResponse.tooMany("x", retryAfter: .seconds(7)).headers[.retryAfter] == "7")
        #expect(HookResponse.tooMany("x", retryAfter: .seconds(7)).status.code == 429)
    }

    @Test func theFailureLimiterRefusesOnlyPastTheLimitAndForgetsAfterAMinute() {
        let limiter = AuthFailureLimiter(failuresPerMinute: 2)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        let address = IPAddress("192.0.2.1")!
        limiter.recordFailure(address, credential: "user-a", now: start)
        #expect(!limiter.isBlocked(address, credential: nil, now: start))
        limiter.recordFailure(nil, credential: "user-a", now: start + .seconds(1))
        #expect(limiter.isBlocked(nil, credential: "user-a", now: start + .seconds(1)))
        #expect(limiter.isBlocked(address, credential: "user-a", now: start + .seconds(1)))
        #expect(!limiter.isBlocked(address, credential: "user-b", now: start + .seconds(1)))
        // How long: until the later window of the address and the credential closes.
        #expect(limiter.blockedFor(nil, credential: "user-a", now: start + .seconds(20)) == .seconds(40))
        #expect(limiter.blockedFor(address, credential: nil, now: start + .seconds(20)) == nil)
        limiter.recordFailure(address, credential: nil, now: start + .seconds(30))
        #expect(limiter.blockedFor(address, credential: "user-b", now: start + .seconds(30)) == .seconds(30))
        #expect(!limiter.isBlocked(address, credential: "user-a", now: start + .seconds(60)))
    }

    @Test func minuteWindowsSweepClosedWindowsSoAFloodOfKeysStaysBounded() {
        var windows = MinuteWindows()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        for n in 0..<MinuteWindows.sweepThreshold { windows.record("old \(n)", now: start) }
        #expect(windows.keyCount == MinuteWindows.sweepThreshold)
        // A minute later the old windows are closed: the next record sweeps them away.
        windows.record("new", now: start + .minutes(1))
        #expect(windows.keyCount == 1)
        #expect(windows.count("new", now: start + .minutes(1)) == 1)
    }
}
