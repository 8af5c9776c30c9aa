package import ACMEClient
import Foundation

/// An ACME CA that declared certificates are ordered from: one entry of the configuration's
/// `issuers` list.
///
/// ```yaml
/// issuers:
///   - name: letsencrypt
///     directory: production          # or staging, or an https URL
///     email: hostmaster@example.org
/// ```
///
/// The directory must be `https` (RFC 8555 §6.1 requires HTTPS): a local test CA such as
/// Pebble serves https on 127.0.0.1 and is trusted through `caBundle`.
package struct IssuerDeclaration: Hashable, Sendable {
    /// Let's Encrypt's production directory, which `directory: production` means.
    package static let letsEncryptProductionURL = "https://acme-v02.api.letsencrypt.org/directory"
    /// Let's Encrypt's staging directory, which `directory: staging` means.
    package static let letsEncryptStagingURL = "https://acme-staging-v02.api.letsencrypt.org/directory"
    /// The key types an ACME account may have (JWS ES256, ES384, RS256; RFC 8555 §6.2).
    package static let accountKeyTypes: [ACMEKeyType] = [.p256, .p384, .rsa2048]

    /// `name`: unique among the issuers; certificates list issuers by it.
    package var name: String
    /// `directory` resolved: the ACME directory URL (https).
    package var directoryURL: String
    /// `caBundle`: a PEM file of extra roots to trust for this CA's server.
    package var caBundle: String?
    /// `email`: the account's contact, sent as `mailto:`.
    package var email: String?
    /// `eab`: External Account Binding, for CAs that require it.
    package var externalAccountBinding: ExternalAccountBindingDeclaration?
    /// `accountKeyType`: the key a new account is made with (default ec256).
    package var accountKeyType: ACMEKeyType
    /// `rateLimits`: the CA's published limits the manager keeps this account inside:
    /// `letsencrypt` (default; the cautious choice for any public CA) or `none` (a private CA,
    /// Pebble).
    package var rateLimits: OrderBudget.Limits

    package init(
        name: String, directoryURL: String, caBundle: String? = nil, email: String? = nil,
        externalAccountBinding: ExternalAccountBindingDeclaration? = nil, accountKeyType: ACMEKeyType = .p256,
        rateLimits: OrderBudget.Limits = .letsEncrypt
    ) {
        self.rateLimits = rateLimits
        self.name = name
        self.directoryURL = directoryURL
        self.caBundle = caBundle
        self.email = email
        self.externalAccountBinding = externalAccountBinding
        self.accountKeyType = accountKeyType
    }

    /// The contact URIs for account registration (RFC 8555 §7.3).
    package var contact: [String] { email.map { ["mailto:\($0)"] } ?? [] }

    /// The keys of an issuer entry.
    static let keys = ["name", "directory", "caBundle", "email", "eab", "accountKeyType", "rateLimits"]

    /// The directory URL that `text` means: `production`, `staging` (Let's Encrypt) or an https
    /// URL with a host; `nil` for anything else.
    package static func directoryURL(for text: String) -> String? {
        switch text.lowercased() {
        case "production": return letsEncryptProductionURL
        case "staging": return letsEncryptStagingURL
        default:
            guard !text.contains(where: \.isWhitespace), let components = URLComponents(string: text),
                components.scheme?.lowercased() == "https", let host = components.host, !host.isEmpty,
                components.user == nil, components.password == nil
            else { return nil }
            return text
        }
    }

    init(reading entry: DeclarationEntry) throws(CertificateManagerError) {
        name = try entry.name(kind: "issuer")

        let directory = try entry.requiredString(
            "directory", meaning: "production, staging (Let's Encrypt) or the https URL of an ACME directory")
        guard let url = Self.directoryURL(for: directory) else {
            let hint =
                directory.lowercased().hasPrefix("http://")
                ? "ACME needs https (RFC 8555 §6.1); for a local test CA such as Pebble use its https URL and caBundle"
                : "expected production, staging (Let's Encrypt) or an https URL such as "
                    + "https://acme.example.net/directory"
            throw entry.problem("directory", "\"\(directory)\" is not an ACME directory: \(hint)")
        }
        directoryURL = url

        caBundle = try entry.string("caBundle")
        if caBundle?.isEmpty == true { throw entry.problem("caBundle", "expected the path of a PEM file") }

        email = try entry.string("email")
        if let email, let problem = Self.emailProblem(email) {
            throw entry.problem("email", "\"\(email)\" \(problem)")
        }

        externalAccountBinding = nil
        if let eab = try entry.nested(
            "eab", knownKeys: ExternalAccountBindingDeclaration.keys,
            hints: ExternalAccountBindingDeclaration.inlineKeyHints)
        {
            externalAccountBinding = try ExternalAccountBindingDeclaration(reading: eab)
        }

        accountKeyType = .p256
        if let text = try entry.string("accountKeyType") {
            guard let type = ACMEKeyType(parsing: text), Self.accountKeyTypes.contains(type) else {
                let known = Self.accountKeyTypes.map(\.rawValue).joined(separator: ", ")
                throw entry.problem("accountKeyType", "\"\(text)\" is not an account key type; expected \(known)")
            }
            accountKeyType = type
        }

        rateLimits = .letsEncrypt
        if let text = try entry.string("rateLimits") {
            switch text.lowercased() {
            case "letsencrypt": rateLimits = .letsEncrypt
            case "none": rateLimits = .none
            default:
                throw entry.problem(
                    "rateLimits",
                    "\"\(text)\" is not a rate-limit policy; expected letsencrypt (300 new orders per account per "
                        + "3 hours, 5 certificates per set of names per week) or none (a private CA)")
            }
        }
    }

    /// Why `email` is not an address to send as `mailto:`, or `nil`.
    private static func emailProblem(_ email: String) -> String? {
        if email.lowercased().hasPrefix("mailto:") { return "needs no mailto: (write the address alone)" }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !email.contains(where: { $0.isWhitespace || $0 == "," || $0 == "<" || $0 == ">" })
        else { return "is not an e-mail address (one address: you@example.org)" }
        return nil
    }
}
