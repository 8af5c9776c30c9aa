public import Foundation

extension ACMEClient {
    /// Places an order (RFC 8555 §7.4) for `identifiers`, with a profile (when the CA lists
    /// profiles in `meta.profiles`) and the ARI CertID of the certificate it replaces
    /// (RFC 9773 §5).
    public func newOrder(
        _ identifiers: [ACMEIdentifier], profile: String? = nil, replaces: String? = nil
    ) async throws -> ACMEOrder {
        let directory = try await directory()
        struct NewOrder: Encodable {
            var identifiers: [ACMEIdentifier]
            var profile: String?
            var replaces: String?
        }
        let response = try await post(
            directory.newOrder, json: NewOrder(identifiers: identifiers, profile: profile, replaces: replaces))
        guard let url = response.location else {
            throw ACMEError(.unexpectedResponse, detail: "newOrder answered without a Location", url: response.url)
        }
        var order = try response.decode(ACMEOrder.self)
        order.url = url
        return order
    }

    /// The order's current state (POST-as-GET) and the server's `Retry-After`, if any.
    public func order(at url: String) async throws -> (order: ACMEOrder, retryAfterSeconds: Double?) {
        let response = try await post(url, payload: nil)
        var order = try response.decode(ACMEOrder.self)
        order.url = url
        return (order, response.retryAfterSeconds)
    }

    /// An authorization's current state (POST-as-GET) and the server's `Retry-After`, if any.
    public func authorization(
        at url: String
    ) async throws -> (
        authorization: ACMEAuthorization, retryAfterSeconds: Double?
    ) {
        let response = try await post(url, payload: nil)
        return (try response.decode(ACMEAuthorization.self), response.retryAfterSeconds)
    }

    /// Tells the CA the challenge is ready to be validated (RFC 8555 §7.5.1).
    ///
    /// A CA may refuse a second answer once the challenge left `pending` (Pebble does, with
    /// `malformed`), which is what a retry after a lost first answer meets: then the challenge
    /// as the CA has it now is returned, unless it is still pending.
    @discardableResult
    public func respond(to challenge: ACMEChallenge) async throws -> ACMEChallenge {
        do {
            let response = try await post(challenge.url, payload: Data("{}".utf8), repeatable: true)
            return try response.decode(ACMEChallenge.self)
        } catch let error as ACMEError where error.code == .problem {
            guard let current = try? await post(challenge.url, payload: nil).decode(ACMEChallenge.self),
                current.status != .pending
            else { throw error }
            return current
        }
    }

    /// Deactivates an authorization (RFC 8555 §7.5.2).
    public func deactivate(authorizationAt url: String) async throws {
        _ = try await post(url, json: ["status": "deactivated"])
    }

    /// Sends the CSR (DER) to the order's finalize URL (RFC 8555 §7.4).
    public func finalize(_ order: ACMEOrder, csr: Data) async throws -> ACMEOrder {
        let response = try await post(
            order.finalize, payload: try JWS.encoder.encode(["csr": csr.base64URLEncodedString()]), repeatable: true)
        var updated = try response.decode(ACMEOrder.self)
        updated.url = order.url
        return updated
    }
}
