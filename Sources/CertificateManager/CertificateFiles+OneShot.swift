import SystemPackage

/// Writing what a running server returned for `cairn issue` (``OneShotIssueResult``).
extension CertificateFiles {
    /// Writes the leaf, chain, full chain and key as ``write(_:)`` does for an
    /// `IssuedCertificate`: each atomically, the key last and 0600.
    package func write(_ result: OneShotIssueResult) throws {
        try AtomicFile.write(Self.line(result.certificatePEM), to: certificate)
        try AtomicFile.write(result.chainPEM.isEmpty ? "" : Self.line(result.chainPEM), to: chain)
        try AtomicFile.write(Self.line(result.fullChainPEM), to: fullChain)
        try AtomicFile.write(Self.line(result.keyPEM), to: privateKey, mode: [.ownerReadWrite])
    }

    /// `pem` ending with exactly one newline, as PEM files do.
    private static func line(_ pem: String) -> String {
        var text = pem
        while text.hasSuffix("\n") { text.removeLast() }
        return text + "\n"
    }
}
