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
    let metrics: HookMetrics
    let beforeScrape: @Sendable () async -> Void

    /// - Parameters:
    ///   - metrics: where `/metrics` reads from; pass a shared registry to expose other
    ///     metrics beside the API's.
    ///   - beforeScrape: runs before each `/metrics` response, to bring gauges kept elsewhere
    ///     (the DNS server's per-event-loop counters) up to date in `metrics`.
    public init(
        configuration: HookAPIConfiguration, store: any ChallengeStore, authority: Authority, logger: Logger,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        beforeScrape: @escaping @Sendable () async -> Void = {}
    ) {
        self.beforeScrape = beforeScrape
        let hookMetrics = HookMetrics(registry: metrics)
        self.configuration = configuration
        self.store = store
        self.authority = authority
        self.writer = ChallengeWriter(
            store: store, authority: authority,
            onCommit: { duration, changes in
                hookMetrics.commitDuration.record(duration)
                hookMetrics.commitSize.record(Double(changes))
            })
        self.logger = logger
        self.limiter = AuthFailureLimiter(failuresPerMinute: configuration.authFailuresPerMinute)
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

    /// The client: the peer, or behind a trusted proxy the right-most untrusted address of
    /// `X-Forwarded-For`. `nil` when it cannot be known (then no address-based check passes).
    func clientAddress(_ request: Request, _ context: HookRequestContext) -> IPAddress? {
        guard let text = context.remoteAddress?.ipAddress, let peer = IPAddress(text) else { return nil }
        guard configuration.trustedProxies.containsAddress(peer) else { return peer }
        let entries = request.headers[values: Self.forwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !entries.isEmpty else { return peer }
        for entry in entries.reversed() {
            guard let address = IPAddress(entry) else { return nil }
            if !configuration.trustedProxies.containsAddress(address) { return address }
        }
        return IPAddress(entries[0])
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// What every write route does first: the client's address (``clientAddress(_:_:)``), 429
    /// while that address is locked out after auth failures, then the body within the size
    /// limit and deadline.
    func admit(_ request: Request, _ context: HookRequestContext) async -> Admission {
        let client = clientAddress(request, context)
        if limiter.isBlocked(client) { return .refused(HookResponse.error(.tooManyRequests, "too_many_failures")) }
        switch await body(of: request) {
        case .success(let body): return .admitted(client: client, body: body)
        case .failure(let response): return .refused(response)
        }
    }

    /// A request that may go on, or the response that refuses it.
    enum Admission {
        case admitted(client: IPAddress?, body: ByteBuffer)
        case refused(Response)
    }

    /// The body, or the response to send when it is too large.
    private func body(of request: Request) async -> RequestBodyResult {
        let limit = configuration.maximumBodySize
        let timeout = configuration.bodyTimeout
        do {
            // A client that trickles its body loses the race against the deadline.
            let body = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask {
                    var request = request
                    return try await request.collectBody(upTo: limit)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
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

    /// Makes sure the authority knows `name` as its store says (a token or registration made by
    /// the CLI while the server runs): synthesizes its challenge zone and claims it.
    ///
    /// - Returns: whether the name is now held by its owner in the authority.
    func ensureClaimed(_ owned: OwnedName) -> Bool {
        guard let name = try? DNSName(owned.name) else { return false }
        let owner = ChallengeOwner(rawValue: owned.owner)
        if let current = authority.challengeTable.owner(of: name) { return current == owner }
        if owned.kind == .challengeZone, authority.zone(at: name) == nil {
            guard let identity = configuration.nameserverIdentity else { return false }
            let serial = UInt32(truncatingIfNeeded: UnixTime.now().rawValue)
            try? authority.addZone(Zone.synthesized(apex: name, identity: identity, serial: serial))
        }
        do {
            try authority.claim(name, owner: owner)
            return true
        } catch {
            logger.warning("cannot serve an owned name", metadata: ["name": "\(owned.name)", "error": "\(error)"])
            return false
        }
    }

    /// Publishes `text` at `owned` (durable, then visible).
    func publish(_ text: String, at owned: OwnedName, extra: [StoreChange] = []) async throws {
        let name = try DNSName(owned.name)
        let owner = ChallengeOwner(rawValue: owned.owner)
        let expires = UnixTime.now().adding(seconds: configuration.valueLifetime)
        let value = ChallengeValue(text, ttl: authority.configuration.maximumChallengeTTL, expires: expires)
        let stored = StoredValue(name: owned.name, text: text, expires: expires.rawValue)
        try await writer.apply(
            ChallengeWriter.Change(
                store: [.addValue(stored, keepAtMost: authority.configuration.maximumValuesPerName)] + extra,
                authority: { authority in try authority.publish(value, at: name, owner: owner) }))
    }

    /// Withdraws `text` at `owned` (durable, then visible).
    func withdraw(_ text: String, at owned: OwnedName) async throws {
        let name = try DNSName(owned.name)
        let owner = ChallengeOwner(rawValue: owned.owner)
        try await writer.apply(
            ChallengeWriter.Change(
                store: [.removeValue(name: owned.name, text: text)],
                authority: { authority in try authority.withdraw(text: Array(text.utf8), at: name, owner: owner) }))
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
