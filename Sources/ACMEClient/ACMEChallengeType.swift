/// A challenge type (RFC 8555 §8), open to types a CA adds later (`dns-account-01`,
/// `dns-persist-01`), which the client ignores.
public struct ACMEChallengeType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    // Codable as the bare string: the standard library's RawRepresentable defaults.

    public var description: String { rawValue }

    public static let dns01 = ACMEChallengeType(rawValue: "dns-01")
    public static let http01 = ACMEChallengeType(rawValue: "http-01")
    public static let tlsALPN01 = ACMEChallengeType(rawValue: "tls-alpn-01")
}
