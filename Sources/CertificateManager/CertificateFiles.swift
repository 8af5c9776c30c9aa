package import ACMEClient
import Foundation
import SystemPackage

/// Where `cairn issue` puts a certificate: `<out>/<first name>/` with `cert.pem` (the leaf),
/// `chain.pem` (intermediates), `fullchain.pem` (both) and `privkey.pem` (mode 0600), each
/// written atomically — the key last, so a reader that sees a new key sees its certificate.
package struct CertificateFiles {
    package let directory: String

    package init(outputDirectory: String, primaryName: String) {
        let safe = primaryName.replacingOccurrences(of: "*", with: "_").replacingOccurrences(of: "/", with: "_")
        directory = "\(outputDirectory)/\(safe)"
    }

    package var certificate: String { "\(directory)/cert.pem" }
    package var chain: String { "\(directory)/chain.pem" }
    package var fullChain: String { "\(directory)/fullchain.pem" }
    package var privateKey: String { "\(directory)/privkey.pem" }

    package func write(_ issued: IssuedCertificate) throws {
        try AtomicFile.write(issued.chain.leafPEM, to: certificate)
        try AtomicFile.write(issued.chain.intermediatesPEM, to: chain)
        try AtomicFile.write(issued.chain.fullChainPEM, to: fullChain)
        try AtomicFile.write(issued.key.pemRepresentation + "\n", to: privateKey, mode: [.ownerReadWrite])
    }
}
