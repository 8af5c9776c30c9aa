public import AsyncHTTPClient
import NIOSSL

extension HTTPClient {
    /// Runs `body` with an HTTP client that trusts the system's roots and, when given, the CA
    /// certificates in the PEM file `trustedRoots` (a private ACME server such as Pebble), and
    /// shuts the client down afterwards whatever happens.
    ///
    /// - Throws: ``ACMEError`` with code ``ACMEError/Code/trustRoots`` when the file cannot be
    ///   read as PEM certificates; otherwise what `body` throws.
    public static func withClient<T>(
        trustingAlso trustedRoots: String? = nil, _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let trustedRoots {
            do {
                tls.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(trustedRoots))]
            } catch {
                throw ACMEError(.trustRoots, detail: "cannot read CA certificates from \(trustedRoots): \(error)")
            }
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: Configuration(tlsConfiguration: tls))
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
