/// A response code (RFC 1035 §4.1.1; RFC 6891 §6.1.3 for the 12-bit extended form;
/// IANA "DNS RCODEs").
///
/// The low 4 bits travel in the header; the high 8 bits, when present, in the OPT record.
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }
}

extension DNSResponseCode {
    /// NOERROR (RFC 1035 §4.1.1).
    public static let noError = Self(rawValue: 0)
    /// FORMERR – the server could not interpret the query (RFC 1035 §4.1.1).
    public static let formatError = Self(rawValue: 1)
    /// SERVFAIL (RFC 1035 §4.1.1).
    public static let serverFailure = Self(rawValue: 2)
    /// NXDOMAIN – the name does not exist (RFC 1035 §4.1.1; RFC 8020).
    public static let nameError = Self(rawValue: 3)
    /// NOTIMP – the kind of query is not implemented (RFC 1035 §4.1.1).
    public static let notImplemented = Self(rawValue: 4)
    /// REFUSED (RFC 1035 §4.1.1).
    public static let refused = Self(rawValue: 5)
    /// NOTAUTH (RFC 2136 §2.2; RFC 8945 §5.3).
    public static let notAuth = Self(rawValue: 9)
    /// BADVERS – EDNS version not supported (RFC 6891 §6.1.3); needs an OPT record.
    public static let badVersion = Self(rawValue: 16)
    /// BADCOOKIE (RFC 7873 §8); needs an OPT record.
    public static let badCookie = Self(rawValue: 23)

    /// The 4 bits carried in the message header.
    @inlinable
    public var headerBits: UInt8 { UInt8(truncatingIfNeeded: rawValue & 0x0F) }

    /// The 8 bits carried in the OPT record's EXTENDED-RCODE field (RFC 6891 §6.1.3).
    @inlinable
    public var extendedBits: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 4) }
}

extension DNSResponseCode: CustomStringConvertible {
    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        case 9: "NOTAUTH"
        case 16: "BADVERS"
        case 23: "BADCOOKIE"
        default: "RCODE\(rawValue)"
        }
    }
}
