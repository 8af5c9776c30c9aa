public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Publishes dns-01 values through another Cairn (or any server speaking lego's httpreq API),
/// so the ACME client can run on a different host than the DNS server (DESIGN.md decision 3).
///
/// `publish` sends `POST {endpoint}/present` and `withdraw` sends `POST {endpoint}/cleanup`,
/// each with the JSON body `{"fqdn":"_acme-challenge.example.com.","value":"…"}` and HTTP Basic
/// authentication (a token created with `cairn token create`). Any 2xx status is success;
/// anything else throws an ``ACMEError`` with code ``ACMEError/Code/publishing`` that names the
/// URL, the status and the start of the server's reply (never the credentials).
///
/// The httpreq API carries no TTL or expiry: the remote Cairn applies its own.
public struct HTTPRequestPublisher: ChallengePublisher {
    /// The API base, such as `https://cairn.example.net:8443` or `https://host/api`.
    public let endpoint: String
    private let authorization: String
    private let httpClient: HTTPClient
    private let timeout: TimeAmount

    /// The httpreq API carries no TTL: the remote Cairn serves its own.
    public var servesGivenTTL: Bool { false }

    /// - Parameters:
    ///   - endpoint: the API base; `/present` and `/cleanup` are appended to its path.
    ///   - username: the token identifier (Basic user name).
    ///   - password: the token key (Basic password).
    ///   - httpClient: the client to send with; pass one configured to trust a private CA if the
    ///     remote Cairn's certificate needs it.
    ///   - timeout: the deadline for each request.
    public init(
        endpoint: String, username: String, password: String, httpClient: HTTPClient = .shared,
        timeout: Duration = .seconds(30)
    ) {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base
        self.authorization = HTTPClient.Authorization.basic(username: username, password: password).headerValue
        self.httpClient = httpClient
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    public func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws {
        try await send("present", name: name, value: value)
    }

    public func withdraw(name: String, value: String) async throws {
        try await send("cleanup", name: name, value: value)
    }

    /// The body lego sends: the challenge name fully qualified with its trailing dot.
    struct Body: Codable, Equatable {
        var fqdn: String
        var value: String
    }

    private func send(_ operation: String, name: String, value: String) async throws {
        let url = "\(endpoint)/\(operation)"
        let fqdn = name.hasSuffix(".") ? name : name + "."
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(Body(fqdn: fqdn, value: value))))

        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout)
        } catch {
            throw ACMEError(.publishing, detail: "POST \(url) for \(fqdn) failed: \(error)", url: url)
        }
        let reply = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
        guard (200..<300).contains(response.status.code) else {
            var detail = "POST \(url) for \(fqdn) answered \(response.status.code) \(response.status.reasonPhrase)"
            let excerpt = reply.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
            if !excerpt.isEmpty { detail += ": \(excerpt)" }
            if response.status.code == 401 { detail += " (check the token identifier and key)" }
            if response.status.code == 403 { detail += " (the token does not own \(fqdn))" }
            throw ACMEError(.publishing, detail: detail, url: url)
        }
    }
}
