public import HummingbirdCore
import HummingbirdTLS
import NIOCore
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

    /// HTTPS presenting whatever `source` holds at each handshake (a certificate Cairn renews
    /// itself); `source` must hold a certificate before the server starts.
    ///
    /// - Throws: when `source` holds none yet.
    public static func tlsServer(source: TLSCertificateSource) throws -> HTTPServerBuilder {
        guard let initial = source.pair else {
            throw NIOSSLError.failedToLoadCertificate
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain.map { .certificate($0) }, privateKey: .privateKey(initial.key))
        tls.sslContextCallback = { _, promise in
            guard let pair = source.pair else { return promise.succeed(.noChanges) }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = pair.chain.map { .certificate($0) }
            override.privateKey = .privateKey(pair.key)
            promise.succeed(override)
        }
        return try .tls(.http1(configuration: httpConfiguration), tlsConfiguration: tls)
    }
}
