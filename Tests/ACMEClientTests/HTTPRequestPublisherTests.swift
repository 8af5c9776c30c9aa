import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import ACMEClient

/// ``HTTPRequestPublisher`` against a small Hummingbird server on a loopback port the system
/// picks. The server stands in for a remote Cairn's httpreq API (`POST /present`,
/// `POST /cleanup`, HTTP Basic): it records each request and answers with the status the test
/// chose. The real API is exercised end to end in the integration tests.
@Suite struct HTTPRequestPublisherTests {
    struct Recorded: Sendable, Equatable {
        var path: String
        var authorization: String?
        var contentType: String?
        var body: String
    }

    final class Recorder: Sendable {
        private let requests = Mutex<[Recorded]>([])
        var all: [Recorded] { requests.withLock { $0 } }
        func append(_ request: Recorded) { requests.withLock { $0.append(request) } }
    }

    /// Runs a stand-in API on 127.0.0.1 (port 0) under `basePath`, answering `status` with
    /// `reply`, for the length of `body`.
    static func withStandIn<T: Sendable>(
        basePath: String = "", status: HTTPResponse.Status = .ok, reply: String? = nil,
        _ body: @Sendable (_ endpoint: String, _ recorder: Recorder) async throws -> T
    ) async throws -> T {
        let recorder = Recorder()
        let router = Router()
        for operation in ["present", "cleanup"] {
            router.post("\(basePath)/\(operation)") { request, _ -> Response in
                var request = request
                let bytes = try await request.collectBody(upTo: 4096)
                let text = String(buffer: bytes)
                recorder.append(
                    Recorded(
                        path: request.uri.path, authorization: request.headers[.authorization],
                        contentType: request.headers[.contentType], body: text))
                return Response(
                    status: status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: reply ?? text)))
            }
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let services = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [], logger: app.logger))
            group.addTask { try await services.run() }
            var port = 0
            for await value in ports {
                port = value
                break
            }
            let outcome: Result<T, any Error>
            do {
                #expect(port != 0)
                outcome = .success(try await body("http://127.0.0.1:\(port)\(basePath)", recorder))
            } catch {
                outcome = .failure(error)
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return try outcome.get()
        }
    }

    static func decoded(_ body: String) throws -> HTTPRequestPublisher.Body {
        try JSONDecoder().decode(HTTPRequestPublisher.Body.self, from: Data(body.utf8))
    }

    @Test func presentsAndCleansUpWithBasicAuthAndTheFullyQualifiedName() async throws {
        try await Self.withStandIn { endpoint, recorder in
            let publisher = HTTPRequestPublisher(endpoint: endpoint + "/", username: "token-id", password: "s3cret")
            let value = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
            try await publisher.publish(
                name: "_acme-challenge.example.com", value: value, ttl: 60, expiresAfterSeconds: 600)
            try await publisher.withdraw(name: "_acme-challenge.example.com.", value: value)

            let requests = recorder.all
            try #require(requests.count == 2)
            #expect(requests.map(\.path) == ["/present", "/cleanup"])
            let basic = "Basic " + Data("token-id:s3cret".utf8).base64EncodedString()
            #expect(requests.allSatisfy { $0.authorization == basic })
            #expect(requests.allSatisfy { $0.contentType == "application/json" })
            for request in requests {
                #expect(
                    try Self.decoded(request.body)
                        == HTTPRequestPublisher.Body(fqdn: "_acme-challenge.example.com.", value: value))
            }
        }
    }

    @Test func keepsTheEndpointsBasePath() async throws {
        try await Self.withStandIn(basePath: "/api/httpreq") { endpoint, recorder in
            let publisher = HTTPRequestPublisher(endpoint: endpoint, username: "u", password: "p")
            try await publisher.publish(name: "_acme-challenge.a.test", value: "v", ttl: 60, expiresAfterSeconds: 60)
            #expect(recorder.all.map(\.path) == ["/api/httpreq/present"])
        }
    }

    @Test(arguments: [
        (HTTPResponse.Status.unauthorized, "{\"error\": \"forbidden\"}", "check the token"),
        (.forbidden, "{\"error\": \"name_not_owned\"}", "does not own _acme-challenge.example.com."),
        (.internalServerError, "{\"error\": \"db_error\"}", "db_error"),
    ])
    func aRefusalNamesTheEndpointAndStatus(status: HTTPResponse.Status, reply: String, hint: String) async throws {
        try await Self.withStandIn(status: status, reply: reply) { endpoint, _ in
            let publisher = HTTPRequestPublisher(endpoint: endpoint, username: "token-id", password: "s3cret")
            let error = try await #require(throws: ACMEError.self) {
                try await publisher.publish(
                    name: "_acme-challenge.example.com", value: "v", ttl: 60, expiresAfterSeconds: 60)
            }
            #expect(error.code == .publishing)
            #expect(error.url == "\(endpoint)/present")
            #expect(error.detail.contains("POST \(endpoint)/present"), "\(error)")
            #expect(error.detail.contains("answered \(status.code)"), "\(error)")
            #expect(error.detail.contains(hint), "\(error)")
            #expect(!error.description.contains("s3cret"))
        }
    }

    @Test func anUnreachableEndpointIsNamed() async throws {
        // A port that was free a moment ago: nothing listens there.
        let port = try await Self.withStandIn { endpoint, _ in
            Int(endpoint.split(separator: ":").last ?? "") ?? 0
        }
        let endpoint = "http://127.0.0.1:\(port)"
        let publisher = HTTPRequestPublisher(endpoint: endpoint, username: "u", password: "p", timeout: .seconds(1))
        let error = try await #require(throws: ACMEError.self) {
            try await publisher.withdraw(name: "_acme-challenge.example.com", value: "v")
        }
        #expect(error.code == .publishing)
        #expect(error.detail.contains("POST \(endpoint)/cleanup"), "\(error)")
    }
}
