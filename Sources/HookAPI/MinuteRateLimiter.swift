import NIOCore
import Synchronization

/// Events per key in one-minute windows, refused past a limit until the key's window closes:
/// `/register` calls per source (`api.registerPerMinute`, keyed by ``source(_:)``) and writes per
/// credential (`api.updatesPerMinute`). A refusal says how long until the window closes, which
/// the 429 sends as `Retry-After`.
final class MinuteRateLimiter: Sendable {
    private let limit: Int
    private let windows = Mutex(MinuteWindows())

    init(perMinute: Int) { self.limit = perMinute }

    /// Counts one event for `key` and returns `nil`, or, when the key has used up its events
    /// this minute, counts nothing and returns the time until its window closes.
    func admit(_ key: String, now: NIODeadline = .now()) -> TimeAmount? {
        windows.withLock { windows in
            guard windows.count(key, now: now) < limit else { return windows.remaining(key, now: now) }
            windows.record(key, now: now)
            return nil
        }
    }

    /// The key a client address is counted under: the address for IPv4, its /64 for IPv6 (what
    /// one host or one customer usually holds); an unknown address is one source.
    static func source(_ address: IPAddress?) -> String {
        guard let address else { return "unknown" }
        guard !address.isIPv4 else { return address.description }
        return "\(IPAddress(octets: Array(address.octets.prefix(8)) + Array(repeating: 0, count: 8)))/64"
    }
}
