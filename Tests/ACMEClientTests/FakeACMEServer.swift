import ACMEClient
import AsyncHTTPClient
import CairnTestSupport
import Crypto
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore

/// A small ACME CA (RFC 8555) for tests, over real HTTPS on 127.0.0.1 and a port the system
/// picks, with a root made for the run (``TestTLSIdentity``; ``httpClient`` trusts it). It stands in for what Pebble 2.4.0 lacks: ARI (RFC 9773), profiles, `Retry-After`,
/// 429/503, unknown challenge types and `alreadyReplaced`.
///
/// Like a real CA it checks every JWS (ES256; the JWK on newAccount, the `kid`'s stored key
/// afterwards; the protected `url`), hands out single-use nonces and refuses any other, and
/// validates dns-01 by looking the key authorization digest up through ``Options/txtLookup``.
/// Each test scripts it: canned answers for the next requests on a route, nonces to reject,
/// `Retry-After` while polling. Every request is recorded as an ``Exchange``.
actor FakeACMEServer {
    enum Route: String, Sendable, Hashable {
        case directory, newNonce, newAccount, newOrder, order, authorization, challenge, finalize, certificate
        case renewalInfo
        /// The account's orders list (RFC 8555 §7.1.2.1).
        case orders
    }

    struct Options: Sendable {
        /// `meta.profiles` of the directory; `nil` leaves `meta` out.
        var profiles: [String: String]?
        /// Whether the directory lists `renewalInfo` (RFC 9773 §3).
        var offersRenewalInfo = true
        /// The challenge types each authorization offers, in this order (the identifier
        /// without `*.`).
        var challengeTypes: @Sendable (_ identifier: String) -> [String] = { _ in ["dns-01"] }
        /// Identifiers whose validation fails whatever is published, with the CA's detail.
        var failing: [String: String] = [:]
        /// Keep every authorization of an order pending until all its challenges were answered.
        var holdUntilAllAnswered = false
        /// Offer an alternate chain (`Link: rel="alternate"`) with every certificate.
        var offersAlternateChain = false
        /// The directory lists `newOrder` as `http://` (a CA listing cleartext URLs, as
        /// acme2certifier was found to; RFC 8555 §6.1 requires HTTPS).
        var cleartextNewOrder = false
        /// Valid orders list their certificate URL as `http://`.
        var cleartextCertificate = false
        /// The CA's DNS lookup: whether the TXT `value` is served at `name`.
        var txtLookup: @Sendable (_ name: String, _ value: String) async -> Bool = { _, _ in false }
    }

    /// How an issued leaf differs from the order when ``Options/leafFault`` asks for it.
    enum LeafFault: Sendable {
        /// Another key than the CSR's.
        case otherKey
        /// One name more than the order's.
        case addedName(String)
        /// The order's last name left out.
        case droppedName
    }

    /// A problem document (RFC 8555 §6.7) as the fake sends it.
    struct Problem: Codable, Sendable, Hashable {
        var type: String
        var detail: String?
        var status: Int?
        var identifier: Identifier?
        var subproblems: [Problem]?

        init(
            _ name: String, detail: String? = nil, status: Int? = nil, identifier: Identifier? = nil,
            subproblems: [Problem]? = nil
        ) {
            self.type = "urn:ietf:params:acme:error:" + name
            self.detail = detail
            self.status = status
            self.identifier = identifier
            self.subproblems = subproblems
        }
    }

    struct Identifier: Codable, Sendable, Hashable {
        var type = "dns"
        var value: String
    }

    /// A scripted answer for the next request on a route.
    struct Canned: Sendable {
        var status: Int
        var retryAfter: String?
        var problem: Problem
        /// A `Location` to send (a redirect).
        var location: String?
    }

    /// One request as the server saw it and what it answered.
    struct Exchange: Sendable {
        var route: Route
        var path: String
        /// The JWS `nonce`, for POSTs.
        var nonce: String?
        /// The JWS payload (`nil` for POST-as-GET and GETs).
        var payload: Data?
        var status: Int
        var problemType: String?
        /// The `Replay-Nonce` of the answer.
        var replyNonce: String?
        var retryAfter: String?
        var time: ContinuousClock.Instant
    }

    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body = Data()
    }

    struct Authorization {
        var identifier: Identifier
        var wildcard: Bool
        var order: Int
        var challenges: [(type: String, token: String)]
        var answered = false
        var answeredChallenge: Int?
        var problem: Problem?
        var validated = false
        var retryPollsLeft = 0
    }

    struct Order {
        var account: String
        var identifiers: [Identifier]
        var authorizations: [Int]
        var profile: String?
        var replaces: String?
        var certificate: Int?
        var processingPollsLeft = 0
    }

    nonisolated let options: Options
    nonisolated let authority: FakeCertificateAuthority
    /// The PEM file of the root the server's HTTPS certificate chains to.
    nonisolated let trustedRootsFile: String
    /// A client trusting that root, shut down when ``with(_:_:)`` ends.
    nonisolated let httpClient: HTTPClient
    var baseURL = ""
    var exchanges: [Exchange] = []
    /// `answered <identifier>` per challenge POST, `valid <identifier>` per poll that reported valid.
    var events: [String] = []

    var validNonces: Set<String> = []
    var nonceCounter = 0
    var noncesToReject = 0
    var canned: [Route: [Canned]] = [:]
    var authorizationPollRetryAfter: (polls: Int, seconds: String)?
    var orderProcessingPolls: (polls: Int, seconds: String)?

    var accounts: [String: (key: P256.Signing.PublicKey, jwk: JWK)] = [:]
    var authorizations: [Authorization] = []
    var orders: [Order] = []
    var certificates: [(chain: String, alternate: String)] = []
    var replaced: Set<String> = []
    var renewalWindows: [String: (start: String, end: String, retryAfter: String)] = [:]
    /// How the next issued leaves differ from their orders; `nil` issues what was ordered.
    var leafFault: LeafFault?

    init(options: Options, trustedRootsFile: String, httpClient: HTTPClient) throws {
        self.options = options
        self.authority = try FakeCertificateAuthority()
        self.trustedRootsFile = trustedRootsFile
        self.httpClient = httpClient
    }

    // MARK: - Scripting

    /// Answers the next `times` requests on `route` with `status`, `Retry-After` and a problem.
    func script(
        _ route: Route, status: Int, retryAfter: String? = nil, problem: Problem? = nil, location: String? = nil,
        times: Int = 1
    ) {
        let problem = problem ?? Problem(status == 429 ? "rateLimited" : "serverInternal", detail: "scripted")
        canned[route, default: []] += Array(
            repeating: Canned(status: status, retryAfter: retryAfter, problem: problem, location: location),
            count: times)
    }

    /// Issues leaves that are not their orders' from now on (`nil`: as ordered again).
    func issueLeaves(_ fault: LeafFault?) { leafFault = fault }

    /// Rejects the next `count` POSTs with `badNonce`, however fresh their nonces.
    func rejectNonces(_ count: Int) { noncesToReject += count }

    /// Each authorization answers its first `polls` polls after its challenge with `pending`
    /// and `Retry-After: seconds`.
    func pollAuthorizations(pendingFor polls: Int, retryAfter seconds: String) {
        authorizationPollRetryAfter = (polls, seconds)
    }

    /// Each order stays `processing` for `polls` polls after finalize, with `Retry-After: seconds`.
    func processOrders(for polls: Int, retryAfter seconds: String) { orderProcessingPolls = (polls, seconds) }

    /// Serves a `renewalInfo` answer (RFC 9773 §4.2) for one CertID.
    func setRenewalWindow(for certificateID: String, start: String, end: String, retryAfter: String) {
        renewalWindows[certificateID] = (start, end, retryAfter)
    }

    func exchanges(_ route: Route) -> [Exchange] { exchanges.filter { $0.route == route } }

    /// The JSON payloads POSTed to `route` (POST-as-GET left out).
    func payloads(_ route: Route) -> [Data] { exchanges(route).compactMap(\.payload) }

    var directoryURL: String { baseURL + "/directory" }

    func setBaseURL(_ url: String) { baseURL = url }

    // MARK: - Running

    /// Runs a fake CA for the length of `body`, then closes its listener.
    static func with<T: Sendable>(
        _ options: Options = Options(), _ body: @Sendable (FakeACMEServer) async throws -> T
    ) async throws -> T {
        let identity = try TestTLSIdentity()
        defer { identity.remove() }
        let httpClient = try ACMEHTTPClient.make(trustingAlso: identity.rootPEMFile)
        let server = try FakeACMEServer(
            options: options, trustedRootsFile: identity.rootPEMFile, httpClient: httpClient)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: server.router(),
            server: try .tls(.http1(), tlsConfiguration: identity.serverConfiguration),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                await server.setBaseURL("https://127.0.0.1:\(channel.localAddress?.port ?? 0)")
                continuation.yield(channel.localAddress?.port ?? 0)
            },
            logger: Self.logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            var port = 0
            for await value in ports {
                port = value
                break
            }
            let outcome: Result<T, any Error>
            if port == 0 {
                outcome = .failure(ACMEError(.transport, detail: "the fake CA did not start"))
            } else {
                do {
                    outcome = .success(try await body(server))
                } catch {
                    outcome = .failure(error)
                }
            }
            group.cancelAll()
            try? await group.waitForAll()
            try? await httpClient.shutdown()
            return try outcome.get()
        }
    }

    /// Logs nowhere: failures show up as test expectations, not log lines.
    static let logger = Logger(label: "FakeACMEServer") { _ in SwiftLogNoOpLogHandler() }

    /// A client of this CA, or of `proxy` (its URL and an HTTP client trusting its root) standing
    /// in front of it, with a fresh ES256 account key, fast polling and the given budgets, waiting
    /// on `clock` (a ``RecordingClock`` records each wait instead of sleeping).
    func makeClient(
        clock: some Clock<Duration> = ContinuousClock(), through proxy: (url: String, httpClient: HTTPClient)? = nil,
        _ configure: (inout ACMEClientConfiguration) -> Void = { _ in }
    ) throws -> ACMEClient {
        var configuration = ACMEClientConfiguration()
        configuration.initialPollIntervalSeconds = 0.05
        configuration.maximumPollIntervalSeconds = 0.2
        configuration.pollTimeoutSeconds = 20
        configuration.requestTimeoutSeconds = 10
        configure(&configuration)
        return ACMEClient(
            directoryURL: proxy.map { $0.url + "/directory" } ?? directoryURL, key: try .generate(.p256),
            httpClient: proxy?.httpClient ?? httpClient,
            configuration: configuration, clock: clock, logger: Self.logger)
    }
}
