import Foundation

extension ACMEClient {
    /// Creates the account for the key, or finds the existing one (RFC 8555 §7.3): the CA
    /// answers 200 with the existing account's URL for a known key.
    @discardableResult
    public func register(
        contact: [String] = [], termsOfServiceAgreed: Bool = true,
        externalAccountBinding: ExternalAccountBinding? = nil
    ) async throws -> ACMEAccount {
        let directory = try await directory()
        struct NewAccount: Encodable {
            var contact: [String]?
            var termsOfServiceAgreed: Bool
            var externalAccountBinding: JWS?
        }
        var request = NewAccount(contact: contact.isEmpty ? nil : contact, termsOfServiceAgreed: termsOfServiceAgreed)
        if let binding = externalAccountBinding {
            request.externalAccountBinding = try JWS.externalAccountBinding(
                keyID: binding.keyID, macKey: binding.macKey, accountKey: key.jwk, url: directory.newAccount)
        }
        let response = try await post(
            directory.newAccount, payload: try JWS.encoder.encode(request), signer: .jwk, repeatable: true)
        return try account(from: response)
    }

    /// Finds the account of this key without creating one (`onlyReturnExisting`, RFC 8555
    /// §7.3.1); throws a problem of type `accountDoesNotExist` when there is none.
    @discardableResult
    public func lookupAccount() async throws -> ACMEAccount {
        let directory = try await directory()
        let response = try await post(
            directory.newAccount, payload: try JWS.encoder.encode(["onlyReturnExisting": true]), signer: .jwk,
            repeatable: true)
        return try account(from: response)
    }

    /// Deactivates the account (RFC 8555 §7.3.6); the CA refuses its key from then on.
    @discardableResult
    public func deactivateAccount() async throws -> ACMEAccount {
        let url = try requireAccountURL()
        let response = try await post(url, json: ["status": "deactivated"])
        var account = try response.decode(ACMEAccount.self)
        account.url = url
        return account
    }

    /// Replaces the account key (RFC 8555 §7.3.5): an inner JWS signed by the new key inside
    /// an outer one signed by the old; afterwards this client signs with `newKey`.
    public func rollover(to newKey: ACMEKey) async throws {
        let url = try requireAccountURL()
        guard let keyChange = try await directory().keyChange else {
            throw ACMEError(.unsupported, detail: "the CA's directory has no keyChange")
        }
        struct KeyChange: Encodable {
            var account: String
            var oldKey: JSONWebKey
        }
        let inner = try JWS.sign(
            payload: try JWS.encoder.encode(KeyChange(account: url, oldKey: key.jwk)),
            header: JWS.Header(alg: newKey.algorithm, jwk: newKey.jwk, kid: nil, nonce: nil, url: keyChange),
            key: newKey)
        _ = try await post(keyChange, payload: try JWS.encoder.encode(inner))
        replaceKey(newKey)
    }

    func requireAccountURL() throws -> String {
        guard let accountURL else { throw ACMEError(.unsupported, detail: "no account yet: register first") }
        return accountURL
    }

    private func account(from response: Response) throws -> ACMEAccount {
        guard let url = response.location else {
            throw ACMEError(.unexpectedResponse, detail: "newAccount answered without a Location", url: response.url)
        }
        var account = try response.decode(ACMEAccount.self)
        account.url = url
        accountURL = url
        ordersURL = account.orders
        return account
    }
}
