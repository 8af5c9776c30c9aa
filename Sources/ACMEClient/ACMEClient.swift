public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOFoundationCompat
public import NIOHTTP1

/// A client for one ACME server (RFC 8555) with one account key.
///
/// Every request is a JWS signed with the account key; nonces come from every response and
/// are kept for the next request; `badNonce` is retried with the nonce the error carries, and
/// 429/503 with a `Retry-After` are retried after it, within ``ACMEClientConfiguration``'s
/// budgets. Requests may run concurrently (the client is an actor; requests interleave).
public actor ACMEClient {
    public nonisolated let directoryURL: String
    public nonisolated let configuration: ACMEClientConfiguration
    let http: HTTPClient
    let logger: Logger
    /// What `Retry-After` and polling wait on.
    nonisolated let clock: WaitClock
    /// The account key; ``rollover(to:)`` replaces it.
    public private(set) var key: ACMEKey
    /// The account URL, known after ``register(contact:termsOfServiceAgreed:externalAccountBinding:)``
    /// or ``lookupAccount()``.
    public internal(set) var accountURL: String?
    /// The account's orders list (RFC 8555 §7.1.2.1), when the CA gives one.
    var ordersURL: String?
    var cachedDirectory: ACMEDirectory?
    var nonces: [String] = []

    /// - Parameter clock: what `Retry-After` and polling intervals wait on, and the polling
    ///   time limit is measured with; tests pass one that does not wait real seconds.
    public init(
        directoryURL: String, key: ACMEKey, httpClient: HTTPClient,
        configuration: ACMEClientConfiguration = ACMEClientConfiguration(),
        clock: some Clock<Duration> = ContinuousClock(), logger: Logger
    ) {
        self.directoryURL = directoryURL
        self.key = key
        self.http = httpClient
        self.configuration = configuration
        self.clock = WaitClock(clock)
        self.logger = logger
    }

    /// The directory (RFC 8555 §7.1.1), fetched once.
    public func directory() async throws -> ACMEDirectory {
        if let cachedDirectory { return cachedDirectory }
        let response = try await sendUnsigned(method: .GET, url: directoryURL)
        try response.checkSuccess()
        let directory = try response.decode(ACMEDirectory.self)
        cachedDirectory = directory
        return directory
    }

    func replaceKey(_ newKey: ACMEKey) { key = newKey }

    // MARK: - Transport

    /// One HTTP exchange, collected, and how the client reads it: problem documents, JSON
    /// bodies, `Retry-After`, `Link` and `Location`. SPI for the fuzz target (Fuzz/FuzzACME), which
    /// feeds it what a hostile CA could send.
    @_spi(Fuzzing) public struct Response: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: Data
        public var url: String

        public init(status: Int, headers: HTTPHeaders, body: Data, url: String) {
            self.status = status
            self.headers = headers
            self.body = body
            self.url = url
        }

        /// Throws the response's problem unless it is a 2xx; the error names the caller's line.
        public func checkSuccess(file: String = #fileID, line: UInt = #line) throws {
            guard (200..<300).contains(status) else { throw problemError(file: file, line: line) }
        }

        /// The CA's problem document as an error, or the start of the body when it sent none.
        public func problemError(file: String = #fileID, line: UInt = #line) -> ACMEError {
            var error: ACMEError
            if let problem = try? JSONDecoder().decode(ACMEProblem.self, from: body) {
                error = ACMEError(
                    .problem, detail: "HTTP \(status): \(problem)", problem: problem, url: url, file: file, line: line)
            } else {
                let text = String(decoding: body.prefix(300), as: UTF8.self)
                error = ACMEError(
                    .unexpectedResponse, detail: "HTTP \(status): \(text)", url: url, file: file, line: line)
            }
            if status == 429 || status == 503 { error.retryAfterSeconds = retryAfterSeconds }
            return error
        }

        public func decode<T: Decodable>(_ type: T.Type, file: String = #fileID, line: UInt = #line) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: body)
            } catch {
                throw ACMEError(
                    .unexpectedResponse, detail: "cannot read \(T.self) from the response: \(error)", url: url,
                    file: file, line: line)
            }
        }

        public var location: String? { headers.first(name: "Location") }

        /// A 5xx the client may try again after: with no `Retry-After` (a 503 with one is the
        /// CA asking for a wait, which the rate-limit budget handles).
        public var isServerError: Bool { (500...599).contains(status) && retryAfterSeconds == nil }

        /// `Retry-After` (RFC 9110 §10.2.3) in seconds from now: delay-seconds or an HTTP-date,
        /// at most ``longestRetryAfter``. A value that is neither, or not a finite number, is no
        /// `Retry-After` at all.
        public var retryAfterSeconds: Double? {
            guard let value = headers.first(name: "Retry-After")?.trimmingCharacters(in: .whitespaces) else {
                return nil
            }
            if let seconds = Double(value) {
                // "inf", "nan" and "1e300" are Doubles too; a wait is a number of seconds.
                return seconds.isFinite ? min(max(0, seconds), Self.longestRetryAfter) : nil
            }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            guard let date = formatter.date(from: value) else { return nil }
            return min(max(0, date.timeIntervalSinceNow), Self.longestRetryAfter)
        }

        /// The cap on a `Retry-After`, one year: far beyond any wait the client accepts
        /// (``ACMEClientConfiguration/maximumRetryAfterSeconds``), and small enough that every
        /// value converts to `Int` and `Duration` without trapping.
        public static let longestRetryAfter: Double = 365 * 86_400

        /// Targets of `Link` headers with the given relation (RFC 8288 §3).
        public func links(relation: String) -> [String] {
            headers[canonicalForm: "Link"].compactMap { field -> String? in
                let parts = field.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { return nil }
                let relations = parts.dropFirst().compactMap { parameter -> String? in
                    let pair = parameter.split(separator: "=", maxSplits: 1)
                    guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "rel" else {
                        return nil
                    }
                    return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                }
                guard relations.contains(where: { $0.split(separator: " ").contains(Substring(relation)) }) else {
                    return nil
                }
                return String(target.dropFirst().dropLast())
            }
        }
    }

    func send(method: HTTPMethod, url: String, body: Data?, accept: String? = nil) async throws -> Response {
        try Self.requireHTTPS(url)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/jose+json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response: HTTPClientResponse
        var collected: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(configuration.requestTimeoutSeconds))
            collected = try await response.body.collect(upTo: 4 << 20)
        } catch {
            var failure = ACMEError(.transport, detail: "\(method) failed: \(error)", url: url)
            failure.isConnectFailure = Self.isConnectFailure(error)
            throw failure
        }
        if let nonce = response.headers.first(name: "Replay-Nonce"), !nonce.isEmpty {
            nonces.append(nonce)
            if nonces.count > 64 { nonces.removeFirst(nonces.count - 64) }
        }
        let data = collected.readData(length: collected.readableBytes) ?? Data()
        return Response(status: Int(response.status.code), headers: response.headers, body: data, url: url)
    }

    /// Whether `error` came before the request reached the server: the connection was refused,
    /// the host unreachable, or connecting timed out.
    static func isConnectFailure(_ error: any Error) -> Bool {
        if let error = error as? IOError {
            return [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT].contains(error.errnoCode)
        }
        if let error = error as? HTTPClientError { return error == .connectTimeout }
        return false
    }

    /// Refuses a URL that is not `https`: RFC 8555 §6.1 requires HTTPS for every ACME request,
    /// and a directory or response listing a cleartext URL would otherwise have the signed
    /// requests and the certificate sent in the clear. Every request goes through `send`, so
    /// the directory URL and every URL the CA lists are checked before anything is sent.
    ///
    /// - Throws: ``ACMEError`` with code ``ACMEError/Code/insecureURL``.
    public static func requireHTTPS(_ url: String) throws {
        guard let scheme = URL(string: url)?.scheme, scheme.lowercased() == "https" else {
            throw ACMEError(
                .insecureURL, detail: "refusing a URL that is not https: ACME is HTTPS only (RFC 8555 §6.1)",
                url: url)
        }
    }

    /// An unsigned request (directory, newNonce, renewalInfo), re-sent after 429 or 503 with a
    /// `Retry-After` within the same budget as signed requests.
    ///
    /// - Parameter retryingServerErrors: whether a 5xx or a failed exchange is tried again within
    ///   ``ACMEClientConfiguration/serverErrorRetries``; not for `renewalInfo`, whose failures
    ///   wait hours (RFC 9773 §4.3.3) rather than seconds.
    func sendUnsigned(method: HTTPMethod, url: String, retryingServerErrors: Bool = true) async throws -> Response {
        var attempts = 0
        var serverErrors = 0
        while true {
            let response: Response
            do {
                response = try await send(method: method, url: url, body: nil)
            } catch let error as ACMEError
                where error.code == .transport && !error.isConnectFailure && retryingServerErrors
            {
                try await backOff(afterServerError: error, count: &serverErrors)
                continue
            }
            if response.isServerError, retryingServerErrors {
                try await backOff(afterServerError: response.problemError(), count: &serverErrors)
                continue
            }
            guard response.status == 429 || response.status == 503, let wait = response.retryAfterSeconds,
                wait <= configuration.maximumRetryAfterSeconds
            else { return response }
            guard attempts < configuration.rateLimitRetries else {
                var exhausted = ACMEError(
                    .retriesExhausted, detail: "HTTP \(response.status) with Retry-After \(attempts + 1) times",
                    problem: response.problemError().problem, url: url)
                exhausted.retryAfterSeconds = wait
                throw exhausted
            }
            attempts += 1
            logger.notice(
                "CA asks to retry later",
                metadata: ["url": "\(url)", "status": "\(response.status)", "seconds": "\(wait)"])
            try await clock.sleep(.seconds(wait))
        }
    }

    /// A fresh nonce: one kept from an earlier response, else from `newNonce` (RFC 8555 §7.2).
    func nextNonce() async throws -> String {
        if let nonce = nonces.popLast() { return nonce }
        let url = try await directory().newNonce
        let response = try await sendUnsigned(method: .HEAD, url: url)
        guard (200..<300).contains(response.status), let nonce = nonces.popLast() else {
            throw ACMEError(
                .unexpectedResponse, detail: "newNonce gave HTTP \(response.status) and no Replay-Nonce", url: url)
        }
        return nonce
    }

    /// How a request is signed: with the account URL (`kid`) or, before there is one, the JWK.
    enum Signer {
        case accountURL
        case jwk
    }

    /// POSTs a JWS of `payload` (`nil` for POST-as-GET, RFC 8555 §6.3) and returns a 2xx
    /// response, retrying `badNonce`, rate limits and server errors within the configured budgets.
    ///
    /// - Parameter repeatable: whether the request may be sent again after an exchange that
    ///   failed without an answer (it may have taken effect): POST-as-GET, answering a challenge,
    ///   finalizing, looking up an account are; `nil` means "when it is a POST-as-GET".
    func post(
        _ url: String, payload: Data?, signer: Signer = .accountURL, accept: String? = nil,
        signingKey: ACMEKey? = nil, repeatable: Bool? = nil
    ) async throws -> Response {
        var badNonces = 0
        var rateLimited = 0
        var serverErrors = 0
        let repeatable = repeatable ?? (payload == nil)
        while true {
            let nonce = try await nextNonce()
            let kid: String?
            switch signer {
            case .accountURL:
                guard let accountURL else {
                    throw ACMEError(.unsupported, detail: "no account yet: register or look it up first", url: url)
                }
                kid = accountURL
            case .jwk:
                kid = nil
            }
            let signing = signingKey ?? key
            let header = JWS.Header(
                alg: signing.algorithm, jwk: kid == nil ? signing.jwk : nil, kid: kid, nonce: nonce, url: url)
            let body = try JWS.encoder.encode(JWS.sign(payload: payload, header: header, key: signing))
            let response: Response
            do {
                response = try await send(method: .POST, url: url, body: body, accept: accept)
            } catch let error as ACMEError where error.code == .transport && !error.isConnectFailure && repeatable {
                try await backOff(afterServerError: error, count: &serverErrors)
                continue
            }
            if (200..<300).contains(response.status) { return response }
            let error = response.problemError()
            if error.problem?.type == .badNonce {
                badNonces += 1
                if badNonces <= configuration.badNonceRetries {
                    logger.debug("badNonce, retrying", metadata: ["url": "\(url)", "attempt": "\(badNonces)"])
                    continue
                }
                throw ACMEError(
                    .retriesExhausted, detail: "\(badNonces) nonces rejected in a row", problem: error.problem, url: url
                )
            }
            if response.status == 429 || response.status == 503, let wait = response.retryAfterSeconds,
                wait <= configuration.maximumRetryAfterSeconds
            {
                // The budget is spent: say so, with the CA's problem (ACMEError.Code.retriesExhausted).
                guard rateLimited < configuration.rateLimitRetries else {
                    var exhausted = ACMEError(
                        .retriesExhausted,
                        detail: "HTTP \(response.status) with Retry-After on all \(rateLimited + 1) attempts",
                        problem: error.problem, url: url)
                    exhausted.retryAfterSeconds = wait
                    throw exhausted
                }
                rateLimited += 1
                logger.notice(
                    "CA asks to retry later",
                    metadata: ["url": "\(url)", "status": "\(response.status)", "seconds": "\(wait)"])
                try await clock.sleep(.seconds(wait))
                continue
            }
            if response.isServerError {
                // The CA answered: the request did not take effect, so even a newOrder is sent again.
                try await backOff(afterServerError: error, count: &serverErrors)
                continue
            }
            throw error
        }
    }

    /// Waits before the request is sent again after `error` (a 5xx or a failed exchange), the
    /// `count`th time: ``ACMEClientConfiguration/serverErrorBackoffSeconds``, doubling.
    ///
    /// - Throws: ``ACMEError/Code/retriesExhausted`` (with the last error's problem) once
    ///   ``ACMEClientConfiguration/serverErrorRetries`` is spent; `error` itself when there is no
    ///   budget at all.
    func backOff(afterServerError error: ACMEError, count: inout Int) async throws {
        guard count < configuration.serverErrorRetries else {
            guard configuration.serverErrorRetries > 0 else { throw error }
            throw ACMEError(
                .retriesExhausted, detail: "\(count + 1) attempts failed, the last: \(error.detail)",
                problem: error.problem, url: error.url)
        }
        let wait = configuration.serverErrorBackoffSeconds * Double(1 << min(count, 16))
        count += 1
        logger.notice(
            "CA request failed, trying again",
            metadata: ["url": "\(error.url ?? "")", "error": "\(error)", "attempt": "\(count)", "seconds": "\(wait)"])
        try await clock.sleep(.seconds(wait))
    }

    /// POSTs `value` as JSON.
    func post(_ url: String, json value: some Encodable, signer: Signer = .accountURL) async throws -> Response {
        try await post(url, payload: try JWS.encoder.encode(value), signer: signer)
    }
}
