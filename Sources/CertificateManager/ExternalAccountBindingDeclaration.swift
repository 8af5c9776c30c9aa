package import ACMEClient
import Foundation

/// An issuer's `eab`: the key ID a CA hands out for External Account Binding (RFC 8555
/// §7.3.4) and the file that holds its MAC key. The key itself is never in the configuration.
package struct ExternalAccountBindingDeclaration: Hashable, Sendable {
    /// `kid`: the key ID, as the CA gave it.
    package var keyID: String
    /// `hmacKeyFile`: a file holding the MAC key, base64url as CAs hand it out.
    package var hmacKeyFile: String

    package init(keyID: String, hmacKeyFile: String) {
        self.keyID = keyID
        self.hmacKeyFile = hmacKeyFile
    }

    /// The keys of an `eab` mapping.
    static let keys = ["kid", "hmacKeyFile"]

    /// What a key that tries to hold the MAC key itself is told.
    static let inlineKeyHints = Dictionary(
        uniqueKeysWithValues: ["hmacKey", "hmac", "key", "macKey", "hmac_key"].map {
            ($0, "the MAC key is never written here: put it in a file, mode 0600, and name the file in hmacKeyFile")
        })

    init(reading entry: DeclarationEntry) throws(CertificateManagerError) {
        keyID = try entry.requiredString("kid", meaning: "the key ID the CA gave with the MAC key")
        hmacKeyFile = try entry.requiredString(
            "hmacKeyFile", meaning: "the path of a file holding the MAC key (base64url; never the key itself)")
    }

    /// Reads the MAC key from ``hmacKeyFile``.
    ///
    /// - Parameter issuer: the issuer's name, for the message.
    /// - Throws: ``CertificateManagerError/Code/configuration`` when the file cannot be read or
    ///   does not hold a base64url key.
    package func load(issuer: String) throws(CertificateManagerError) -> ExternalAccountBinding {
        let text: String
        do {
            text = try String(contentsOfFile: hmacKeyFile, encoding: .utf8)
        } catch {
            throw CertificateManagerError(
                .configuration,
                "issuers[\(issuer)] eab.hmacKeyFile: cannot read \(hmacKeyFile) (\(error.localizedDescription))")
        }
        do {
            return try ExternalAccountBinding(keyID: keyID, encodedMACKey: text)
        } catch {
            throw CertificateManagerError(
                .configuration, "issuers[\(issuer)] eab.hmacKeyFile: \(hmacKeyFile) does not hold a base64url MAC key")
        }
    }
}
