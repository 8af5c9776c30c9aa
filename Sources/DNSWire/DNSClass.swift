/// A resource record CLASS (RFC 1035 §3.2.4; IANA "DNS CLASSes").
public struct DNSClass: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }
}

extension DNSClass {
    /// IN – the Internet (RFC 1035 §3.2.4).
    public static let internet = Self(rawValue: 1)
    /// CH – Chaos (RFC 1035 §3.2.4), used for `version.bind` and `id.server` (RFC 4892).
    public static let chaos = Self(rawValue: 3)
    /// HS – Hesiod (RFC 1035 §3.2.4).
    public static let hesiod = Self(rawValue: 4)
    /// NONE (RFC 2136 §1.3).
    public static let none = Self(rawValue: 254)
    /// ANY (`*`), QCLASS only (RFC 1035 §3.2.5).
    public static let any = Self(rawValue: 255)
}

extension DNSClass: CustomStringConvertible {
    /// The mnemonic, or `CLASSn` (RFC 3597 §5).
    public var description: String {
        switch rawValue {
        case 1: "IN"
        case 3: "CH"
        case 4: "HS"
        case 254: "NONE"
        case 255: "ANY"
        default: "CLASS\(rawValue)"
        }
    }
}
