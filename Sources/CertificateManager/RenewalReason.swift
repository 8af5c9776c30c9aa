/// Why a declared certificate is (or will be) acted on at the time a ``RenewalDecision`` names.
///
/// `cairn certs` prints ``description``; the manager logs it with each order.
package enum RenewalReason: Hashable, Sendable, Codable, CustomStringConvertible {
    /// No certificate is installed for the declaration: issue now.
    case missing
    /// The installed certificate no longer matches the declaration (its names or key type):
    /// renew now.
    case changed(Changes)
    /// The CA's suggested renewal window (ARI, RFC 9773 §4.2) set the time; the window's
    /// `explanationURL`, when the CA gave one, is carried so an operator can read why.
    case ariWindow(explanationURL: String?)
    /// The time is a fixed fraction of the certificate's lifetime (no ARI window known).
    case lifetimeFraction(LifetimeFraction)
    /// Earlier attempts failed: the next one waits for the persisted backoff (``RetryBackoff``).
    case backoff(failures: Int)
    /// The CA's published limits leave no order before then (``OrderBudget``).
    case rateLimit(OrderBudget.Limit.Kind)

    /// What differs between the declared and the installed certificate.
    package struct Changes: OptionSet, Hashable, Sendable, Codable {
        package var rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }

        /// The set of names (compared case- and order-insensitively).
        package static let domains = Self(rawValue: 1 << 0)
        /// The key type (`ec256`, `rsa2048`, ...).
        package static let keyType = Self(rawValue: 1 << 1)
    }

    /// The share of a certificate's lifetime (notBefore → notAfter) after which it is renewed.
    package enum LifetimeFraction: String, Hashable, Sendable, Codable, CustomStringConvertible {
        /// For certificates valid less than ``RenewalPolicy/shortLifetime`` (Let's Encrypt's
        /// 6-day certificates): renewed half-way, so a failure leaves days, not hours.
        case half = "1/2"
        /// For longer-lived certificates: renewed with a third of the lifetime left
        /// (day 60 of a 90-day certificate).
        case twoThirds = "2/3"

        /// The fraction as a number, 0.5 or 0.666…
        package var value: Double {
            switch self {
            case .half: 1.0 / 2.0
            case .twoThirds: 2.0 / 3.0
            }
        }

        package var description: String { rawValue }
    }

    package var description: String {
        switch self {
        case .missing:
            return "no certificate installed"
        case .changed(let changes):
            var what: [String] = []
            if changes.contains(.domains) { what.append("names") }
            if changes.contains(.keyType) { what.append("key type") }
            return "declared \(what.isEmpty ? "certificate" : what.joined(separator: " and ")) changed"
        case .ariWindow(let explanationURL):
            guard let explanationURL else { return "CA's suggested renewal window (ARI)" }
            return "CA's suggested renewal window (ARI), see \(explanationURL)"
        case .lifetimeFraction(let fraction):
            return "\(fraction) of its lifetime"
        case .backoff(let failures):
            return "backing off after \(failures) failed attempt\(failures == 1 ? "" : "s")"
        case .rateLimit(let kind):
            return "CA rate limit: \(kind)"
        }
    }
}
