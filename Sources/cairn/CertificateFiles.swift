import ACMEClient
import Foundation
import SystemPackage

/// Where `cairn issue` puts a certificate: `<out>/<first name>/` with `cert.pem` (the leaf),
/// `chain.pem` (intermediates), `fullchain.pem` (both) and `privkey.pem` (mode 0600), each
/// written atomically — the key last, so a reader that sees a new key sees its certificate.
struct CertificateFiles {
    let directory: String

    init(outputDirectory: String, primaryName: String) {
        let safe = primaryName.replacingOccurrences(of: "*", with: "_").replacingOccurrences(of: "/", with: "_")
        directory = "\(outputDirectory)/\(safe)"
    }

    var certificate: String { "\(directory)/cert.pem" }
    var chain: String { "\(directory)/chain.pem" }
    var fullChain: String { "\(directory)/fullchain.pem" }
    var privateKey: String { "\(directory)/privkey.pem" }

    func write(_ issued: IssuedCertificate) throws {
        try AtomicFile.write(issued.chain.leafPEM, to: certificate)
        try AtomicFile.write(issued.chain.intermediatesPEM, to: chain)
        try AtomicFile.write(issued.chain.fullChainPEM, to: fullChain)
        try AtomicFile.write(issued.key.pemRepresentation + "\n", to: privateKey, mode: [.ownerReadWrite])
    }
}
