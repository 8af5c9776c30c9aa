import DNSAuthority
import DNSWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Store

/// acme-dns's `POST /register` and `POST /update`, byte-compatible with what its clients parse.
extension HookAPI {
    static let apiUser = HTTPField.Name("X-Api-User")!
    static let apiKey = HTTPField.Name("X-Api-Key")!

    // MARK: POST /register

    func register(_ request: Request, _ context: HookRequestContext) async -> Response {
        guard let authZone = configuration.authZone else { return Response(status: .notFound) }
        let client: IPAddress?
        let body: ByteBuffer
        switch await admit(request, context) {
        case .admitted(let address, let bytes): (client, body) = (address, bytes)
        case .refused(let response): return response
        }
        guard registerAllowed(request, client: client) else {
            limiter.recordFailure(client, credential: nil)
            logger.notice("register refused", metadata: ["client": "\(client.map(\.description) ?? "?")"])
            return HookResponse.forbidden
        }
        var allowFrom: [String] = []
        if body.readableBytes > 0 {
            guard let value = JSONBody.value(body) else {
                return HookResponse.error(.badRequest, "malformed_json_payload")
            }
            if !(value is NSNull) {
                guard let object = value as? [String: Any], Set(object.keys).isSubset(of: ["allowfrom"]) else {
                    return HookResponse.error(.badRequest, "malformed_json_payload")
                }
                if let list = object["allowfrom"], !(list is NSNull) {
                    guard let strings = list as? [String] else {
                        return HookResponse.error(.badRequest, "malformed_json_payload")
                    }
                    allowFrom = strings
                }
            }
        }
        // acme-dns stores the entries with brackets removed and answers with them so.
        allowFrom = allowFrom.map { $0.filter { $0 != "[" && $0 != "]" } }
        guard allowFrom.allSatisfy({ $0.contains("/") && IPNetwork($0) != nil }) else {
            return HookResponse.error(.badRequest, "invalid_allowfrom_cidr")
        }
        guard authority.zone(at: authZone) != nil else {
            logger.error("the auth zone is not served", metadata: ["zone": "\(authZone)"])
            return HookResponse.error(.serviceUnavailable, "auth_zone_not_served")
        }
        let username = UUID().uuidString.lowercased()
        let subdomain = UUID().uuidString.lowercased()
        let key = Credential.generateKey()
        let registration = Registration(
            username: username, keyHash: Credential.hash(key), subdomain: subdomain, allowFrom: allowFrom,
            created: UnixTime.now().rawValue)
        let fullDomain = "\(subdomain).\(ChallengeName.storeText(authZone))"
        let owned = OwnedName(name: fullDomain, owner: registration.owner, kind: .label)
        do {
            let name = try DNSName(fullDomain)
            let owner = ChallengeOwner(rawValue: registration.owner)
            try await writer.apply(
                ChallengeWriter.Change(
                    store: [.addRegistration(registration, owned)],
                    authority: { authority in try authority.claim(name, owner: owner) }))
        } catch {
            logger.error("registration failed", metadata: ["error": "\(error)"])
            return HookResponse.error(.internalServerError, "db_error")
        }
        logger.info("registered", metadata: ["user": "\(username)", "name": "\(fullDomain)"])
        let allowJSON = "[" + allowFrom.map(HookResponse.quoted).joined(separator: ",") + "]"
        return HookResponse.json(
            .created,
            HookResponse.object([
                ("username", HookResponse.quoted(username)), ("password", HookResponse.quoted(key)),
                ("fulldomain", HookResponse.quoted(fullDomain)), ("subdomain", HookResponse.quoted(subdomain)),
                ("allowfrom", allowJSON),
            ]))
    }

    /// From a register network, or with the admin bearer token.
    private func registerAllowed(_ request: Request, client: IPAddress?) -> Bool {
        if let client, configuration.registerNetworks.containsAddress(client) { return true }
        guard let adminHash = configuration.adminTokenHash,
            let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ")
        else { return false }
        return Credential.verify(String(authorization.dropFirst("Bearer ".count)), against: adminHash)
    }

    // MARK: POST /update

    func update(_ request: Request, _ context: HookRequestContext) async -> Response {
        guard let authZone = configuration.authZone else { return Response(status: .notFound) }
        let client: IPAddress?
        let body: ByteBuffer
        switch await admit(request, context) {
        case .admitted(let address, let bytes): (client, body) = (address, bytes)
        case .refused(let response): return response
        }
        let user = request.headers[Self.apiUser] ?? ""
        let key = request.headers[Self.apiKey] ?? ""
        func refuse(_ reason: String) -> Response {
            limiter.recordFailure(client, credential: UUID(uuidString: user)?.uuidString.lowercased())
            logger.notice(
                "update refused",
                metadata: ["reason": "\(reason)", "client": "\(client.map(\.description) ?? "?")"])
            return HookResponse.forbidden
        }
        guard let username = UUID(uuidString: user)?.uuidString.lowercased() else { return refuse("bad user") }
        if limiter.isBlocked(credential: username) { return HookResponse.error(.tooManyRequests, "too_many_failures") }
        guard key.utf8.count == 40, ChallengeName.isKeyText(key) else { return refuse("bad key") }
        let registration: Registration?
        do {
            registration = try await store.registration(username: username)
        } catch {
            logger.error("store read failed", metadata: ["error": "\(error)"])
            return HookResponse.error(.serviceUnavailable, "db_error")
        }
        // An unknown user is checked against a hash too, so the time taken does not tell.
        let storedHash = registration?.keyHash ?? Credential.unknownUserHash
        guard Credential.verify(key, against: storedHash), let registration else { return refuse("wrong user or key") }
        if !registration.allowFrom.isEmpty {
            let networks = registration.allowFrom.compactMap { IPNetwork($0) }
            guard let client, networks.containsAddress(client) else { return refuse("address not allowed") }
        }
        guard let fields = JSONBody.stringObject(body), Set(fields.keys) == ["subdomain", "txt"],
            let subdomain = fields["subdomain"], let txt = fields["txt"]
        else { return HookResponse.error(.badRequest, "malformed_json_payload") }
        guard subdomain == registration.subdomain else { return refuse("another subdomain") }
        guard ChallengeName.isDigest(txt) else { return HookResponse.error(.badRequest, "bad_txt") }

        let owned = OwnedName(
            name: "\(subdomain).\(ChallengeName.storeText(authZone))", owner: registration.owner, kind: .label)
        guard ensureClaimed(owned) else { return HookResponse.error(.serviceUnavailable, "auth_zone_not_served") }
        let rehash: [StoreChange] =
            Credential.needsRehash(registration.keyHash)
            ? [.replaceKeyHash(username: username, keyHash: Credential.hash(key))] : []
        do {
            try await publish(txt, at: owned, extra: rehash)
        } catch {
            logger.error("update failed", metadata: ["user": "\(username)", "error": "\(error)"])
            return HookResponse.error(.internalServerError, "db_error")
        }
        return HookResponse.json(.ok, "{\"txt\": \"\(txt)\"}")
    }
}
