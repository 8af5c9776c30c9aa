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
        let client: RequestSource
        let body: ByteBuffer
        switch await admit(request, context) {
        case .admitted(let source, let bytes): (client, body) = (source, bytes)
        case .refused(let response): return response
        }
        guard registerAllowed(request, client: client) else {
            let reason =
                client.untrustedProxy.map { "forwarded by \($0), which is not in api.trustedProxies" }
                ?? "not in api.registerNetworks and no admin token"
            return refuseAuthentication("register", reason: reason, client: client, credential: nil)
        }
        if let wait = registerLimiter.admit(MinuteRateLimiter.source(client.countedAs)) {
            logger.notice("register refused", metadata: ["reason": "api.registerPerMinute", "client": "\(client)"])
            return HookResponse.tooMany("too_many_registrations", retryAfter: wait)
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
        do {
            let count = try await store.registrationCount()
            guard count < configuration.maximumRegistrations else {
                logger.warning(
                    "register refused: api.maxRegistrations reached",
                    metadata: ["registrations": "\(count)", "client": "\(client)"])
                return HookResponse.registrationLimitReached
            }
        } catch {
            logger.error("store read failed", metadata: ["error": "\(error)"])
            return HookResponse.error(.serviceUnavailable, "db_error")
        }
        let made = NewRegistration(authZone: authZone, allowFrom: allowFrom)
        let (username, subdomain, key, fullDomain) =
            (made.registration.username, made.registration.subdomain, made.key, made.fullDomain)
        do {
            try await writer.apply([made.change])
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
    private func registerAllowed(_ request: Request, client: RequestSource) -> Bool {
        if let address = client.address, configuration.registerNetworks.containsAddress(address) { return true }
        guard let adminHash = configuration.adminTokenHash,
            let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ")
        else { return false }
        return Credential.verify(String(authorization.dropFirst("Bearer ".count)), against: adminHash)
    }

    // MARK: POST /update

    func update(_ request: Request, _ context: HookRequestContext) async -> Response {
        guard let authZone = configuration.authZone else { return Response(status: .notFound) }
        let client: RequestSource
        let body: ByteBuffer
        switch await admit(request, context) {
        case .admitted(let source, let bytes): (client, body) = (source, bytes)
        case .refused(let response): return response
        }
        let user = request.headers[Self.apiUser] ?? ""
        let key = request.headers[Self.apiKey] ?? ""
        let named = UUID(uuidString: user)?.uuidString.lowercased()
        func refuse(_ reason: String) -> Response {
            refuseAuthentication("update", reason: reason, client: client, credential: named)
        }
        guard let username = named else { return refuse("bad user") }
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
        if mustWaitBeforeChecking(storedHash, client: client, credential: username) {
            return refuse("failure limit reached before a bcrypt check")
        }
        guard Credential.verify(key, against: storedHash), let registration else { return refuse("wrong user or key") }
        if !registration.allowFrom.isEmpty {
            let networks = registration.allowFrom.compactMap { IPNetwork($0) }
            guard let address = client.address, networks.containsAddress(address) else {
                return refuse(
                    client.untrustedProxy.map { "forwarded by \($0), which is not in api.trustedProxies" }
                        ?? "address not in allowfrom")
            }
        }
        if let refused = refuseUpdateOverLimit("update", credential: username, client: client) { return refused }
        guard let fields = JSONBody.stringObject(body), Set(fields.keys) == ["subdomain", "txt"],
            let subdomain = fields["subdomain"], let txt = fields["txt"]
        else { return HookResponse.error(.badRequest, "malformed_json_payload") }
        guard subdomain == registration.subdomain else { return refuse("another subdomain") }
        guard ChallengeName.isDigest(txt) else { return HookResponse.error(.badRequest, "bad_txt") }

        let owned = OwnedName(
            name: "\(subdomain).\(ChallengeName.storeText(authZone))", owner: registration.owner, kind: .label)
        guard authority.zone(at: authZone) != nil else {
            logger.error("the auth zone is not served", metadata: ["zone": "\(authZone)"])
            return HookResponse.error(.serviceUnavailable, "auth_zone_not_served")
        }
        let rehash: [StoreChange] =
            Credential.needsRehash(registration.keyHash)
            ? [.replaceKeyHash(username: username, keyHash: Credential.hash(key))] : []
        do {
            try await publish(txt, at: owned, extra: rehash)
        } catch let error as ChallengeWriterError {
            logger.error("update not served", metadata: ["user": "\(username)", "error": "\(error)"])
            return HookResponse.error(.serviceUnavailable, "auth_zone_not_served")
        } catch {
            logger.error("update failed", metadata: ["user": "\(username)", "error": "\(error)"])
            return HookResponse.error(.internalServerError, "db_error")
        }
        return HookResponse.json(.ok, "{\"txt\": \"\(txt)\"}")
    }
}
