import Crypto
import Foundation
public import NIOSSL
import SwiftASN1
import X509

/// An HTTPS identity for a server a test runs (the fake CA, the fault proxy in front of Pebble):
/// a root made for the run and a server certificate for 127.0.0.1 signed by it, the root also
/// written to a PEM file, which is how clients are told to trust a private ACME server
/// (`caBundle`, `--ca-bundle`), as with Pebble.
public struct TestTLSIdentity: Sendable {
    public let rootPEMFile: String
    public let serverConfiguration: TLSConfiguration

    public init() throws {
        let now = Date()
        let rootKey = P256.Signing.PrivateKey()
        let rootName = try DistinguishedName { CommonName("Fake ACME TLS Root") }
        let root = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(rootKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: rootName, subject: rootName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: .init(rootKey))
        let serverKey = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86400, issuer: rootName,
            subject: try DistinguishedName { CommonName("127.0.0.1") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(rootKey))

        rootPEMFile =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("cairn-test-root-\(UUID().uuidString).pem").path
        try root.serializeAsPEM().pemString.write(toFile: rootPEMFile, atomically: true, encoding: .utf8)
        serverConfiguration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(server.serializeAsPEM().pemString.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(serverKey.pemRepresentation.utf8), format: .pem)))
    }

    /// Removes the root's PEM file.
    public func remove() { try? FileManager.default.removeItem(atPath: rootPEMFile) }
}
