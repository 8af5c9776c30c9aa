package import Foundation

/// How long a certificate waits after failed attempts: capped exponential backoff with jitter,
/// persisted by the manager so a restart neither forgets failures nor retries at once.
///
/// RFC 9773 §4.2 says renewal attempts stay subject to the client's error backoff, and that a
/// client keeps the number of failures and the time of the last one; RFC 8555 §6.6 asks clients
/// to honour a CA's `Retry-After`. After the n-th consecutive failure the ceiling is
/// ``initialDelay`` × 2^(n-1), at most ``maximumDelay``; the wait is drawn with "equal jitter",
/// uniformly in [ceiling / 2, ceiling], so certificates that failed together spread out and no
/// retry comes sooner than half the ceiling (full jitter could retry a CA at once). A CA's
/// `Retry-After` wins when it is longer, up to ``maximumRetryAfter``. The draw is made once, at
/// the failure, and stored in ``nextAttempt``.
package struct RetryBackoff: Hashable, Sendable, Codable {
    /// The ceiling after the first failure: one minute, long enough for a transient DNS or
    /// network error to clear, short enough that a first slip costs little.
    package static let initialDelay: Duration = .seconds(60)
    /// The ceiling never exceeds one day: a certificate still gets several attempts within the
    /// half of a 6-day certificate's lifetime that remains when it falls due.
    package static let maximumDelay: Duration = .seconds(24 * 3600)
    /// A CA's `Retry-After` is obeyed up to 7 days, the longest window of Let's Encrypt's
    /// limits; a longer value is taken as a CA error rather than left to expire a certificate.
    package static let maximumRetryAfter: Duration = .seconds(7 * 24 * 3600)

    /// Consecutive failed attempts since the last success.
    package private(set) var failures: Int = 0
    /// When the last attempt failed.
    package private(set) var lastFailure: Date?
    /// The earliest time of the next attempt; `nil` when nothing has failed.
    package private(set) var nextAttempt: Date?

    package init() {}

    /// The jitter-free ceiling of the wait after `failures` consecutive failures (0 for none).
    package static func ceiling(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        // 2^40 minutes is far past the cap: clamping the exponent keeps the arithmetic finite.
        let doubled = initialDelay * (1 << min(failures - 1, 40))
        return min(doubled, maximumDelay)
    }

    /// Records a failed attempt at `now`; returns ``nextAttempt``.
    ///
    /// - Parameter retryAfter: the CA's `Retry-After` (RFC 8555 §6.6), if it sent one.
    @discardableResult
    package mutating func recordFailure(
        at now: Date, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator
    ) -> Date {
        failures += 1
        lastFailure = now
        let ceiling = RenewalPolicy.seconds(Self.ceiling(afterFailures: failures))
        var wait = Double.random(in: (ceiling / 2)...ceiling, using: &generator)
        if let retryAfter {
            wait = max(wait, RenewalPolicy.seconds(min(retryAfter, Self.maximumRetryAfter)))
        }
        let next = now.addingTimeInterval(wait)
        nextAttempt = next
        return next
    }

    /// Forgets every failure: called when an attempt succeeds.
    package mutating func reset() {
        self = Self()
    }

    /// Whether an attempt may be made at `now`.
    package func allowsAttempt(at now: Date) -> Bool {
        guard let nextAttempt else { return true }
        return nextAttempt <= now
    }
}
