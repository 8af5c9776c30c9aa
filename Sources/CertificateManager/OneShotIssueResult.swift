/// The certificate a running server got for `cairn issue`: the chain as PEM and its key.
package struct OneShotIssueResult: Codable, Hashable, Sendable {
    package var certificatePEM: String
    package var chainPEM: String
    package var fullChainPEM: String
    package var keyPEM: String

    package init(certificatePEM: String, chainPEM: String, fullChainPEM: String, keyPEM: String) {
        self.certificatePEM = certificatePEM
        self.chainPEM = chainPEM
        self.fullChainPEM = fullChainPEM
        self.keyPEM = keyPEM
    }
}
