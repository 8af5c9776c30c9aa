import NIOCore
import Synchronization

/// Registrations per source in one-minute windows (`api.registerPerMinute`): an IPv4 address,
/// or an IPv6 /64 (what one host or one customer usually holds). Past the limit `/register`
/// answers 429 until the source's window closes.
final class RegisterLimiter: Sendable {
    private let limit: Int
    private let windows = Mutex(MinuteWindows())

    init(perMinute: Int) { self.limit = perMinute }

    /// Counts one registration from `address` and returns true, or returns false when the
    /// source has used up its registrations this minute. An unknown address is one source.
    func admit(_ address: IPAddress?, now: NIODeadline = .now()) -> Bool {
        let key = address.map(Self.source) ?? "unknown"
        return windows.withLock { windows in
            guard windows.count(key, now: now) < limit else { return false }
            windows.record(key, now: now)
            return true
        }
    }

    /// The address for IPv4, its /64 for IPv6.
    static func source(_ address: IPAddress) -> String {
        guard !address.isIPv4 else { return address.description }
        return "\(IPAddress(octets: Array(address.octets.prefix(8)) + Array(repeating: 0, count: 8)))/64"
    }
}
