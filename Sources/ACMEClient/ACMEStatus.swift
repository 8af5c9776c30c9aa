/// The status of an ACME object (RFC 8555 §7.1.6), open to values a CA adds later.
public struct ACMEStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    // Codable as the bare string: the standard library's RawRepresentable defaults.

    public var description: String { rawValue }

    public static let pending = ACMEStatus(rawValue: "pending")
    public static let ready = ACMEStatus(rawValue: "ready")
    public static let processing = ACMEStatus(rawValue: "processing")
    public static let valid = ACMEStatus(rawValue: "valid")
    public static let invalid = ACMEStatus(rawValue: "invalid")
    public static let deactivated = ACMEStatus(rawValue: "deactivated")
    public static let expired = ACMEStatus(rawValue: "expired")
    public static let revoked = ACMEStatus(rawValue: "revoked")
}
