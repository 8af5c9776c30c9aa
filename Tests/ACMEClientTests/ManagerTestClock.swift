import Foundation
import Synchronization

/// The certificate manager's `now` in tests: a date that stands still until the test moves it,
/// so "an hour later" is one call instead of an hour.
final class ManagerTestClock: Sendable {
    private let date: Mutex<Date>

    init(_ start: Date) { date = Mutex(start) }

    var now: Date { date.withLock { $0 } }

    func advance(by seconds: TimeInterval) { date.withLock { $0 += seconds } }

    func set(_ new: Date) { date.withLock { $0 = new } }
}
