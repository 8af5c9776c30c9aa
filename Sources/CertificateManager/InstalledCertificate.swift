package import X509

/// A certificate as installed by ``CertificateArchive``: which version is live and the stable
/// paths under `live/NAME` that servers and deploy hooks use.
package struct InstalledCertificate: Sendable {
    /// The certificate's name: the directory under `archive/` and the link under `live/`.
    package var name: String
    /// The version directory under `archive/NAME` (1 for `0001`), increasing with each install.
    package var version: Int
    /// The stable paths: `live/NAME/{cert,chain,fullchain,privkey}.pem`.
    package var paths: CertificatePaths
    /// Where this version's files are: `archive/NAME/<version>`. Unlike ``paths`` they never
    /// change, so a reader that opens them gets this version's set even during the next swap.
    package var versionPaths: CertificatePaths
    /// The leaf certificate.
    package var leaf: Certificate

    package init(name: String, version: Int, paths: CertificatePaths, versionPaths: CertificatePaths, leaf: Certificate)
    {
        self.name = name
        self.version = version
        self.paths = paths
        self.versionPaths = versionPaths
        self.leaf = leaf
    }
}
