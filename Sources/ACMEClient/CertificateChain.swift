import Foundation
import SwiftASN1
public import X509

/// A PEM certificate chain as downloaded (RFC 8555 §7.4.2): the leaf first, then the
/// intermediates.
public struct CertificateChain: Sendable {
    /// The chain as the CA sent it.
    public var pem: String
    public var certificates: [Certificate]

    public init(pem: String) throws {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem).filter { $0.discriminator == "CERTIFICATE" }
            certificates = try documents.map { try Certificate(pemDocument: $0) }
        } catch {
            throw ACMEError(.unexpectedResponse, detail: "the certificate chain is not PEM certificates: \(error)")
        }
        guard !certificates.isEmpty else {
            throw ACMEError(.unexpectedResponse, detail: "the certificate chain holds no certificate")
        }
        self.pem = pem
        self.documents = documents
    }

    private let documents: [PEMDocument]

    public var leaf: Certificate { certificates[0] }

    /// The leaf as PEM.
    public var leafPEM: String { documents[0].pemString + "\n" }

    /// The intermediates as PEM.
    public var intermediatesPEM: String { documents.dropFirst().map { $0.pemString + "\n" }.joined() }

    /// The leaf and intermediates as PEM.
    public var fullChainPEM: String { leafPEM + intermediatesPEM }

    /// Whether any certificate of the chain was issued by a CA whose common name (or whole
    /// distinguished name) is `name` — how `--preferred-chain` picks a chain, as certbot does.
    public func hasIssuer(named name: String) -> Bool {
        certificates.contains { certificate in
            let issuer = certificate.issuer
            if issuer.description == name { return true }
            return issuer.contains { rdn in
                rdn.contains { $0.type == .RDNAttributeType.commonName && "\($0.value)" == name }
            }
        }
    }
}
