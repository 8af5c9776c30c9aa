import Crypto
import Foundation
import SwiftASN1
import X509

/// The fake CA's keys and certificates: one intermediate ("Fake Intermediate") signed by
/// "Fake Root X" for the default chain and cross-signed by "Fake Root Y" for the alternate
/// chain, as Let's Encrypt once offered ISRG Root X1 and DST Root CA X3.
struct FakeCertificateAuthority: Sendable {
    static let intermediateName = "Fake Intermediate"
    static let defaultRootName = "Fake Root X"
    static let alternateRootName = "Fake Root Y"

    let intermediateKey: P256.Signing.PrivateKey
    let intermediate: Certificate
    let crossSigned: Certificate

    init() throws {
        intermediateKey = P256.Signing.PrivateKey()
        intermediate = try Self.intermediate(key: intermediateKey, signedBy: Self.defaultRootName)
        crossSigned = try Self.intermediate(key: intermediateKey, signedBy: Self.alternateRootName)
    }

    private static func intermediate(key: P256.Signing.PrivateKey, signedBy root: String) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400 * 30,
            issuer: try DistinguishedName { CommonName(root) },
            subject: try DistinguishedName { CommonName(intermediateName) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            },
            issuerPrivateKey: .init(P256.Signing.PrivateKey()))
    }

    /// A leaf for the CSR's key and `names`, with an Authority Key Identifier (for ARI).
    func issue(publicKey: Certificate.PublicKey, names: [String]) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
            notValidBefore: now - 60, notValidAfter: now + 86400 * 7,
            issuer: intermediate.subject, subject: try DistinguishedName { CommonName(names[0]) },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                AuthorityKeyIdentifier(
                    keyIdentifier: SubjectKeyIdentifier(hash: .init(intermediateKey.publicKey)).keyIdentifier)
                SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
            },
            issuerPrivateKey: .init(intermediateKey))
    }

    /// The PEM chains (leaf first) for a leaf: the default and the alternate.
    func chains(for leaf: Certificate) throws -> (chain: String, alternate: String) {
        let leafPEM = try leaf.serializeAsPEM().pemString + "\n"
        return (
            leafPEM + (try intermediate.serializeAsPEM().pemString) + "\n",
            leafPEM + (try crossSigned.serializeAsPEM().pemString) + "\n"
        )
    }
}
