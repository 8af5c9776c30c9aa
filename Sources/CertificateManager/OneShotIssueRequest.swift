/// What `cairn issue` asks a running `cairn serve` for over the control socket: one
/// certificate now, published through the server's own DNS, returned rather than installed
/// (the command writes the files where it was told to).
package struct OneShotIssueRequest: Codable, Hashable, Sendable {
    package var names: [String]
    /// The ACME directory URL (or `production` / `staging`).
    package var directory: String
    /// A PEM file of extra roots to trust for the CA, read by the server.
    package var caBundle: String?
    package var email: String?
    package var eabKeyID: String?
    /// The EAB MAC key, base64url (sent over the owner-only socket, never on a command line).
    package var eabMACKey: String?
    package var keyType: String
    package var accountKeyType: String
    /// The PEM of a key to reuse, if the command found one and was asked to.
    package var keyPEM: String?
    package var profile: String?
    package var preferredChain: String?
    /// The PEM of the certificate this one replaces (RFC 9773 §5), if any.
    package var replacesPEM: String?
    package var aliases: [String: String]
    package var resolver: String?
    package var preflight: Bool

    package init(
        names: [String], directory: String, caBundle: String? = nil, email: String? = nil, eabKeyID: String? = nil,
        eabMACKey: String? = nil, keyType: String = "ec256", accountKeyType: String = "ec256", keyPEM: String? = nil,
        profile: String? = nil, preferredChain: String? = nil, replacesPEM: String? = nil,
        aliases: [String: String] = [:], resolver: String? = nil, preflight: Bool = true
    ) {
        self.names = names
        self.directory = directory
        self.caBundle = caBundle
        self.email = email
        self.eabKeyID = eabKeyID
        self.eabMACKey = eabMACKey
        self.keyType = keyType
        self.accountKeyType = accountKeyType
        self.keyPEM = keyPEM
        self.profile = profile
        self.preferredChain = preferredChain
        self.replacesPEM = replacesPEM
        self.aliases = aliases
        self.resolver = resolver
        self.preflight = preflight
    }
}
