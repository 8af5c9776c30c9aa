import Crypto
import Foundation

/// A public key as a JSON Web Key (RFC 7517), with exactly the members RFC 7638 §3.2
/// requires, so that its canonical form gives the thumbprint.
public struct JSONWebKey: Codable, Hashable, Sendable {
    public var kty: String
    public var crv: String?
    public var x: String?
    public var y: String?
    public var n: String?
    public var e: String?

    /// The JWK thumbprint (RFC 7638 §3): SHA-256 over the required members in lexicographic
    /// order without whitespace, base64url encoded.
    public var thumbprint: String {
        Data(SHA256.hash(data: canonicalJSON)).base64URLEncodedString()
    }

    /// The canonical JSON of RFC 7638 §3.3: sorted member names, no whitespace, and only the
    /// required members (this type has no others; absent ones are omitted).
    var canonicalJSON: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding five optional strings cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }
}
