import NIOCore
import Synchronization

/// Counts authentication failures per client address in one-minute windows; past the limit
/// the address is refused (429) until its window ends, before any key is checked.
final class AuthFailureLimiter: Sendable {
    private struct Window: Sendable {
        var start: NIODeadline
        var failures: Int
    }

    private let limit: Int
    private let windows = Mutex<[IPAddress: Window]>([:])
    private static let length = TimeAmount.minutes(1)
    /// Windows kept before old ones are swept, so a flood of addresses cannot grow memory.
    private static let sweepThreshold = 10_000

    init(failuresPerMinute: Int) { self.limit = failuresPerMinute }

    /// Whether `address` has used up its failures.
    func isBlocked(_ address: IPAddress?, now: NIODeadline = .now()) -> Bool {
        guard let address else { return false }
        return windows.withLock { windows in
            guard let window = windows[address] else { return false }
            if now - window.start >= Self.length {
                windows[address] = nil
                return false
            }
            return window.failures >= limit
        }
    }

    /// Records one failure from `address`.
    func recordFailure(_ address: IPAddress?, now: NIODeadline = .now()) {
        guard let address else { return }
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
