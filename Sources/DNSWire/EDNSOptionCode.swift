/// An EDNS(0) option code (RFC 6891 §6.1.2; IANA "DNS EDNS0 Option Codes (OPT)").
public struct EDNSOptionCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }
}

extension EDNSOptionCode {
    /// NSID – name server identifier (RFC 5001).
    public static let nsid = Self(rawValue: 3)
    /// edns-client-subnet (RFC 7871).
    public static let clientSubnet = Self(rawValue: 8)
    /// COOKIE (RFC 7873).
    public static let cookie = Self(rawValue: 10)
    /// edns-tcp-keepalive (RFC 7828).
    public static let tcpKeepalive = Self(rawValue: 11)
    /// Padding (RFC 7830).
    public static let padding = Self(rawValue: 12)
    /// Extended DNS Error (RFC 8914).
    public static let extendedError = Self(rawValue: 15)
}

extension EDNSOptionCode: CustomStringConvertible {
    public var description: String {
        switch rawValue {
        case 3: "NSID"
        case 8: "ECS"
        case 10: "COOKIE"
        case 11: "TCP-KEEPALIVE"
        case 12: "PADDING"
        case 15: "EDE"
        default: "OPTION\(rawValue)"
        }
    }
}
