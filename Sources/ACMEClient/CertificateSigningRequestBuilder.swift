public import Foundation
import SwiftASN1
import X509

/// Builds the CSR for finalize (RFC 8555 §7.4, RFC 2986) with swift-certificates: every
/// name as a dNSName SAN, the first also as the subject common name.
public enum CertificateSigningRequestBuilder {
    public static func der(names: [String], key: ACMEKey) throws -> Data {
        guard let first = names.first else {
            throw ACMEError(.unsupported, detail: "a certificate needs at least one name")
        }
        let subject = try DistinguishedName { CommonName(first.count <= 64 ? first : String(first.prefix(64))) }
        let extensions = try Certificate.Extensions {
            SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
        }
        let request = try CertificateSigningRequest(
            version: .v1, subject: subject, privateKey: key.certificateKey,
            attributes: CertificateSigningRequest.Attributes([
                try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions))
            ]),
            signatureAlgorithm: key.csrSignatureAlgorithm)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return Data(serializer.serializedBytes)
    }
}
