import Crypto
public import Foundation
public import X509
import _CryptoExtras

/// A private key for an ACME account (it signs JWS, RFC 8555 §6.2) or for a certificate.
///
/// Stored as a PKCS#8 PEM file; ES256 (P-256) is the default for accounts and certificates.
public struct ACMEKey: Sendable {
    enum Backing: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let backing: Backing

    /// Makes a new key of `type`.
    public static func generate(_ type: ACMEKeyType) throws -> ACMEKey {
        switch type {
        case .p256: return ACMEKey(backing: .p256(P256.Signing.PrivateKey()))
        case .p384: return ACMEKey(backing: .p384(P384.Signing.PrivateKey()))
        case .rsa2048: return ACMEKey(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
        case .rsa3072: return ACMEKey(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits3072)))
        case .rsa4096: return ACMEKey(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits4096)))
        }
    }

    init(backing: Backing) { self.backing = backing }

    /// Reads a PEM private key (PKCS#8, SEC1 or PKCS#1) of a supported type.
    public init(pemRepresentation pem: String) throws {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            backing = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            backing = .p384(key)
        } else if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            backing = .rsa(key)
        } else {
            throw ACMEError(.invalidKey, detail: "not a P-256, P-384 or RSA (2048 bits or more) private key in PEM")
        }
    }

    /// The key as PEM (PKCS#8 for EC keys, PKCS#1 for RSA).
    public var pemRepresentation: String {
        switch backing {
        case .p256(let key): key.pemRepresentation
        case .p384(let key): key.pemRepresentation
        case .rsa(let key): key.pemRepresentation
        }
    }

    public var type: ACMEKeyType {
        switch backing {
        case .p256: .p256
        case .p384: .p384
        case .rsa(let key):
            switch key.keySizeInBits {
            case ..<3000: .rsa2048
            case ..<4000: .rsa3072
            default: .rsa4096
            }
        }
    }

    /// The JWS `alg` for this key (RFC 7518 §3.1).
    public var algorithm: String {
        switch backing {
        case .p256: "ES256"
        case .p384: "ES384"
        case .rsa: "RS256"
        }
    }

    /// The public key as a JWK (RFC 7517, RFC 7518 §6).
    public var jwk: JSONWebKey {
        switch backing {
        case .p256(let key):
            let raw = key.publicKey.rawRepresentation
            return JSONWebKey(
                kty: "EC", crv: "P-256", x: raw.prefix(32).base64URLEncodedString(),
                y: raw.suffix(32).base64URLEncodedString())
        case .p384(let key):
            let raw = key.publicKey.rawRepresentation
            return JSONWebKey(
                kty: "EC", crv: "P-384", x: raw.prefix(48).base64URLEncodedString(),
                y: raw.suffix(48).base64URLEncodedString())
        case .rsa(let key):
            // getKeyPrimitives fails only for keys BoringSSL could not have made.
            let primitives = try? key.publicKey.getKeyPrimitives()
            return JSONWebKey(
                kty: "RSA", n: primitives?.modulus.base64URLEncodedString(),
                e: primitives?.publicExponent.base64URLEncodedString())
        }
    }

    /// Signs `data` for a JWS (RFC 7515): ECDSA as the raw `r || s` pair (RFC 7518 §3.4),
    /// RSA as PKCS #1 v1.5 over SHA-256 (RFC 7518 §3.3).
    public func sign(_ data: Data) throws -> Data {
        switch backing {
        case .p256(let key): return try key.signature(for: SHA256.hash(data: data)).rawRepresentation
        case .p384(let key): return try key.signature(for: SHA384.hash(data: data)).rawRepresentation
        case .rsa(let key):
            return try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5).rawRepresentation
        }
    }

    /// The key for swift-certificates (CSR signing).
    public var certificateKey: Certificate.PrivateKey {
        switch backing {
        case .p256(let key): Certificate.PrivateKey(key)
        case .p384(let key): Certificate.PrivateKey(key)
        case .rsa(let key): Certificate.PrivateKey(key)
        }
    }

    /// The signature algorithm a CSR made with this key uses.
    public var csrSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch backing {
        case .p256: .ecdsaWithSHA256
        case .p384: .ecdsaWithSHA384
        case .rsa: .sha256WithRSAEncryption
        }
    }
}
