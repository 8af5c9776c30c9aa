public import AsyncHTTPClient

/// The HTTP client the ACME client talks to a CA with: the system's trust roots, plus a private
/// CA's certificates when given (Pebble's, a company CA's).
public enum ACMEHTTPClient {
    /// Runs `body` with an HTTP client that trusts the system's roots and, when given, the CA
    /// certificates in the PEM file `trustedRoots` (a private ACME server such as Pebble), and
    /// shuts the client down afterwards whatever happens.
    ///
    /// - Throws: ``ACMEError`` with code ``ACMEError/Code/trustRoots`` when the file cannot be
    ///   read as PEM certificates; otherwise what `body` throws.
    public static func withClient<T>(
        trustingAlso trustedRoots: String? = nil, _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        let client = try make(trustingAlso: trustedRoots)
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
