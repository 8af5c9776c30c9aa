package import Foundation

/// When the manager acts next on one declared certificate, why, and with which issuer: the
/// result of one scheduling pass over the certificate, computed without I/O.
///
/// The certificate falls due at ``dueAt`` for ``dueReason`` (``RenewalPolicy``); it is acted on
/// at ``actAt``, which is `dueAt` pushed back by the persisted backoff (RFC 9773 §4.2: renewal
/// stays subject to error backoff) or by the CA's rate limits (``OrderBudget``), and never
/// earlier than the pass itself. ``reason`` says which of these set `actAt`.
package struct RenewalDecision: Hashable, Sendable, CustomStringConvertible {
    /// The declaration's name.
    package var certificate: String
    /// When to order: at or before the pass's `now`, order now.
    package var actAt: Date
    /// What set ``actAt``: the ``dueReason``, ``RenewalReason/backoff(failures:)`` or
    /// ``RenewalReason/rateLimit(_:)``.
    package var reason: RenewalReason
    /// When the certificate falls due, before backoff and rate limits (may be in the past).
    package var dueAt: Date
    /// Why it falls due then: `missing`, `changed`, `ariWindow` or `lifetimeFraction`.
    package var dueReason: RenewalReason
    /// The issuer to order from; `nil` when the declaration lists none.
    package var issuer: IssuerFallback.Choice?
    /// When to fetch `renewalInfo` again (RFC 9773 §4.3): the ``ARISchedule``'s, while the
    /// installed certificate is unexpired; `nil` otherwise (RFC 9773 §4.3: no checks after
    /// expiry). A certificate installed without a schedule yet should be fetched at once
    /// (RFC 9773 §4.3) — the manager knows whether its CA offers `renewalInfo`.
    package var nextRenewalInfoFetch: Date?

    /// Whether to order at `now`.
    package func isDue(at now: Date) -> Bool { actAt <= now }

    /// The earliest time the manager has something to do for this certificate: order, or
    /// fetch `renewalInfo`.
    package var wakeAt: Date {
        guard let nextRenewalInfoFetch else { return actAt }
        return min(actAt, nextRenewalInfoFetch)
    }

    package var description: String {
        var text = "\(certificate): \(actAt.formatted(.iso8601)) (\(reason))"
        if reason != dueReason { text += ", due \(dueAt.formatted(.iso8601)) (\(dueReason))" }
        if let issuer { text += " via \(issuer)" }
        return text
    }

    /// Decides when to act on `declared` at `now`.
    ///
    /// - Parameters:
    ///   - installed: the installed certificate, or `nil` when there is none (issue now).
    ///   - renewalInfo: the certificate's last ARI fetch, if any; ignored once the certificate
    ///     has expired, and when its time is not before the certificate's `notAfter` (a window
    ///     that would let the certificate lapse falls back to the lifetime fraction).
    ///   - backoff: the certificate's persisted failures.
    ///   - fallback: the certificate's persisted per-issuer failures; chooses ``issuer``.
    ///   - budget: the CA's rate-limit history (one per CA).
    ///   - account: the ACME account an issuer orders with, for the per-account order limit
    ///     (by default the issuer's name: one account per issuer).
    package static func decide(
        _ declared: DeclaredCertificateEssentials,
        installed: InstalledCertificateFacts?,
        renewalInfo: ARISchedule?,
        backoff: RetryBackoff,
        fallback: IssuerFallback,
        budget: OrderBudget,
        now: Date,
        account: (_ issuer: String) -> String = { $0 }
    ) -> RenewalDecision {
        let nameSet = OrderBudget.nameSetKey(declared.domains)
        let issuer = fallback.choose(from: declared.issuers)

        // When the certificate falls due, and why.
        var dueAt: Date
        var dueReason: RenewalReason
        var nextRenewalInfoFetch: Date?
        if let installed {
            let changes = RenewalPolicy.changes(
                declaredNameSet: nameSet, declaredKeyType: declared.keyType, installed: installed)
            let expired = installed.notAfter <= now
            if !expired { nextRenewalInfoFetch = renewalInfo?.nextFetch }
            if !changes.isEmpty {
                (dueAt, dueReason) = (now, .changed(changes))
            } else if let renewalInfo, !expired, renewalInfo.renewalTime < installed.notAfter {
                let explanationURL = renewalInfo.window.explanationURL
                (dueAt, dueReason) = (renewalInfo.renewalTime, .ariWindow(explanationURL: explanationURL))
            } else {
                let (time, fraction) = RenewalPolicy.lifetimeRenewalTime(
                    notBefore: installed.notBefore, notAfter: installed.notAfter)
                (dueAt, dueReason) = (time, .lifetimeFraction(fraction))
            }
        } else {
            (dueAt, dueReason) = (now, .missing)
        }

        // What holds it back beyond that.
        var actAt = max(dueAt, now)
        var reason = dueReason
        if backoff.failures > 0, let next = backoff.nextAttempt, next > actAt {
            (actAt, reason) = (next, .backoff(failures: backoff.failures))
        }
        if let issuer, let block = budget.block(account: account(issuer.issuer), nameSetKey: nameSet, now: actAt) {
            (actAt, reason) = (block.until, .rateLimit(block.limit))
        }

        return RenewalDecision(
            certificate: declared.name, actAt: actAt, reason: reason, dueAt: dueAt, dueReason: dueReason,
            issuer: issuer, nextRenewalInfoFetch: nextRenewalInfoFetch)
    }
}
