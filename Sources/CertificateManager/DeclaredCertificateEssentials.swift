/// What the scheduler needs of a declared certificate: its name, the names it must cover, its
/// key type and the issuers to order from, most preferred first.
package struct DeclaredCertificateEssentials: Hashable, Sendable {
    /// The declaration's name (what `cairn certs` lists).
    package var name: String
    /// The DNS names (RFC 8555 §7.1.4 `dns` identifiers) the certificate must cover.
    package var domains: [String]
    /// The certificate key type (`ec256`, `ec384`, `rsa2048`, ...), compared case-insensitively.
    package var keyType: String
    /// Issuer names in order of preference (see ``IssuerFallback``).
    package var issuers: [String]

    package init(name: String, domains: [String], keyType: String, issuers: [String]) {
        self.name = name
        self.domains = domains
        self.keyType = keyType
        self.issuers = issuers
    }
}
