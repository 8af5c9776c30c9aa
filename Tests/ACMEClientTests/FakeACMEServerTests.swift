import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import ACMEClient

/// The fake CA itself refuses what a CA refuses (RFC 8555 §6.2, §6.4, §6.5), so that the
/// other suites passing against it means the client signs, addresses and spends nonces right.
@Suite struct FakeACMEServerTests {
    struct Answer {
        var status: Int
        var problem: String?
    }

    static func send(
        _ method: HTTPMethod, _ url: String, body: Data? = nil, through client: HTTPClient
    ) async throws -> (Answer, String?) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let body {
            request.headers.add(name: "Content-Type", value: "application/jose+json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        let problem = try? JSONDecoder().decode(FakeACMEServer.Problem.self, from: Data(bytes.readableBytesView))
        return (
            Answer(status: Int(response.status.code), problem: problem?.type),
            response.headers.first(name: "Replay-Nonce")
        )
    }

    static func jws(payload: Data, key: ACMEKey, kid: String?, nonce: String, url: String) throws -> Data {
        let header = JWS.Header(
            alg: key.algorithm, jwk: kid == nil ? key.jwk : nil, kid: kid, nonce: nonce, url: url)
        return try JWS.encoder.encode(JWS.sign(payload: payload, header: header, key: key))
    }

    @Test func refusesForgedMisaddressedAndReplayedRequests() async throws {
        try await FakeACMEServer.with { server in
            let client = try await server.makeClient()
            let account = try await client.register()
            let key = await client.key
            let base = await server.baseURL
            let newOrder = base + "/new-order"
            let payload = Data(#"{"identifiers":[{"type":"dns","value":"a.test"}]}"#.utf8)
            let error = "urn:ietf:params:acme:error:"
            let nonce = try #require(try await Self.send(.HEAD, base + "/new-nonce", through: server.httpClient).1)

            // A refused request does not spend the nonce; the last one does.
            let forged = try Self.jws(
                payload: payload, key: .generate(.p256), kid: account.url, nonce: nonce, url: newOrder)
            #expect(
                try await Self.send(.POST, newOrder, body: forged, through: server.httpClient).0.problem == error
                    + "malformed")
            let misaddressed = try Self.jws(
                payload: payload, key: key, kid: account.url, nonce: nonce, url: base + "/x")
            #expect(
                try await Self.send(.POST, newOrder, body: misaddressed, through: server.httpClient).0.problem == error
                    + "unauthorized")
            let stranger = try Self.jws(payload: payload, key: key, kid: base + "/acct/99", nonce: nonce, url: newOrder)
            #expect(
                try await Self.send(.POST, newOrder, body: stranger, through: server.httpClient).0.problem == error
                    + "accountDoesNotExist")
            let invented = try Self.jws(payload: payload, key: key, kid: account.url, nonce: "invented", url: newOrder)
            #expect(
                try await Self.send(.POST, newOrder, body: invented, through: server.httpClient).0.problem == error
                    + "badNonce")

            let good = try Self.jws(payload: payload, key: key, kid: account.url, nonce: nonce, url: newOrder)
            #expect(try await Self.send(.POST, newOrder, body: good, through: server.httpClient).0.status == 201)
            #expect(
                try await Self.send(.POST, newOrder, body: good, through: server.httpClient).0.problem == error
                    + "badNonce")
        }
    }
}
