import Crypto
public import DNSWire
import Foundation

/// A TSIG algorithm, named in domain-name syntax (RFC 8945 §6; IANA "TSIG Algorithm Names").
///
/// Open: a peer may name any algorithm, and the name travels as it is; compared
/// case-insensitively like every ``DNSName``. Cairn computes HMAC-SHA1, HMAC-SHA256,
/// HMAC-SHA384 and HMAC-SHA512 (``isSupported``); HMAC-SHA224 is recognised but not computed
/// (swift-crypto has no SHA-224), so a request signed with it is answered BADKEY (RFC 8945 §5.2.1).
public struct TSIGAlgorithm: RawRepresentable, Hashable, Sendable {
    public var rawValue: DNSName

    public init(rawValue: DNSName) { self.rawValue = rawValue }
}

extension TSIGAlgorithm {
    /// `hmac-sha256.`: mandatory to implement (RFC 8945 §6).
    public static let hmacSHA256 = Self(rawValue: "hmac-sha256.")
    /// `hmac-sha384.` (RFC 8945 §6).
    public static let hmacSHA384 = Self(rawValue: "hmac-sha384.")
    /// `hmac-sha512.` (RFC 8945 §6).
    public static let hmacSHA512 = Self(rawValue: "hmac-sha512.")
    /// `hmac-sha224.` (RFC 8945 §6); not supported here.
    public static let hmacSHA224 = Self(rawValue: "hmac-sha224.")
    /// `hmac-sha1.`: mandatory to implement, not recommended for new keys (RFC 8945 §6).
    public static let hmacSHA1 = Self(rawValue: "hmac-sha1.")

    private static let known: [TSIGAlgorithm] = [.hmacSHA256, .hmacSHA384, .hmacSHA512, .hmacSHA224, .hmacSHA1]

    /// The algorithm named by a configuration mnemonic such as `hmac-sha256` (the form BIND,
    /// Knot and NSD use): with or without a trailing dot, in any case. `nil` for a name that is
    /// not one of the algorithms of RFC 8945 §6 this type names.
    public init?(mnemonic: String) {
        guard let name = try? DNSName(mnemonic), let algorithm = Self.known.first(where: { $0.rawValue == name })
        else { return nil }
        self = algorithm
    }

    /// The name in lower case without its trailing dot, as configuration files spell it.
    public var mnemonic: String {
        String(rawValue.lowercased.description.dropLast())
    }

    /// The length of the full MAC in octets (the hash output length), `nil` for an algorithm
    /// this type does not know.
    public var macLength: Int? {
        switch self {
        case .hmacSHA1: 20
        case .hmacSHA224: 28
        case .hmacSHA256: 32
        case .hmacSHA384: 48
        case .hmacSHA512: 64
        default: nil
        }
    }

    /// Whether Cairn computes this algorithm: signs with it and verifies it.
    public var isSupported: Bool {
        switch self {
        case .hmacSHA1, .hmacSHA256, .hmacSHA384, .hmacSHA512: true
        default: false
        }
    }

    /// The shortest MAC RFC 8945 §5.2.2.1 lets a signer send: the larger of 10 octets and half
    /// the hash output; anything shorter (but an empty MAC in an error response) is FORMERR.
    var minimumMACLength: Int? {
        macLength.map { max(10, ($0 + 1) / 2) }
    }
}

extension TSIGAlgorithm: CustomStringConvertible {
    /// The mnemonic, as configuration files spell it.
    public var description: String { mnemonic }
}

extension TSIGAlgorithm {
    /// The MAC of `data` under `secret`; `nil` when the algorithm is not supported.
    func authenticationCode(for data: UnsafeRawBufferPointer, secret: [UInt8]) -> [UInt8]? {
        let key = SymmetricKey(data: secret)
        switch self {
        case .hmacSHA1: return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
        case .hmacSHA256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .hmacSHA384: return Array(HMAC<SHA384>.authenticationCode(for: data, using: key))
        case .hmacSHA512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        default: return nil
        }
    }

    /// Whether `mac` authenticates `data` under `secret`, compared in constant time by
    /// swift-crypto. A truncated MAC (RFC 8945 §5.2.2.1 rule 4) is checked against the leftmost
    /// octets of the computed one. `false` when the algorithm is not supported.
    func isValidAuthenticationCode(_ mac: [UInt8], for data: UnsafeRawBufferPointer, secret: [UInt8]) -> Bool {
        let key = SymmetricKey(data: secret)
        switch self {
        case .hmacSHA1: return Self.isValid(mac, for: data, key: key, using: Insecure.SHA1.self)
        case .hmacSHA256: return Self.isValid(mac, for: data, key: key, using: SHA256.self)
        case .hmacSHA384: return Self.isValid(mac, for: data, key: key, using: SHA384.self)
        case .hmacSHA512: return Self.isValid(mac, for: data, key: key, using: SHA512.self)
        default: return false
        }
    }

    private static func isValid<H: HashFunction>(
        _ mac: [UInt8], for data: UnsafeRawBufferPointer, key: SymmetricKey, using: H.Type
    ) -> Bool {
        guard !mac.isEmpty, mac.count <= H.Digest.byteCount else { return false }
        if mac.count == H.Digest.byteCount {
            return HMAC<H>.isValidAuthenticationCode(mac, authenticating: data, using: key)
        }
        // Truncated: the received octets followed by the computed tail, so that swift-crypto's
        // constant-time comparison of whole codes decides on the received octets alone.
        let computed = HMAC<H>.authenticationCode(for: data, using: key)
        return computed == mac + Array(computed).dropFirst(mac.count)
    }
}
