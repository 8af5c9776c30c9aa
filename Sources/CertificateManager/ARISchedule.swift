package import Foundation

/// What one `renewalInfo` fetch (RFC 9773 §4.2) decided for a certificate: the window, the
/// renewal time drawn in it, and when to fetch again (RFC 9773 §4.3). Persisted by the manager
/// so the time is chosen once: a new fetch that returns the same window keeps it.
package struct ARISchedule: Hashable, Sendable, Codable {
    /// The CA's suggested window.
    package private(set) var window: ARIWindow
    /// When to renew: drawn once by ``RenewalPolicy/ariRenewalTime(in:now:using:)``.
    package private(set) var renewalTime: Date
    /// When to fetch `renewalInfo` again: the response's `Retry-After`, clamped
    /// (``RenewalPolicy/renewalInfoFetchTime(retryAfter:now:)``).
    package private(set) var nextFetch: Date

    /// The schedule after fetching `window` at `now`.
    ///
    /// - Parameters:
    ///   - retryAfter: the response's `Retry-After`, if any.
    ///   - previous: the schedule from the last fetch; when its window is the same, its renewal
    ///     time is kept, so refetching does not redraw (and so does not drift earlier).
    package init(
        window: ARIWindow, retryAfter: Duration?, fetchedAt now: Date, previous: ARISchedule? = nil,
        using generator: inout some RandomNumberGenerator
    ) {
        self.window = window
        if let previous, previous.window == window {
            renewalTime = previous.renewalTime
        } else {
            renewalTime = RenewalPolicy.ariRenewalTime(in: window, now: now, using: &generator)
        }
        nextFetch = RenewalPolicy.renewalInfoFetchTime(retryAfter: retryAfter, now: now)
    }

    /// After a failed fetch (RFC 9773 §4.3.3): the window and renewal time stay, the next
    /// fetch moves to `date`.
    package mutating func deferFetch(until date: Date) {
        nextFetch = date
    }
}
