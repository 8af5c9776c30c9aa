public import Foundation
import Logging

extension ACMEClient {
    /// Places an order (RFC 8555 §7.4) for `identifiers`, with a profile (when the CA lists
    /// profiles in `meta.profiles`) and the ARI CertID of the certificate it replaces
    /// (RFC 9773 §5).
    ///
    /// A newOrder whose exchange failed without an answer (a reset, a truncated body) may have
    /// created the order. Where the CA lists the account's orders (RFC 8555 §7.1.2.1), the client
    /// looks there for a pending or ready order of exactly these identifiers, replacing the same
    /// certificate, and takes it; only when there is none is the newOrder sent again, within
    /// ``ACMEClientConfiguration/serverErrorRetries``. A CA without that list gets no second
    /// newOrder: the error is thrown, so no duplicate order comes of it.
    public func newOrder(
        _ identifiers: [ACMEIdentifier], profile: String? = nil, replaces: String? = nil
    ) async throws -> ACMEOrder {
        let directory = try await directory()
        struct NewOrder: Encodable {
            var identifiers: [ACMEIdentifier]
            var profile: String?
            var replaces: String?
        }
        let request = NewOrder(identifiers: identifiers, profile: profile, replaces: replaces)
        var lostAnswers = 0
        while true {
            let response: Response
            do {
                response = try await post(directory.newOrder, json: request)
            } catch let error as ACMEError where error.code == .transport && !error.isConnectFailure {
                guard let ordersURL else { throw error }
                if let placed = try await listedOrder(
                    of: identifiers, profile: profile, replaces: replaces, in: ordersURL)
                {
                    logger.notice(
                        "newOrder's answer was lost; the order it placed is in the account's orders",
                        metadata: ["order": "\(placed.url)", "status": "\(placed.status)"])
                    return placed
                }
                try await backOff(afterServerError: error, count: &lostAnswers)
                continue
            }
            guard let url = response.location else {
                throw ACMEError(.unexpectedResponse, detail: "newOrder answered without a Location", url: response.url)
            }
            var order = try response.decode(ACMEOrder.self)
            order.url = url
            return order
        }
    }

    /// How many orders of the account's list ``listedOrder(of:profile:replaces:in:)`` fetches at most,
    /// newest first: a lost answer's order is among the last placed.
    static let listedOrdersChecked = 32

    /// A pending or ready order of exactly `identifiers` (case folded, in any order), replacing
    /// the same certificate or none as asked (a CA that accepted `replaces` echoes it, RFC 9773
    /// §5) and, when one was asked for, with `profile`, from the account's orders list (RFC 8555
    /// §7.1.2.1), whose pages (`Link: rel="next"`) are followed up to ten.
    func listedOrder(
        of identifiers: [ACMEIdentifier], profile: String?, replaces: String?, in ordersURL: String
    ) async throws -> ACMEOrder? {
        struct OrdersList: Decodable { var orders: [String] }
        func folded(_ identifiers: [ACMEIdentifier]) -> Set<ACMEIdentifier> {
            Set(identifiers.map { ACMEIdentifier(type: $0.type, value: $0.value.lowercased()) })
        }
        let wanted = folded(identifiers)
        var listed: [String] = []
        var page: String? = ordersURL
        var pages = 0
        while let url = page, pages < 10 {
            let response = try await post(url, payload: nil)
            listed += try response.decode(OrdersList.self).orders
            page = response.links(relation: "next").first
            pages += 1
        }
        for url in listed.reversed().prefix(Self.listedOrdersChecked) {
            let (order, _) = try await order(at: url)
            guard order.status == .pending || order.status == .ready else { continue }
            guard folded(order.identifiers) == wanted, order.replaces == replaces else { continue }
            if let profile, let placed = order.profile, placed != profile { continue }
            return order
        }
        return nil
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
