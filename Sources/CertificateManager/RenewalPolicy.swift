package import Foundation

/// When a certificate should be renewed, before backoff and rate limits are applied.
///
/// - With a CA's renewal window (ARI, RFC 9773 §4.2): a time drawn uniformly in the window,
///   once (``ARISchedule``).
/// - Without one: at a fixed fraction of the lifetime (notBefore → notAfter) — 1/2 for
///   certificates valid less than ``shortLifetime`` (Let's Encrypt's 6-day certificates),
///   2/3 otherwise (day 60 of 90).
/// - A declaration whose names or key type differ from the installed certificate's: now.
package enum RenewalPolicy {
    /// Certificates valid less than this renew at 1/2 of their lifetime, others at 2/3: at 2/3
    /// a 6-day certificate would leave 2 days for retries, at 1/2 it leaves 3.
    package static let shortLifetime: Duration = .seconds(10 * 24 * 3600)
    /// A `renewalInfo` `Retry-After` shorter than this is read as this (RFC 9773 §4.3.2's
    /// example: one minute).
    package static let minimumRenewalInfoRetryAfter: Duration = .seconds(60)
    /// A `renewalInfo` `Retry-After` longer than this is read as this (RFC 9773 §4.3.2's
    /// example: one day).
    package static let maximumRenewalInfoRetryAfter: Duration = .seconds(24 * 3600)
    /// When a `renewalInfo` fetch fails for good, has no valid `Retry-After` or returns an
    /// invalid window, the next fetch is this much later (RFC 9773 §4.3.3: six hours).
    package static let renewalInfoErrorRetry: Duration = .seconds(6 * 3600)

    /// When a certificate valid from `notBefore` to `notAfter` falls due without ARI, and
    /// which fraction of its lifetime that is.
    package static func lifetimeRenewalTime(
        notBefore: Date, notAfter: Date
    ) -> (time: Date, fraction: RenewalReason.LifetimeFraction) {
        let lifetime = notAfter.timeIntervalSince(notBefore)
        let fraction: RenewalReason.LifetimeFraction = lifetime < seconds(shortLifetime) ? .half : .twoThirds
        return (notBefore.addingTimeInterval(lifetime * fraction.value), fraction)
    }

    /// A renewal time in `window`, drawn uniformly with `generator` (RFC 9773 §4.2, step 2).
    ///
    /// A window already closed at `now` gives `now` (renew at once, step 3). A window already
    /// open gives a time drawn in [`now`, end) rather than in [start, end): the RFC's draw would
    /// put the already-past share of the window at `now` all together, while this keeps the
    /// renewals of many certificates spread over what is left of it.
    package static func ariRenewalTime(
        in window: ARIWindow, now: Date, using generator: inout some RandomNumberGenerator
    ) -> Date {
        guard window.end > now else { return now }
        let from = max(window.start, now)
        let offset = Double.random(in: 0..<window.end.timeIntervalSince(from), using: &generator)
        // Rounding can land a draw on `end` itself; the window excludes it.
        let time = from.addingTimeInterval(offset)
        return time < window.end ? time : from
    }

    /// When to fetch `renewalInfo` again after a response at `now` (RFC 9773 §4.3.2): its
    /// `Retry-After` clamped to [``minimumRenewalInfoRetryAfter``, ``maximumRenewalInfoRetryAfter``];
    /// without one, ``renewalInfoErrorRetry`` (RFC 9773 §4.3.3 counts that as a long-term error).
    package static func renewalInfoFetchTime(retryAfter: Duration?, now: Date) -> Date {
        guard let retryAfter else { return now.addingTimeInterval(seconds(renewalInfoErrorRetry)) }
        let clamped = min(max(retryAfter, minimumRenewalInfoRetryAfter), maximumRenewalInfoRetryAfter)
        return now.addingTimeInterval(seconds(clamped))
    }

    /// How the declaration differs from the installed certificate: names compared as sets,
    /// ignoring case and order; key types ignoring case. Empty when they match.
    package static func changes(
        declared: DeclaredCertificateEssentials, installed: InstalledCertificateFacts
    ) -> RenewalReason.Changes {
        changes(
            declaredNameSet: OrderBudget.nameSetKey(declared.domains), declaredKeyType: declared.keyType,
            installed: installed)
    }

    /// `duration` in seconds, exactly for whole seconds (`duration / .seconds(1)` divides two
    /// attosecond counts as `Double`s and can miss by an ulp: 10 days came out above 864,000).
    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) * 1e-18
    }

    /// As ``changes(declared:installed:)``, with the declared names already a key.
    static func changes(
        declaredNameSet: String, declaredKeyType: String, installed: InstalledCertificateFacts
    ) -> RenewalReason.Changes {
        var changes: RenewalReason.Changes = []
        if declaredNameSet != OrderBudget.nameSetKey(installed.domains) { changes.insert(.domains) }
        if declaredKeyType.lowercased() != installed.keyType.lowercased() { changes.insert(.keyType) }
        return changes
    }
}
