import NIOCore

/// Events counted per key in fixed one-minute windows: a key's window opens at its first event
/// and closes a minute later. Its owner holds it in a `Mutex`.
///
/// Closed windows are swept once the table has grown to twice what the last sweep left (at
/// least ``sweepThreshold``), so a flood of keys costs amortized O(1) per event and memory
/// bounded by one minute's keys.
struct MinuteWindows: Sendable {
    private struct Window: Sendable {
        var start: NIODeadline
        var count: Int
    }

    static let length = TimeAmount.minutes(1)
    static let sweepThreshold = 10_000

    private var windows: [String: Window] = [:]
    private var nextSweep = Self.sweepThreshold

    /// The events recorded for `key` in its open window; 0 when it has none.
    mutating func count(_ key: String, now: NIODeadline) -> Int {
        guard let window = windows[key] else { return 0 }
        if now - window.start >= Self.length {
            windows[key] = nil
            return 0
        }
        return window.count
    }

    /// How long until `key`'s open window closes; `nil` when it has none.
    func remaining(_ key: String, now: NIODeadline) -> TimeAmount? {
        guard let window = windows[key], now - window.start < Self.length else { return nil }
        return window.start + Self.length - now
    }

    /// Records one event for `key`, opening a window when it has none.
    mutating func record(_ key: String, now: NIODeadline) {
        if windows.count >= nextSweep {
            windows = windows.filter { now - $0.value.start < Self.length }
            nextSweep = max(Self.sweepThreshold, windows.count * 2)
        }
        if var window = windows[key], now - window.start < Self.length {
            window.count += 1
            windows[key] = window
        } else {
            windows[key] = Window(start: now, count: 1)
        }
    }

    /// How many keys are held (for tests of the sweep).
    var keyCount: Int { windows.count }
}
