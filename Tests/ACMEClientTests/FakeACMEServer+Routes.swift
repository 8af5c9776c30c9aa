import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftASN1
import X509

@testable import ACMEClient

/// The fake CA's resources and how it answers each (RFC 8555 §7).
extension FakeACMEServer {
    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        let routes: [(HTTPRequest.Method, String, Route)] = [
            (.get, "directory", .directory), (.head, "new-nonce", .newNonce), (.get, "new-nonce", .newNonce),
            (.post, "new-account", .newAccount), (.post, "new-order", .newOrder), (.post, "order/:id", .order),
            (.post, "authz/:id", .authorization), (.post, "chall/:id", .challenge),
            (.post, "finalize/:id", .finalize), (.post, "cert/:id", .certificate),
            (.post, "cert/:id/alt", .certificate), (.get, "renewal-info/:id", .renewalInfo),
            (.post, "acct/:id/orders", .orders),
        ]
        for (method, path, route) in routes {
            router.on(RouterPath(path), method: method) { request, context -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                let reply = await self.answer(
                    route, id: context.parameters.get("id") ?? "", path: request.uri.path,
                    body: Data(body.readableBytesView))
                var headers = HTTPFields()
                for (name, value) in reply.headers {
                    if let name = HTTPField.Name(name) { headers.append(HTTPField(name: name, value: value)) }
                }
                return Response(
                    status: .init(code: reply.status), headers: headers,
                    body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
            }
        }
        return router
    }

    /// Answers one request and records it.
    func answer(_ route: Route, id: String, path: String, body: Data) async -> Reply {
        switch route {
        case .directory, .newNonce:
            if let reply = takeCanned(route) {
                return record(route, path: path, nonce: nil, payload: nil, reply: reply)
            }
        default:
            break
        }
        switch route {
        case .directory:
            return record(route, path: path, nonce: nil, payload: nil, reply: json(200, directory()))
        case .newNonce:
            return record(
                route, path: path, nonce: nil, payload: nil,
                reply: Reply(status: 200, headers: [("Cache-Control", "no-store")]), withNonce: true)
        case .renewalInfo:
            if let reply = takeCanned(route) {
                return record(route, path: path, nonce: nil, payload: nil, reply: reply)
            }
            return record(route, path: path, nonce: nil, payload: nil, reply: renewalInfo(id))
        default:
            break
        }

        // Every POST: a JWS signed by the right key, for this URL, with a nonce we handed out.
        let request: VerifiedRequest
        do {
            request = try verify(body, path: path, route: route)
        } catch let rejection as Rejection {
            return record(route, path: path, nonce: nil, payload: nil, reply: rejection.reply, withNonce: true)
        } catch {
            return record(
                route, path: path, nonce: nil, payload: nil,
                reply: problem(400, Problem("malformed", detail: "\(error)")), withNonce: true)
        }
        func finish(_ reply: Reply) -> Reply {
            record(route, path: path, nonce: request.nonce, payload: request.payload, reply: reply, withNonce: true)
        }
        guard validNonces.remove(request.nonce) != nil else {
            return finish(problem(400, Problem("badNonce", detail: "JWS has an invalid anti-replay nonce")))
        }
        if noncesToReject > 0 {
            noncesToReject -= 1
            return finish(problem(400, Problem("badNonce", detail: "scripted nonce rejection")))
        }
        if let reply = takeCanned(route) { return finish(reply) }

        switch route {
        case .newAccount: return finish(newAccount(request))
        case .newOrder: return finish(newOrder(request))
        case .order: return finish(order(id, request))
        case .authorization: return finish(authorization(id, request))
        case .challenge: return finish(await challenge(id, request))
        case .finalize: return finish(finalize(id, request))
        case .certificate: return finish(certificate(id, alternate: path.hasSuffix("/alt")))
        case .orders: return finish(ordersList(id, request))
        case .directory, .newNonce, .renewalInfo: return finish(problem(405, Problem("malformed")))
        }
    }

    // MARK: - JWS (RFC 8555 §6.2)

    struct Rejection: Error {
        var reply: Reply
    }

    struct VerifiedRequest {
        var account: String?
        var jwk: JWK
        var nonce: String
        var payload: Data?
    }

    struct JWK: Codable {
        var kty: String
        var crv: String?
        var x: String?
        var y: String?

        /// RFC 7638 §3: the required members in lexicographic order, no whitespace.
        var thumbprint: String {
            let canonical = #"{"crv":"\#(crv ?? "")","kty":"\#(kty)","x":"\#(x ?? "")","y":"\#(y ?? "")"}"#
            return Data(SHA256.hash(data: Data(canonical.utf8))).base64URLEncodedString()
        }

        var publicKey: P256.Signing.PublicKey? {
            guard kty == "EC", crv == "P-256", let x = x.flatMap({ Data(base64URLEncoded: $0) }),
                let y = y.flatMap({ Data(base64URLEncoded: $0) }), x.count == 32, y.count == 32
            else { return nil }
            return try? P256.Signing.PublicKey(rawRepresentation: x + y)
        }
    }

    private struct FlattenedJWS: Decodable {
        var protected: String
        var payload: String
        var signature: String
    }

    private struct ProtectedHeader: Decodable {
        var alg: String
        var jwk: JWK?
        var kid: String?
        var nonce: String?
        var url: String
    }

    private func verify(_ body: Data, path: String, route: Route) throws -> VerifiedRequest {
        func reject(_ status: Int, _ name: String, _ detail: String) -> Rejection {
            Rejection(reply: problem(status, Problem(name, detail: detail)))
        }
        let jws = try JSONDecoder().decode(FlattenedJWS.self, from: body)
        guard let headerData = Data(base64URLEncoded: jws.protected) else {
            throw reject(400, "malformed", "protected header is not base64url")
        }
        let header = try JSONDecoder().decode(ProtectedHeader.self, from: headerData)
        guard header.url == baseURL + path else {
            throw reject(401, "unauthorized", "JWS url \(header.url) is not \(baseURL + path)")
        }
        guard header.alg == "ES256" else {
            throw reject(400, "badSignatureAlgorithm", "this fake CA verifies ES256 only, not \(header.alg)")
        }
        let key: P256.Signing.PublicKey
        let jwk: JWK
        var account: String?
        if route == .newAccount {
            guard let given = header.jwk, header.kid == nil, let publicKey = given.publicKey else {
                throw reject(400, "malformed", "newAccount needs a P-256 jwk and no kid")
            }
            (key, jwk) = (publicKey, given)
        } else {
            guard header.jwk == nil, let kid = header.kid else {
                throw reject(400, "malformed", "requests after newAccount carry a kid and no jwk")
            }
            guard let known = accounts[kid] else { throw reject(400, "accountDoesNotExist", "no account \(kid)") }
            (key, jwk, account) = (known.key, known.jwk, kid)
        }
        guard let signatureBytes = Data(base64URLEncoded: jws.signature),
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            key.isValidSignature(signature, for: Data("\(jws.protected).\(jws.payload)".utf8))
        else {
            throw reject(400, "malformed", "JWS signature does not verify")
        }
        guard let nonce = header.nonce else { throw reject(400, "badNonce", "JWS has no nonce") }
        var payload: Data?
        if !jws.payload.isEmpty {
            guard let decoded = Data(base64URLEncoded: jws.payload) else {
                throw reject(400, "malformed", "payload is not base64url")
            }
            payload = decoded
        }
        return VerifiedRequest(account: account, jwk: jwk, nonce: nonce, payload: payload)
    }

    // MARK: - Replies

    private func record(
        _ route: Route, path: String, nonce: String?, payload: Data?, reply: Reply, withNonce: Bool = false
    ) -> Reply {
        var reply = reply
        var replyNonce: String?
        if withNonce {
            nonceCounter += 1
            let fresh = "nonce-\(nonceCounter)-\(UInt32.random(in: 0...UInt32.max))"
            validNonces.insert(fresh)
            reply.headers.append(("Replay-Nonce", fresh))
            replyNonce = fresh
        }
        let problemType = (try? JSONDecoder().decode(Problem.self, from: reply.body))?.type
        exchanges.append(
            Exchange(
                route: route, path: path, nonce: nonce, payload: payload, status: reply.status,
                problemType: reply.status >= 400 ? problemType : nil, replyNonce: replyNonce,
                retryAfter: reply.headers.first { $0.0 == "Retry-After" }?.1, time: .now))
        return reply
    }

    private func takeCanned(_ route: Route) -> Reply? {
        guard var queue = canned[route], !queue.isEmpty else { return nil }
        let next = queue.removeFirst()
        canned[route] = queue
        var reply = problem(next.status, next.problem)
        if let retryAfter = next.retryAfter { reply.headers.append(("Retry-After", retryAfter)) }
        if let location = next.location { reply.headers.append(("Location", location)) }
        return reply
    }

    private func json(_ status: Int, _ value: some Encodable, headers: [(String, String)] = []) -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Reply(
            status: status, headers: [("Content-Type", "application/json")] + headers,
            body: (try? encoder.encode(value)) ?? Data())
    }

    func problem(_ status: Int, _ problem: Problem) -> Reply {
        var problem = problem
        problem.status = problem.status ?? status
        var reply = json(status, problem)
        reply.headers[0].1 = "application/problem+json"
        return reply
    }

    // MARK: - Resources

    private struct DirectoryBody: Encodable {
        struct Meta: Encodable {
            var termsOfService: String
            var profiles: [String: String]?
            /// A member no client knows yet.
            var futureMember = ["ignored": true]
        }
        var newNonce: String
        var newAccount: String
        var newOrder: String
        var revokeCert: String
        var renewalInfo: String?
        var meta: Meta?
    }

    private func directory() -> DirectoryBody {
        DirectoryBody(
            newNonce: baseURL + "/new-nonce", newAccount: baseURL + "/new-account",
            newOrder: listed(baseURL + "/new-order", cleartext: options.cleartextNewOrder),
            revokeCert: baseURL + "/revoke-cert",
            renewalInfo: options.offersRenewalInfo ? baseURL + "/renewal-info" : nil,
            meta: options.profiles.map { DirectoryBody.Meta(termsOfService: baseURL + "/terms", profiles: $0) })
    }

    /// `url`, as `http://` when the test asks the fake to list a cleartext URL.
    private func listed(_ url: String, cleartext: Bool) -> String {
        cleartext ? "http://" + url.dropFirst("https://".count) : url
    }

    private func renewalInfo(_ certificateID: String) -> Reply {
        struct Body: Encodable {
            struct Window: Encodable {
                var start: String
                var end: String
            }
            var suggestedWindow: Window
            var explanationURL: String
        }
        guard let window = renewalWindows[certificateID] else {
            return problem(404, Problem("malformed", detail: "no certificate \(certificateID)"))
        }
        return json(
            200,
            Body(
                suggestedWindow: .init(start: window.start, end: window.end),
                explanationURL: baseURL + "/why"),
            headers: [("Retry-After", window.retryAfter)])
    }

    private func newAccount(_ request: VerifiedRequest) -> Reply {
        struct NewAccount: Decodable {
            var onlyReturnExisting: Bool?
        }
        let thumbprint = request.jwk.thumbprint
        if let existing = accounts.first(where: { $0.value.jwk.thumbprint == thumbprint })?.key {
            return json(200, ["status": "valid", "orders": existing + "/orders"], headers: [("Location", existing)])
        }
        let wanted = request.payload.flatMap { try? JSONDecoder().decode(NewAccount.self, from: $0) }
        if wanted?.onlyReturnExisting == true {
            return problem(400, Problem("accountDoesNotExist", detail: "no account for this key"))
        }
        guard let key = request.jwk.publicKey else { return problem(400, Problem("badPublicKey")) }
        let url = baseURL + "/acct/\(accounts.count + 1)"
        accounts[url] = (key, request.jwk)
        return json(201, ["status": "valid", "orders": url + "/orders"], headers: [("Location", url)])
    }

    /// The account's orders that are not invalid, oldest first (RFC 8555 §7.1.2.1), on one page.
    private func ordersList(_ id: String, _ request: VerifiedRequest) -> Reply {
        guard request.account == baseURL + "/acct/\(id)" else {
            return problem(403, Problem("unauthorized", detail: "not this account's orders"))
        }
        let listed = orders.indices.filter { orders[$0].account == request.account && orderStatus($0) != "invalid" }
        return json(200, ["orders": listed.map { baseURL + "/order/\($0)" }])
    }

    private func newOrder(_ request: VerifiedRequest) -> Reply {
        struct NewOrder: Decodable {
            var identifiers: [Identifier]
            var profile: String?
            var replaces: String?
        }
        guard let payload = request.payload, let wanted = try? JSONDecoder().decode(NewOrder.self, from: payload),
            !wanted.identifiers.isEmpty
        else {
            return problem(400, Problem("malformed", detail: "newOrder needs identifiers"))
        }
        if let profile = wanted.profile, options.profiles?[profile] == nil {
            return problem(400, Problem("invalidProfile", detail: "no profile \(profile)"))
        }
        if let replaces = wanted.replaces {
            guard !replaced.contains(replaces) else {
                return problem(409, Problem("alreadyReplaced", detail: "\(replaces) was already replaced"))
            }
            replaced.insert(replaces)
        }
        let orderID = orders.count
        var authorizationIDs: [Int] = []
        for identifier in wanted.identifiers {
            let wildcard = identifier.value.hasPrefix("*.")
            let base = wildcard ? String(identifier.value.dropFirst(2)) : identifier.value
            let challenges = options.challengeTypes(base).map { (type: $0, token: Self.token()) }
            authorizationIDs.append(authorizations.count)
            authorizations.append(
                Authorization(
                    identifier: Identifier(value: base), wildcard: wildcard, order: orderID, challenges: challenges))
        }
        orders.append(
            Order(
                account: request.account ?? "", identifiers: wanted.identifiers, authorizations: authorizationIDs,
                profile: wanted.profile, replaces: wanted.replaces))
        return json(201, orderBody(orderID), headers: [("Location", baseURL + "/order/\(orderID)")])
    }

    private static func token() -> String {
        Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64URLEncodedString()
    }

    private struct OrderBody: Encodable {
        var status: String
        var identifiers: [Identifier]
        var authorizations: [String]
        var finalize: String
        var certificate: String?
        var error: Problem?
        var profile: String?
        var replaces: String?
    }

    private func orderStatus(_ id: Int) -> String {
        let order = orders[id]
        if order.certificate != nil { return order.processingPollsLeft > 0 ? "processing" : "valid" }
        let statuses = order.authorizations.map(authorizationStatus)
        if statuses.contains("invalid") { return "invalid" }
        return statuses.allSatisfy { $0 == "valid" } ? "ready" : "pending"
    }

    private func orderBody(_ id: Int) -> OrderBody {
        let order = orders[id]
        let status = orderStatus(id)
        return OrderBody(
            status: status, identifiers: order.identifiers,
            authorizations: order.authorizations.map { baseURL + "/authz/\($0)" },
            finalize: baseURL + "/finalize/\(id)",
            certificate: status == "valid"
                ? order.certificate.map { listed(baseURL + "/cert/\($0)", cleartext: options.cleartextCertificate) }
                : nil,
            error: status == "invalid" ? Problem("unauthorized", detail: "an authorization failed") : nil,
            profile: order.profile, replaces: order.replaces)
    }

    private func order(_ id: String, _ request: VerifiedRequest) -> Reply {
        guard let id = Int(id), orders.indices.contains(id), orders[id].account == request.account else {
            return problem(404, Problem("malformed", detail: "no such order"))
        }
        let body = orderBody(id)
        var headers: [(String, String)] = []
        if body.status == "processing" {
            orders[id].processingPollsLeft -= 1
            if let seconds = orderProcessingPolls?.seconds { headers.append(("Retry-After", seconds)) }
        }
        return json(200, body, headers: headers)
    }

    private func authorizationStatus(_ id: Int) -> String {
        let authorization = authorizations[id]
        guard authorization.answered, authorization.validated else { return "pending" }
        if options.holdUntilAllAnswered,
            orders[authorization.order].authorizations.contains(where: { !authorizations[$0].validated })
        {
            return "pending"
        }
        return authorization.problem == nil ? "valid" : "invalid"
    }

    private struct AuthorizationBody: Encodable {
        var identifier: Identifier
        var status: String
        var expires = "2099-01-01T00:00:00Z"
        var challenges: [ChallengeBody]
        var wildcard: Bool?
    }

    private struct ChallengeBody: Encodable {
        var type: String
        var url: String
        var status: String
        var token: String
        var error: Problem?
        /// dns-persist-01's member (draft-ietf-acme-dns-persist), unknown to the client.
        var issuerDomainNames: [String]?

        enum CodingKeys: String, CodingKey {
            case type, url, status, token, error
            case issuerDomainNames = "issuer-domain-names"
        }
    }

    private func challengeBody(_ id: Int, _ index: Int, status authorizationStatus: String) -> ChallengeBody {
        let authorization = authorizations[id]
        let (type, token) = authorization.challenges[index]
        var status = "pending"
        if authorization.answered, authorization.challenges.indices.contains(index),
            authorization.answeredChallenge == index
        {
            status = authorizationStatus == "pending" ? "processing" : authorizationStatus
        }
        return ChallengeBody(
            type: type, url: baseURL + "/chall/\(id)-\(index)", status: status, token: token,
            error: status == "invalid" ? authorization.problem : nil,
            issuerDomainNames: type == "dns-persist-01" ? ["fake.test"] : nil)
    }

    private func authorizationBody(_ id: Int, status: String) -> AuthorizationBody {
        let authorization = authorizations[id]
        return AuthorizationBody(
            identifier: authorization.identifier, status: status,
            challenges: authorization.challenges.indices.map { challengeBody(id, $0, status: status) },
            wildcard: authorization.wildcard ? true : nil)
    }

    private func authorization(_ id: String, _ request: VerifiedRequest) -> Reply {
        guard let id = Int(id), authorizations.indices.contains(id),
            orders[authorizations[id].order].account == request.account
        else {
            return problem(404, Problem("malformed", detail: "no such authorization"))
        }
        var status = authorizationStatus(id)
        var headers: [(String, String)] = []
        if status != "pending", authorizations[id].retryPollsLeft > 0 {
            authorizations[id].retryPollsLeft -= 1
            status = "pending"
            if let seconds = authorizationPollRetryAfter?.seconds { headers.append(("Retry-After", seconds)) }
        }
        if status == "valid" { events.append("valid \(authorizations[id].orderedName)") }
        return json(200, authorizationBody(id, status: status), headers: headers)
    }

    private func challenge(_ path: String, _ request: VerifiedRequest) async -> Reply {
        let parts = path.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 2, authorizations.indices.contains(parts[0]),
            authorizations[parts[0]].challenges.indices.contains(parts[1]),
            orders[authorizations[parts[0]].order].account == request.account
        else {
            return problem(404, Problem("malformed", detail: "no such challenge"))
        }
        let (id, index) = (parts[0], parts[1])
        guard request.payload != nil else {
            return problem(400, Problem("malformed", detail: "answer a challenge with {}, not POST-as-GET"))
        }
        if !authorizations[id].answered {
            authorizations[id].answered = true
            authorizations[id].answeredChallenge = index
            authorizations[id].retryPollsLeft = authorizationPollRetryAfter?.polls ?? 0
            let authorization = authorizations[id]
            events.append("answered \(authorization.orderedName)")
            let (type, token) = authorization.challenges[index]
            let name = "_acme-challenge." + authorization.identifier.value
            let expected = Data(SHA256.hash(data: Data("\(token).\(request.jwk.thumbprint)".utf8)))
                .base64URLEncodedString()
            var failure: Problem?
            if type != "dns-01" {
                failure = Problem("unauthorized", detail: "this fake CA validates dns-01 only, not \(type)")
            } else if let detail = options.failing[authorization.identifier.value] {
                failure = Problem("unauthorized", detail: detail)
            } else if await !options.txtLookup(name, expected) {
                failure = Problem("unauthorized", detail: "no TXT record \(expected) at \(name)")
            }
            authorizations[id].problem = failure
            authorizations[id].validated = true
        }
        return json(200, challengeBody(id, index, status: "pending"))
    }

    private func finalize(_ id: String, _ request: VerifiedRequest) -> Reply {
        struct Finalize: Decodable {
            var csr: String
        }
        guard let id = Int(id), orders.indices.contains(id), orders[id].account == request.account else {
            return problem(404, Problem("malformed", detail: "no such order"))
        }
        guard orderStatus(id) == "ready" else {
            return problem(403, Problem("orderNotReady", detail: "the order is \(orderStatus(id))"))
        }
        guard let payload = request.payload, let body = try? JSONDecoder().decode(Finalize.self, from: payload),
            let der = Data(base64URLEncoded: body.csr),
            let csr = try? CertificateSigningRequest(derEncoded: Array(der)),
            csr.publicKey.isValidSignature(csr.signature, for: csr)
        else {
            return problem(400, Problem("badCSR", detail: "not a signed CSR"))
        }
        var names: [String] = []
        if let sans = try? csr.attributes.extensionRequest?.extensions.subjectAlternativeNames {
            for case .dnsName(let value) in sans { names.append(value) }
        }
        let ordered = orders[id].identifiers.map(\.value)
        guard Set(names) == Set(ordered) else {
            return problem(400, Problem("badCSR", detail: "CSR names \(names) are not the order's \(ordered)"))
        }
        do {
            var publicKey = csr.publicKey
            // Lowercased, as Let's Encrypt issues them whatever the order's case.
            var names = ordered.map { $0.lowercased() }
            switch leafFault {
            case .otherKey: publicKey = .init(P256.Signing.PrivateKey().publicKey)
            case .addedName(let name): names.append(name)
            case .droppedName: names.removeLast()
            case nil: break
            }
            let leaf = try authority.issue(publicKey: publicKey, names: names)
            certificates.append(try authority.chains(for: leaf))
        } catch {
            return problem(500, Problem("serverInternal", detail: "\(error)"))
        }
        orders[id].certificate = certificates.count - 1
        orders[id].processingPollsLeft = orderProcessingPolls?.polls ?? 0
        return json(200, orderBody(id))
    }

    private func certificate(_ id: String, alternate: Bool) -> Reply {
        guard let id = Int(id), certificates.indices.contains(id) else {
            return problem(404, Problem("malformed", detail: "no such certificate"))
        }
        var headers = [("Content-Type", "application/pem-certificate-chain")]
        if options.offersAlternateChain {
            let other = alternate ? baseURL + "/cert/\(id)" : baseURL + "/cert/\(id)/alt"
            headers.append(("Link", "<\(other)>;rel=\"alternate\""))
        }
        let pem = alternate ? certificates[id].alternate : certificates[id].chain
        return Reply(status: 200, headers: headers, body: Data(pem.utf8))
    }
}

extension FakeACMEServer.Authorization {
    var orderedName: String { wildcard ? "*." + identifier.value : identifier.value }
}
