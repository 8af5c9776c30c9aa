public import HummingbirdCore
import HummingbirdTLS
import NIOSSL

extension HookAPI {
    /// HTTPS with the certificate chain and private key in PEM files, over the same HTTP/1.1
    /// limits as ``defaultServer``.
    ///
    /// - Throws: when a file cannot be read or parsed.
    public static func tlsServer(certificateFile: String, privateKeyFile: String) throws -> HTTPServerBuilder {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        return try .tls(.http1(configuration: httpConfiguration), tlsConfiguration: tls)
    }
}
