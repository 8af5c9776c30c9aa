package import ACMEClient
package import AsyncHTTPClient
package import Logging

/// The ACME account an issuance orders with: which CA, the contact, External Account Binding,
/// and where its key lives (`<state>/accounts/<CA host_port>/account.key`, made on first use).
package struct ACMEAccountSettings: Sendable {
    package var directoryURL: String
    package var email: String?
    package var binding: ExternalAccountBinding?
    /// The key type of a new account (ec256, ec384 or rsa2048).
    package var keyType: ACMEKeyType
    package var stateDirectory: String

    package init(
        directoryURL: String, email: String? = nil, binding: ExternalAccountBinding? = nil,
        keyType: ACMEKeyType = .p256, stateDirectory: String
    ) {
        self.directoryURL = directoryURL
        self.email = email
        self.binding = binding
        self.keyType = keyType
        self.stateDirectory = stateDirectory
    }

    /// The account key file for this CA.
    package var keyFile: AccountKeyFile { AccountKeyFile(stateDirectory: stateDirectory, directoryURL: directoryURL) }

    /// A client for the account, registered (or found: the CA answers with the existing
    /// account for a known key, RFC 8555 §7.3).
    ///
    /// - Returns: the client, the account, and whether the key was made now.
    package func client(
        http: HTTPClient, logger: Logger
    ) async throws -> (
        client: ACMEClient, account: ACMEAccount, keyCreated: Bool
    ) {
        let (key, created) = try keyFile.loadOrCreate(type: keyType)
        let client = ACMEClient(directoryURL: directoryURL, key: key, httpClient: http, logger: logger)
        let account = try await client.register(
            contact: email.map { ["mailto:\($0)"] } ?? [], termsOfServiceAgreed: true, externalAccountBinding: binding)
        return (client, account, created)
    }
}
