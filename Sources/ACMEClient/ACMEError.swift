/// An error from the ACME client, with the CA's problem document when there is one.
public struct ACMEError: Error, Sendable, CustomStringConvertible {
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
    }

    public var code: Code
    public var detail: String
    /// The CA's problem document, when the CA sent one.
    public var problem: ACMEProblem?
    /// The URL of the request that failed, when there was one.
    public var url: String?

    public init(_ code: Code, detail: String, problem: ACMEProblem? = nil, url: String? = nil) {
        self.code = code
        self.detail = detail
        self.problem = problem
        self.url = url
    }

    public var description: String {
        var text = "\(code): \(detail)"
        if let problem { text += " (\(problem))" }
        if let url { text += " [\(url)]" }
        return text
    }
}
