/// A failure of the certificate manager or the issuance path, with a code tests and callers
/// match on, the reason an operator reads, and where it was raised.
///
/// Equality compares the code only (as swift-certificates' `CertificateError` does), so a test
/// writes `#expect(throws: CertificateManagerError(.preflight))`.
public struct CertificateManagerError: Error, Hashable, CustomStringConvertible, Sendable {
    /// What failed. Open for additions: match with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case fileWrite = "cannot write a file"
            case fileRead = "cannot read a file"
            case accountKey = "account key unusable"
            case preflight = "preflight failed"
            case configuration = "configuration invalid"
            case deployHook = "deploy hook failed"
            case issuance = "issuance failed"
            case rateLimited = "rate-limit budget exhausted"
            case controlSocket = "control socket"
        }
        fileprivate var base: Base

        /// A file (certificate, key, account key) could not be written.
        public static let fileWrite = Self(base: .fileWrite)
        /// A file could not be read or does not hold what it should.
        public static let fileRead = Self(base: .fileRead)
        /// The account key file cannot be read or parsed.
        public static let accountKey = Self(base: .accountKey)
        /// A challenge name does not lead to this server (found before any order).
        public static let preflight = Self(base: .preflight)
        /// A declared certificate or issuer is not usable as written.
        public static let configuration = Self(base: .configuration)
        /// A deploy hook failed, timed out or could not start.
        public static let deployHook = Self(base: .deployHook)
        /// An order failed at the CA.
        public static let issuance = Self(base: .issuance)
        /// The CA's published limits leave no order for now.
        public static let rateLimited = Self(base: .rateLimited)
        /// The local control socket could not be used.
        public static let controlSocket = Self(base: .controlSocket)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// What an operator reads: what failed, where, and what to do.
    public var reason: String
    /// Where the error was raised (diagnostics only).
    public var file: String
    public var line: UInt

    public init(_ code: Code, _ reason: String = "", file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The reason alone: the message an operator reads (the code's wording when there is none).
    public var description: String { reason.isEmpty ? code.description : reason }
}
