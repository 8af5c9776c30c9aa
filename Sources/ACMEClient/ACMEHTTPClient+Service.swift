public import AsyncHTTPClient
import NIOSSL

extension ACMEHTTPClient {
    /// A client trusting the system's roots and, when given, the CA certificates in the PEM file
    /// `trustedRoots`, for a service that keeps it for its lifetime; the caller shuts it down.
    ///
    /// - Throws: ``ACMEError`` with code ``ACMEError/Code/trustRoots`` when the file cannot be
    ///   read as PEM certificates.
    public static func make(trustingAlso trustedRoots: String?) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustedRoots {
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(trustedRoots))]
            } catch {
                throw ACMEError(.trustRoots, detail: "cannot read CA certificates from \(trustedRoots): \(error)")
            }
        }
        // ACME servers do not redirect (RFC 8555 lists every URL); following one could leave
        // HTTPS behind the client's check of each URL it is given.
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
