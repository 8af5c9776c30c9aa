/// An ACME error type (RFC 8555 §6.7), open to types a CA adds later.
public struct ACMEProblemType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    // Codable as the bare string: the standard library's RawRepresentable defaults.

    /// The part after `urn:ietf:params:acme:error:`, or the whole type for other namespaces.
    public var description: String {
        rawValue.hasPrefix(Self.namespace) ? String(rawValue.dropFirst(Self.namespace.count)) : rawValue
    }

    static let namespace = "urn:ietf:params:acme:error:"
    static func acme(_ name: String) -> ACMEProblemType { ACMEProblemType(rawValue: namespace + name) }

    public static let accountDoesNotExist = acme("accountDoesNotExist")
    public static let alreadyReplaced = acme("alreadyReplaced")
    public static let alreadyRevoked = acme("alreadyRevoked")
    public static let badCSR = acme("badCSR")
    public static let badNonce = acme("badNonce")
    public static let badPublicKey = acme("badPublicKey")
    public static let badRevocationReason = acme("badRevocationReason")
    public static let badSignatureAlgorithm = acme("badSignatureAlgorithm")
    public static let caa = acme("caa")
    public static let compound = acme("compound")
    public static let connection = acme("connection")
    public static let dns = acme("dns")
    public static let externalAccountRequired = acme("externalAccountRequired")
    public static let incorrectResponse = acme("incorrectResponse")
    public static let invalidContact = acme("invalidContact")
    public static let invalidProfile = acme("invalidProfile")
    public static let malformed = acme("malformed")
    public static let orderNotReady = acme("orderNotReady")
    public static let rateLimited = acme("rateLimited")
    public static let rejectedIdentifier = acme("rejectedIdentifier")
    public static let serverInternal = acme("serverInternal")
    public static let unauthorized = acme("unauthorized")
    public static let unsupportedContact = acme("unsupportedContact")
    public static let unsupportedIdentifier = acme("unsupportedIdentifier")
    public static let userActionRequired = acme("userActionRequired")
}
