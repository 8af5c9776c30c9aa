import ACMEClient
import ArgumentParser
import AsyncHTTPClient
import CairnApplication
import CertificateManager
import Logging

/// The ACME server a command talks to, shared by `issue`, `revoke` and `account`.
struct ACMEServerOptions: ParsableArguments {
    @Option(help: "ACME directory URL, or 'production' / 'staging' (Let's Encrypt).")
    var server: String = "production"

    @Option(
        name: .customLong("ca-bundle"),
        help: "PEM file of extra CA certificates to trust for the ACME server (e.g. Pebble's).")
    var caBundle: String?

    var directoryURL: String {
        switch server {
        case "production": "https://acme-v02.api.letsencrypt.org/directory"
        case "staging": "https://acme-staging-v02.api.letsencrypt.org/directory"
        default: server
        }
    }

    /// A cleartext directory is refused before anything starts (no listener, no key written).
    func validate() throws {
        do {
            try ACMEClient.requireHTTPS(directoryURL)
        } catch let error as ACMEError {
            throw ValidationError("--server \(server): \(error.detail)")
        }
    }

    /// Runs `body` with an HTTP client that trusts the system roots and `--ca-bundle`.
    func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        do {
            return try await ACMEHTTPClient.withClient(trustingAlso: caBundle, body)
        } catch let error as ACMEError where error.code == .trustRoots {
            throw SettingsError(.file, "--ca-bundle: \(error.detail)")
        }
    }

    /// A client for the existing account whose key is in the state directory.
    func existingAccount(
        stateDirectory: String, http: HTTPClient, logger: Logger
    ) async throws -> (
        ACMEClient, AccountKeyFile
    ) {
        let file = AccountKeyFile(stateDirectory: stateDirectory, directoryURL: directoryURL)
        guard let key = try file.load() else {
            throw SettingsError(.file, "no account key at \(file.path): cairn issue makes one on its first order")
        }
        let client = ACMEClient(directoryURL: directoryURL, key: key, httpClient: http, logger: logger)
        try await client.lookupAccount()
        return (client, file)
    }
}
