/// A TSIG key that cannot be used: a key name, algorithm or secret from configuration that
/// does not make a key, or a keyring with two keys of one name (RFC 8945 §3).
///
/// Errors compare equal by ``code`` alone, so tests can match on what went wrong. The secret
/// never appears in an error.
public struct TSIGError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong. Open for additions: match with `==`, not exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case invalidKeyName = "invalid key name"
            case unknownAlgorithm = "unknown algorithm"
            case unsupportedAlgorithm = "unsupported algorithm"
            case invalidSecret = "invalid secret"
            case duplicateKey = "duplicate key"
        }

        fileprivate var base: Base

        /// The key name is not a valid domain name (RFC 8945 §4.2: the owner name of the TSIG RR).
        public static let invalidKeyName = Self(base: .invalidKeyName)
        /// The algorithm is not one of the names of RFC 8945 §6.
        public static let unknownAlgorithm = Self(base: .unknownAlgorithm)
        /// The algorithm is known but Cairn cannot compute it (HMAC-SHA224: swift-crypto has no SHA-224).
        public static let unsupportedAlgorithm = Self(base: .unsupportedAlgorithm)
        /// The secret is not base64, or is empty.
        public static let invalidSecret = Self(base: .invalidSecret)
        /// Two keys of one keyring have the same name (compared case-insensitively).
        public static let duplicateKey = Self(base: .duplicateKey)

        public var description: String { base.rawValue }
    }

    /// What was wrong.
    public var code: Code
    /// The name of the key concerned, as given.
    public var keyName: String
    /// Why, in words for an operator.
    public var reason: String

    public init(_ code: Code, keyName: String, reason: String) {
        self.code = code
        self.keyName = keyName
        self.reason = reason
    }

    public var description: String { "TSIG key \(keyName): \(code): \(reason)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// The TSIG error field of a TSIG RR (RFC 8945 §4.2, §5.2; IANA "DNS RCODEs", which TSIG
/// errors share with extended response codes).
///
/// Open: any 16-bit value reads and writes, so a code a peer sends that this module does not
/// name still travels.
public struct TSIGErrorCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }
}

extension TSIGErrorCode {
    /// No error (RFC 8945 §4.2).
    public static let noError = Self(rawValue: 0)
    /// FORMERR: a TSIG record that cannot be read, is misplaced, or has a MAC size RFC 8945
    /// §5.2.2.1 forbids. Never written into a TSIG record: such a message is answered with RCODE
    /// FORMERR and no TSIG (RFC 8945 §5.2).
    public static let formatError = Self(rawValue: 1)
    /// BADSIG: the MAC does not verify (RFC 8945 §5.2.2).
    public static let badSig = Self(rawValue: 16)
    /// BADKEY: the key or its algorithm is not known (RFC 8945 §5.2.1).
    public static let badKey = Self(rawValue: 17)
    /// BADTIME: the time signed is outside the fudge window (RFC 8945 §5.2.3).
    public static let badTime = Self(rawValue: 18)
    /// BADTRUNC: the MAC is truncated below local policy (RFC 8945 §5.2.4).
    public static let badTrunc = Self(rawValue: 22)
}

extension TSIGErrorCode: CustomStringConvertible {
    /// The mnemonic, or `TSIG error n`.
    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 16: "BADSIG"
        case 17: "BADKEY"
        case 18: "BADTIME"
        case 22: "BADTRUNC"
        default: "TSIG error \(rawValue)"
        }
    }
}
