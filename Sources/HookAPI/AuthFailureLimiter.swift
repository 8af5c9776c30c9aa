import NIOCore
import Synchronization

/// Counts authentication failures per client address and per credential (user name or token
/// id) in one-minute windows; past the limit the address or credential is refused (429) until
/// its window ends, before any key is checked. Guessing one user's key from many addresses is
/// limited by the credential count, many users from one address by the address count.
final class AuthFailureLimiter: Sendable {
    private struct Window: Sendable {
        var start: NIODeadline
        var failures: Int
    }

    private let limit: Int
    private let windows = Mutex<[String: Window]>([:])
    private static let length = TimeAmount.minutes(1)
    /// Windows kept before old ones are swept, so a flood of addresses cannot grow memory.
    private static let sweepThreshold = 10_000

    init(failuresPerMinute: Int) { self.limit = failuresPerMinute }

    /// Whether `address` has used up its failures.
    func isBlocked(_ address: IPAddress?, now: NIODeadline = .now()) -> Bool {
        guard let address else { return false }
        return isBlocked(key: "address \(address)", now: now)
    }

    /// Whether the credential `id` has used up its failures.
    func isBlocked(credential id: String, now: NIODeadline = .now()) -> Bool {
        isBlocked(key: "credential \(id)", now: now)
    }

    /// Records one failure from `address` with the credential `id`, if one was named.
    func recordFailure(_ address: IPAddress?, credential id: String?, now: NIODeadline = .now()) {
        if let address { recordFailure(key: "address \(address)", now: now) }
        if let id, !id.isEmpty { recordFailure(key: "credential \(id)", now: now) }
    }

    private func isBlocked(key address: String, now: NIODeadline) -> Bool {
        windows.withLock { windows in
            guard let window = windows[address] else { return false }
            if now - window.start >= Self.length {
                windows[address] = nil
                return false
            }
            return window.failures >= limit
        }
    }

    private func recordFailure(key address: String, now: NIODeadline) {
        windows.withLock { windows in
            if windows.count >= Self.sweepThreshold {
                windows = windows.filter { now - $0.value.start < Self.length }
            }
            if var window = windows[address], now - window.start < Self.length {
                window.failures += 1
                windows[address] = window
            } else {
                windows[address] = Window(start: now, failures: 1)
            }
        }
    }
}
