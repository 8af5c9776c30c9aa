/// An error from the ACME client, with the CA's problem document when there is one, a code
/// callers and tests match on, and where in Cairn it was raised.
///
/// Equality and hashing compare the ``code`` only (as swift-certificates' `CertificateError`
/// does), so a test writes `#expect(throws: ACMEError(.validationFailed))`. The description is
/// what an operator reads: `code: detail`, then the CA's problem and the request's URL.
///
/// No copy-on-write backing (swift-certificates has one): the error is thrown untyped, so it is
/// boxed anyway, and it is raised only on a failed request, never on a hot path.
public struct ACMEError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What failed. Open for additions: match with `==`, not exhaustively.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The CA answered with a problem document (see ``ACMEError/problem``).
        public static let problem = Code(rawValue: "problem")
        /// A response the client cannot use: bad JSON, a missing header or URL.
        public static let unexpectedResponse = Code(rawValue: "unexpected response")
        /// The request never got a response.
        public static let transport = Code(rawValue: "transport")
        /// A key file or key that is not usable.
        public static let invalidKey = Code(rawValue: "invalid key")
        /// An authorization or the order ended `invalid`.
        public static let validationFailed = Code(rawValue: "validation failed")
        /// Polling gave up after its time limit.
        public static let timeout = Code(rawValue: "timeout")
        /// The retry budget for `badNonce` or rate limits ran out.
        public static let retriesExhausted = Code(rawValue: "retries exhausted")
        /// Something the caller asked for that cannot be done (no dns-01 challenge, unknown chain).
        public static let unsupported = Code(rawValue: "unsupported")
        /// Extra CA certificates to trust could not be read.
        public static let trustRoots = Code(rawValue: "trust roots")
        /// Publishing or confirming a challenge value failed.
        public static let publishing = Code(rawValue: "publishing")
        /// A URL the client was given or the CA listed is not `https` (RFC 8555 §6.1 requires
        /// HTTPS for every ACME request); nothing was sent to it.
        public static let insecureURL = Code(rawValue: "insecure URL")
        /// The downloaded certificate is not for the order: its public key is not the CSR's, or
        /// its names are not exactly the order's identifiers.
        public static let certificateMismatch = Code(rawValue: "certificate mismatch")
    }

    public var code: Code
    /// What failed, in words for an operator.
    public var detail: String
    /// The CA's problem document, when the CA sent one.
    public var problem: ACMEProblem?
    /// The URL of the request that failed, when there was one.
    public var url: String?
    /// How long the CA asked to wait before trying again (`Retry-After` on a 429 or 503, RFC
    /// 8555 §6.6), when it did: a caller that gave up should not come back sooner.
    public var retryAfterSeconds: Double?
    /// Whether a ``Code/transport`` error came before any request reached the CA (refused,
    /// unreachable, connect timeout): the CA is down, and trying again at once does not help.
    var isConnectFailure = false
    /// Where in Cairn the error was raised (`#fileID`); for diagnostics only.
    public var file: String
    /// The line in ``file``; for diagnostics only.
    public var line: UInt

    /// Creates an error; `file` and `line` record where it was raised. A test matching on the
    /// code alone writes `ACMEError(.timeout)`.
    public init(
        _ code: Code, detail: String = "", problem: ACMEProblem? = nil, url: String? = nil,
        file: String = #fileID, line: UInt = #line
    ) {
        self.code = code
        self.detail = detail
        self.problem = problem
        self.url = url
        self.file = file
        self.line = line
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        var text = detail.isEmpty ? "\(code)" : "\(code): \(detail)"
        if let problem { text += " (\(problem))" }
        if let url { text += " [\(url)]" }
        return text
    }
}
