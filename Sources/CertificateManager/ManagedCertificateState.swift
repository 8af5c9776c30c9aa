package import Foundation

/// What the manager remembers about one declared certificate across restarts (persisted in the
/// store as JSON): failures and their backoff, per-issuer fallback, the ARI schedule, the order
/// in flight and its key, and how the last attempts went.
package struct ManagedCertificateState: Codable, Hashable, Sendable {
    /// An order placed and not finished: resumed after a restart instead of placing another.
    package struct OrderInFlight: Codable, Hashable, Sendable {
        /// The order's URL once the CA created it (`nil` between deciding and creating).
        package var url: String?
        /// The issuer (declared name) it was placed with.
        package var issuer: String
        /// The names ordered, as ordered.
        package var names: [String]
        /// The certificate key the order's CSR carries, kept until the certificate is installed.
        package var keyFile: String
        package var started: Date

        package init(url: String?, issuer: String, names: [String], keyFile: String, started: Date) {
            self.url = url
            self.issuer = issuer
            self.names = names
            self.keyFile = keyFile
            self.started = started
        }
    }

    package var backoff = RetryBackoff()
    package var fallback = IssuerFallback()
    package var renewalInfo: ARISchedule?
    package var order: OrderInFlight?
    /// The issuer that issued the installed certificate.
    package var issuer: String?
    package var lastSuccess: Date?
    package var lastFailure: Date?
    package var lastError: String?
    /// The installed version whose deploy hook has not run successfully yet.
    package var hookPendingForVersion: Int?

    package init() {}

    /// The store key of `name`'s record.
    package static func storeKey(_ name: String) -> String { "certificate:\(name)" }
    /// The store key of the rate-limit budget.
    package static let budgetKey = "acme-order-budget"
}
