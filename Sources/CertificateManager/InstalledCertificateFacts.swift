package import Foundation

/// What the scheduler needs of the certificate currently installed for a declaration: its
/// validity period (RFC 5280 §4.1.2.5), the DNS names of its subjectAltName and its key type.
package struct InstalledCertificateFacts: Hashable, Sendable {
    package var notBefore: Date
    package var notAfter: Date
    /// The names the certificate covers (its subjectAltName `dNSName`s).
    package var domains: [String]
    /// The key type, in the declaration's vocabulary (`ec256`, `rsa2048`, ...).
    package var keyType: String

    package init(notBefore: Date, notAfter: Date, domains: [String], keyType: String) {
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.domains = domains
        self.keyType = keyType
    }
}
