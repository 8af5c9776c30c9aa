package import Foundation

/// One declared certificate as `cairn certs` shows it and `/metrics` exports it: what is
/// installed, who issued it, when it renews next and why, and how the last attempts went.
package struct CertificateStatus: Codable, Hashable, Sendable {
    package var name: String
    package var domains: [String]
    /// The issuer (by its declared name) that holds the installed certificate, or that the
    /// next order goes to.
    package var issuer: String?
    package var notBefore: Date?
    package var notAfter: Date?
    /// When the manager acts next for this certificate.
    package var nextAttempt: Date?
    /// Why at that time: the ARI window, a fraction of the lifetime, backoff after failures,
    /// the CA's rate-limit budget, a missing or changed certificate.
    package var reason: String
    package var lastSuccess: Date?
    package var lastFailure: Date?
    package var lastError: String?
    /// Failed attempts since the last success.
    package var failures: Int
    /// Failed attempts since the manager started, for `/metrics`.
    package var failuresTotal: Int
    /// The `live` directory holding cert.pem, chain.pem, fullchain.pem, privkey.pem.
    package var directory: String?

    package init(
        name: String, domains: [String], issuer: String? = nil, notBefore: Date? = nil, notAfter: Date? = nil,
        nextAttempt: Date? = nil, reason: String, lastSuccess: Date? = nil, lastFailure: Date? = nil,
        lastError: String? = nil, failures: Int = 0, failuresTotal: Int = 0, directory: String? = nil
    ) {
        self.name = name
        self.domains = domains
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.nextAttempt = nextAttempt
        self.reason = reason
        self.lastSuccess = lastSuccess
        self.lastFailure = lastFailure
        self.lastError = lastError
        self.failures = failures
        self.failuresTotal = failuresTotal
        self.directory = directory
    }
}
