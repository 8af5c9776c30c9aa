public import DNSAuthority
import DNSWire
import Foundation
import HTTPTypes
public import Hummingbird
public import HummingbirdCore
public import Logging
public import NIOCore
public import Prometheus
public import Store

/// The HTTP hook API: acme-dns's `/register`, `/update` and `/health`, lego httpreq's
/// `/present` and `/cleanup`, over the ``ChallengeStore`` and the ``Authority``.
///
/// A 2xx is sent only after the store committed the change and the authority swapped in a
/// snapshot that serves it (DESIGN decision 4). Every credential publishes only at names it owns
/// ("Names Cairn answers for"); names are never resolved, so a CNAME cannot lead anywhere else.
public struct HookAPI: Sendable {
    public let configuration: HookAPIConfiguration
    public let store: any ChallengeStore
    public let authority: Authority
    public let writer: ChallengeWriter
    let logger: Logger
    let limiter: AuthFailureLimiter
    let registerLimiter: MinuteRateLimiter
    let updateLimiter: MinuteRateLimiter
    let metrics: HookMetrics
    let beforeScrape: @Sendable () async -> Void

    /// - Parameters:
    ///   - writer: the ordered path to the store and the authority that every change takes.
    ///   - metrics: where `/metrics` reads from; pass a shared registry to expose other
    ///     metrics beside the API's.
    ///   - beforeScrape: runs before each `/metrics` response, to bring gauges kept elsewhere
    ///     (the DNS server's per-event-loop counters) up to date in `metrics`.
    public init(
        configuration: HookAPIConfiguration, writer: ChallengeWriter, logger: Logger,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.beforeScrape = beforeScrape
        let hookMetrics = HookMetrics(registry: metrics)
        self.configuration = configuration
        self.store = writer.store
        self.authority = writer.authority
        self.writer = writer
        writer.observeCommits { duration, changes in
            hookMetrics.commitDuration.record(duration)
            hookMetrics.commitSize.record(Double(changes))
        }
        self.logger = logger
        self.limiter = AuthFailureLimiter(failuresPerMinute: configuration.authFailuresPerMinute)
        self.registerLimiter = MinuteRateLimiter(perMinute: configuration.registerPerMinute)
        self.updateLimiter = MinuteRateLimiter(perMinute: configuration.updatesPerMinute)
        self.metrics = hookMetrics
    }

    /// The routes, for an application or a test.
    public func router() -> Router<HookRequestContext> {
        let router = Router(context: HookRequestContext.self)
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: HookMetricsMiddleware(metrics: metrics))
        router.get("/health") { _, _ in await self.health() }
        router.get("/metrics") { _, _ in
            await self.beforeScrape()
            return self.metrics.exposition(authority: self.authority)
        }
        router.post("/register") { request, context in await self.register(request, context) }
        router.post("/update") { request, context in await self.update(request, context) }
        router.post("/present") { request, context in await self.httpRequest(request, context, present: true) }
        router.post("/cleanup") { request, context in await self.httpRequest(request, context, present: false) }
        return router
    }

    /// An application serving the routes at `address`, a `Service` to run in a `ServiceGroup`.
    ///
    /// - Parameters:
    ///   - server: the HTTP server (`.tls(...)` for HTTPS); default HTTP/1.1 with header limits
    ///     of 8 KiB per field and 16 KiB in all, idle connections closed after 30 seconds.
    ///   - onServerRunning: called with the listening channel (tests bind port 0 and read it here).
    public func application(
        address: BindAddress, server: HTTPServerBuilder? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> Application<RouterResponder<HookRequestContext>> {
        Application(
            router: router(), server: server ?? Self.defaultServer,
            configuration: ApplicationConfiguration(address: address, serverName: "cairn"),
            onServerRunning: onServerRunning, logger: logger)
    }

    /// An application serving the routes at `host`:`port` (see ``application(address:server:onServerRunning:)``).
    public func application(
        host: String, port: Int, server: HTTPServerBuilder? = nil,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> Application<RouterResponder<HookRequestContext>> {
        application(address: .hostname(host, port: port), server: server, onServerRunning: onServerRunning)
    }

    /// HTTP/1.1 with bounded headers and an idle timeout.
    public static var defaultServer: HTTPServerBuilder {
        .http1(configuration: httpConfiguration)
    }

    /// The HTTP/1.1 limits the API runs with (the TLS variant wraps the same).
    public static var httpConfiguration: HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            idleTimeout: .seconds(30),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: 8192, maxHeaderListSize: 16384, maxHeaderFieldCount: 64))
    }

    // MARK: Shared steps

    /// Where the request comes from (``RequestSource/resolve(peer:chain:forwarding:trustedProxies:)``):
    /// the peer, or behind a trusted proxy the right-most untrusted address it forwarded.
    func source(of request: Request, _ context: HookRequestContext) -> RequestSource {
        let peer = context.remoteAddress?.ipAddress.flatMap { IPAddress($0) }
        let forwardedFor = request.headers[values: Self.forwardedFor]
        let forwarded = request.headers[values: Self.forwarded]
        let chain =
            forwardedFor.isEmpty
            ? RequestSource.forwardedFor(forwarded) : RequestSource.forwardedForEntries(forwardedFor)
        return RequestSource.resolve(
            peer: peer, chain: chain, forwarding: !forwardedFor.isEmpty || !forwarded.isEmpty,
            trustedProxies: configuration.trustedProxies)
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwarded = HTTPField.Name("Forwarded")!

    /// What every write route does first: where the request comes from (``source(of:_:)``),
    /// then the body within the size limit and deadline. Nothing is refused here for earlier
    /// failures: only a failed authentication is (``refuseAuthentication(_:reason:client:credential:)``),
    /// so a correct key succeeds from an address, or for a credential, others guess at.
    func admit(_ request: Request, _ context: HookRequestContext) async -> Admission {
        let client = source(of: request, context)
        switch await body(of: request) {
        case .success(let body): return .admitted(client: client, body: body)
        case .failure(let response): return .refused(response)
        }
    }

    /// A request that may go on, or the response that refuses it.
    enum Admission {
        case admitted(client: RequestSource, body: ByteBuffer)
        case refused(Response)
    }

    /// The answer to a failed authentication on `route`: counted against the client's address
    /// and the credential it named, logged with its source, then `401 forbidden` — or
    /// `429 too_many_failures` once the address or the credential has used up its failures.
    func refuseAuthentication(
        _ route: String, reason: String, client: RequestSource, credential: String?
    ) -> Response {
        let blockedFor = limiter.blockedFor(client.countedAs, credential: credential)
        limiter.recordFailure(client.countedAs, credential: credential)
        var metadata: Logger.Metadata = ["reason": "\(reason)", "client": "\(client)"]
        if let credential { metadata["credential"] = "\(credential)" }
        if blockedFor != nil { metadata["limited"] = "true" }
        logger.notice("\(route) refused", metadata: metadata)
        return blockedFor.map { HookResponse.tooMany("too_many_failures", retryAfter: $0) } ?? HookResponse.forbidden
    }

    /// `429 too_many_updates` with `Retry-After` once `credential` (a user name or token id, after
    /// it authenticated) has made `api.updatesPerMinute` writes this minute, else `nil` (and the
    /// write is counted). One owner hammering the API cannot take every commit and every NOTIFY.
    func refuseUpdateOverLimit(_ route: String, credential: String, client: RequestSource) -> Response? {
        guard let wait = updateLimiter.admit(credential) else { return nil }
        logger.notice(
            "\(route) refused",
            metadata: ["reason": "api.updatesPerMinute", "credential": "\(credential)", "client": "\(client)"])
        return HookResponse.tooMany("too_many_updates", retryAfter: wait)
    }

    /// Whether a key checked against `storedHash` must wait out the failure limit before it is
    /// checked: only a bcrypt hash imported from acme-dns (about 90 ms of CPU per check; it is
    /// replaced by SHA-256 on first success). A SHA-256 check is cheaper than refusing it.
    func mustWaitBeforeChecking(_ storedHash: String, client: RequestSource, credential: String?) -> Bool {
        Credential.isCostly(storedHash) && limiter.isBlocked(client.countedAs, credential: credential)
    }

    /// The body, or the response to send when it is too large.
    private func body(of request: Request) async -> RequestBodyResult {
        let limit = configuration.maximumBodySize
        let timeout = configuration.bodyTimeout
        do {
            // A client that trickles its body loses the race against the deadline.
            let body = try await withTimeLimit(timeout) {
                var request = request
                return try await request.collectBody(upTo: limit)
            }
            guard let body else { return .failure(HookResponse.error(.requestTimeout, "request_timeout")) }
            return .success(body)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return .failure(HookResponse.error(.contentTooLarge, "body_too_large"))
        } catch is NIOTooManyBytesError {
            return .failure(HookResponse.error(.contentTooLarge, "body_too_large"))
        } catch {
            return .failure(HookResponse.error(.badRequest, "malformed_json_payload"))
        }
    }

    /// A request body, or the response that refuses it.
    private enum RequestBodyResult {
        case success(ByteBuffer)
        case failure(Response)
    }

    /// Publishes `text` at `owned` (durable, then visible).
    func publish(_ text: String, at owned: OwnedName, extra: [StoreChange] = []) async throws {
        let expires = UnixTime.now().adding(seconds: configuration.valueLifetime)
        let stored = StoredValue(name: owned.name, text: text, expires: expires.rawValue)
        try await writer.apply([.addValue(stored, keepAtMost: authority.configuration.maximumValuesPerName)] + extra)
    }

    /// Withdraws `text` at `owned` (durable, then visible).
    func withdraw(_ text: String, at owned: OwnedName) async throws {
        try await writer.apply([.removeValue(name: owned.name, text: text)])
    }

    // MARK: GET /health

    func health() async -> Response {
        do {
            try await store.check()
            return Response(status: .ok)
        } catch {
            logger.error("health check failed", metadata: ["error": "\(error)"])
            return Response(status: .serviceUnavailable)
        }
    }
}

extension HookAPI {
    /// The form in which ``HookAPIConfiguration/adminTokenHash`` holds an admin token.
    public static func hashAdminToken(_ token: String) -> String { Credential.hash(token) }
}
