/// A certificate the CA issued, with its key and where it came from.
public struct IssuedCertificate: Sendable {
    public var chain: CertificateChain
    public var key: ACMEKey
    public var orderURL: String
    public var certificateURL: String
}
