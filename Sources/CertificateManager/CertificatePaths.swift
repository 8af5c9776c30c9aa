/// The four PEM files of one certificate in one directory, named as certbot names them:
/// `cert.pem` (the leaf), `chain.pem` (the intermediates), `fullchain.pem` (both) and
/// `privkey.pem` (the key).
package struct CertificatePaths: Hashable, Sendable {
    package var directory: String

    package init(directory: String) {
        self.directory = directory
    }

    package var certificate: String { "\(directory)/\(Self.certificateFile)" }
    package var chain: String { "\(directory)/\(Self.chainFile)" }
    package var fullChain: String { "\(directory)/\(Self.fullChainFile)" }
    package var privateKey: String { "\(directory)/\(Self.privateKeyFile)" }

    static let certificateFile = "cert.pem"
    static let chainFile = "chain.pem"
    static let fullChainFile = "fullchain.pem"
    static let privateKeyFile = "privkey.pem"
}
