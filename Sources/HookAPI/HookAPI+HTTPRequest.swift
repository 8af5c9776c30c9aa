import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Store

/// lego's httpreq API: `POST /present` and `POST /cleanup` with HTTP Basic authentication by a
/// token. The body is `{"fqdn","value"}` or, in RAW mode, `{"domain","token","keyAuth"}` (the
/// server computes the digest); the reply is 200 with the request body echoed (acme.sh's
/// `dns_acmeproxy` looks for the value in it).
extension HookAPI {
    func httpRequest(_ request: Request, _ context: HookRequestContext, present: Bool) async -> Response {
        let client: RequestSource
        let body: ByteBuffer
        switch await admit(request, context) {
        case .admitted(let source, let bytes): (client, body) = (source, bytes)
        case .refused(let response): return response
        }
        let credentials = Self.basicCredentials(request.headers[.authorization])
        func refuse(_ reason: String) -> Response {
            refuseAuthentication("httpreq", reason: reason, client: client, credential: credentials?.0)
        }
        guard let (id, key) = credentials else { return refuse("no basic credentials") }
        let token: Token?
        do {
            token = try await store.token(id: id)
        } catch {
            logger.error("store read failed", metadata: ["error": "\(error)"])
            return HookResponse.error(.serviceUnavailable, "db_error")
        }
        let storedHash = token?.keyHash ?? Credential.unknownUserHash
        if mustWaitBeforeChecking(storedHash, client: client, credential: id) {
            return refuse("failure limit reached before a bcrypt check")
        }
        guard Credential.verify(key, against: storedHash), let token else { return refuse("wrong token or key") }
        if let refused = refuseUpdateOverLimit("httpreq", credential: id, client: client) { return refused }

        guard let fields = JSONBody.stringObject(body) else {
            return HookResponse.error(.badRequest, "malformed_json_payload")
        }
        let fqdn: String
        let value: String
        switch Set(fields.keys) {
        case ["fqdn", "value"]:
            fqdn = fields["fqdn"]!
            value = fields["value"]!
        case ["domain", "token", "keyAuth"]:
            var domain = Substring(fields["domain"]!)
            if domain.hasPrefix("*.") { domain = domain.dropFirst(2) }
            fqdn = "_acme-challenge.\(domain)"
            value = Credential.dns01Digest(keyAuthorization: fields["keyAuth"]!)
        default:
            return HookResponse.error(.badRequest, "malformed_json_payload")
        }
        guard ChallengeName.isDigest(value) else { return HookResponse.error(.badRequest, "bad_txt") }

        let owned: OwnedName
        do {
            guard let target = try await target(of: fqdn, owner: token.owner) else {
                logger.notice("httpreq for a name not owned", metadata: ["token": "\(id)", "name": "\(fqdn)"])
                return HookResponse.error(.forbidden, "name_not_owned")
            }
            owned = target
        } catch {
            logger.error("store read failed", metadata: ["error": "\(error)"])
            return HookResponse.error(.serviceUnavailable, "db_error")
        }
        do {
            if present {
                try await publish(value, at: owned)
            } else {
                try await withdraw(value, at: owned)
            }
        } catch let error as ChallengeWriterError {
            logger.error("httpreq for a name not served", metadata: ["token": "\(id)", "error": "\(error)"])
            return HookResponse.error(.serviceUnavailable, "name_not_served")
        } catch {
            logger.error("httpreq failed", metadata: ["token": "\(id)", "error": "\(error)"])
            return HookResponse.error(.internalServerError, "db_error")
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: body))
    }

    /// The name `owner` publishes at for `fqdn`: the name itself when the owner holds it, or the
    /// label the owner holds in the auth zone for `_acme-challenge.<domain>` (CNAME delegation).
    /// Names are compared after strict parsing; nothing is resolved.
    func target(of fqdn: String, owner: String) async throws -> OwnedName? {
        guard let name = ChallengeName.parse(fqdn) else { return nil }
        let text = ChallengeName.storeText(name)
        let owned = try await store.ownedNames(owner: owner)
        if let direct = owned.first(where: { $0.name == text }) { return direct }
        return owned.first { entry in entry.domain.map { "_acme-challenge.\($0)" == text } ?? false }
    }

    /// The user name and password of an `Authorization: Basic` header (RFC 7617).
    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
