import Crypto
import Foundation

/// Flattened JWS JSON serialization (RFC 7515 §7.2.2) as ACME requires it (RFC 8555 §6.2).
struct JWS: Codable, Sendable {
    var protected: String
    var payload: String
    var signature: String

    struct Header: Encodable {
        var alg: String
        var jwk: JSONWebKey?
        var kid: String?
        var nonce: String?
        var url: String
    }

    /// Signs `payload` (`nil` is the empty payload of POST-as-GET, RFC 8555 §6.3) with `key`.
    static func sign(payload: Data?, header: Header, key: ACMEKey) throws -> JWS {
        let protected = try encoder.encode(header).base64URLEncodedString()
        let encodedPayload = payload?.base64URLEncodedString() ?? ""
        let signature = try key.sign(Data("\(protected).\(encodedPayload)".utf8))
        return JWS(protected: protected, payload: encodedPayload, signature: signature.base64URLEncodedString())
    }

    /// The External Account Binding (RFC 8555 §7.3.4): the account's JWK signed with the
    /// CA-issued MAC key, HS256.
    static func externalAccountBinding(keyID: String, macKey: Data, accountKey: JSONWebKey, url: String) throws -> JWS {
        struct MACHeader: Encodable {
            var alg = "HS256"
            var kid: String
            var url: String
        }
        let protected = try encoder.encode(MACHeader(kid: keyID, url: url)).base64URLEncodedString()
        let payload = try encoder.encode(accountKey).base64URLEncodedString()
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(protected).\(payload)".utf8), using: SymmetricKey(data: macKey))
        return JWS(protected: protected, payload: payload, signature: Data(mac).base64URLEncodedString())
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
}
