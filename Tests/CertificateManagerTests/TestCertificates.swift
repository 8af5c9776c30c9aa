import Crypto
import Foundation
import SwiftASN1
import X509

@testable import ACMEClient

/// Real certificates for the certificate-file tests: a leaf signed by a throwaway intermediate,
/// with its own P-256 key, as a CA would issue it.
enum TestCertificates {
    /// A new leaf for `names` (the first is the subject) with a new key, and its chain.
    static func issued(names: [String] = ["example.test", "*.example.test"]) throws -> IssuedCertificate {
        let now = Date()
        let intermediateKey = P256.Signing.PrivateKey()
        let intermediate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(intermediateKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400 * 30,
            issuer: try DistinguishedName { CommonName("Test Intermediate") },
            subject: try DistinguishedName { CommonName("Test Intermediate") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            },
            issuerPrivateKey: .init(intermediateKey))
        let leafKey = P256.Signing.PrivateKey()
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 86400 * 7,
            issuer: intermediate.subject, subject: try DistinguishedName { CommonName(names[0]) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames(names.map { GeneralName.dnsName($0) }) },
            issuerPrivateKey: .init(intermediateKey))
        let pem = try leaf.serializeAsPEM().pemString + "\n" + intermediate.serializeAsPEM().pemString + "\n"
        return IssuedCertificate(
            chain: try CertificateChain(pem: pem), key: try ACMEKey(pemRepresentation: leafKey.pemRepresentation),
            orderURL: "https://ca.test/order/1", certificateURL: "https://ca.test/cert/1")
    }

    /// Whether `keyPEM` is the private key of `certificate`.
    static func key(_ keyPEM: String, matches certificate: Certificate) throws -> Bool {
        let key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        return Certificate.PublicKey(key.publicKey) == certificate.publicKey
    }
}
