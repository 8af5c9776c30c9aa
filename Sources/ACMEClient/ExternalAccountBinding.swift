public import Foundation

/// The CA-issued key ID and MAC key for External Account Binding (RFC 8555 §7.3.4).
public struct ExternalAccountBinding: Sendable {
    public var keyID: String
    public var macKey: Data

    public init(keyID: String, macKey: Data) {
        self.keyID = keyID
        self.macKey = macKey
    }

    /// Reads the MAC key as CAs hand it out: base64url (RFC 8555 §7.3.4), padded or not.
    public init(keyID: String, encodedMACKey text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let unpadded = String(trimmed.drop(while: { $0 == "=" }).reversed().drop(while: { $0 == "=" }).reversed())
        guard let key = Data(base64URLEncoded: unpadded) ?? Data(base64Encoded: trimmed), !key.isEmpty else {
            throw ACMEError(.invalidKey, detail: "the EAB MAC key for \(keyID) is not base64url")
        }
        self.init(keyID: keyID, macKey: key)
    }

    /// The MAC key as unpadded base64url, the form ``init(keyID:encodedMACKey:)`` reads back.
    public var encodedMACKey: String { macKey.base64URLEncodedString() }
}
