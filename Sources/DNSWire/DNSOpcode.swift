/// A message OPCODE (RFC 1035 §4.1.1; IANA "DNS OpCodes").
public struct DNSOpcode: RawRepresentable, Hashable, Sendable {
    /// The 4-bit value.
    public var rawValue: UInt8

    /// Creates an opcode; only the low 4 bits are kept.
    @inlinable
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }
}

extension DNSOpcode {
    /// QUERY – a standard query (RFC 1035 §4.1.1).
    public static let query = Self(rawValue: 0)
    /// IQUERY – obsolete inverse query (RFC 3425).
    public static let inverseQuery = Self(rawValue: 1)
    /// STATUS (RFC 1035 §4.1.1).
    public static let status = Self(rawValue: 2)
    /// NOTIFY (RFC 1996).
    public static let notify = Self(rawValue: 4)
    /// UPDATE (RFC 2136).
    public static let update = Self(rawValue: 5)
}

extension DNSOpcode: CustomStringConvertible {
    public var description: String {
        switch rawValue {
        case 0: "QUERY"
        case 1: "IQUERY"
        case 2: "STATUS"
        case 4: "NOTIFY"
        case 5: "UPDATE"
        default: "OPCODE\(rawValue)"
        }
    }
}
