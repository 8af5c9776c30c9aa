/// A resource record TYPE (RFC 1035 §3.2.2; IANA "Resource Record (RR) TYPEs").
///
/// Open: any 16-bit value decodes and re-encodes, so a type this module does not know
/// travels as opaque RDATA (RFC 3597).
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, Comparable {
    public var rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    @inlinable
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension DNSRecordType {
    /// A – IPv4 host address (RFC 1035 §3.4.1).
    public static let a = Self(rawValue: 1)
    /// NS – authoritative name server (RFC 1035 §3.3.11).
    public static let ns = Self(rawValue: 2)
    /// CNAME – canonical name (RFC 1035 §3.3.1).
    public static let cname = Self(rawValue: 5)
    /// SOA – start of a zone of authority (RFC 1035 §3.3.13).
    public static let soa = Self(rawValue: 6)
    /// PTR – domain name pointer (RFC 1035 §3.3.12).
    public static let ptr = Self(rawValue: 12)
    /// HINFO – host information (RFC 1035 §3.3.2; RFC 8482 §4.2).
    public static let hinfo = Self(rawValue: 13)
    /// MX – mail exchange (RFC 1035 §3.3.9).
    public static let mx = Self(rawValue: 15)
    /// TXT – text strings (RFC 1035 §3.3.14).
    public static let txt = Self(rawValue: 16)
    /// AAAA – IPv6 host address (RFC 3596 §2.2).
    public static let aaaa = Self(rawValue: 28)
    /// SRV – service location (RFC 2782).
    public static let srv = Self(rawValue: 33)
    /// DNAME – delegation name (RFC 6672).
    public static let dname = Self(rawValue: 39)
    /// SVCB – general-purpose service binding (RFC 9460 §2).
    public static let svcb = Self(rawValue: 64)
    /// HTTPS – service binding for HTTPS origins (RFC 9460 §9).
    public static let https = Self(rawValue: 65)
    /// OPT – EDNS(0) pseudo-record (RFC 6891 §6.1).
    public static let opt = Self(rawValue: 41)
    /// DS – delegation signer (RFC 4034 §5).
    public static let ds = Self(rawValue: 43)
    /// RRSIG – signature (RFC 4034 §3).
    public static let rrsig = Self(rawValue: 46)
    /// TKEY – transaction key (RFC 2930).
    public static let tkey = Self(rawValue: 249)
    /// TSIG – transaction signature (RFC 8945).
    public static let tsig = Self(rawValue: 250)
    /// IXFR – incremental zone transfer, QTYPE only (RFC 1995).
    public static let ixfr = Self(rawValue: 251)
    /// AXFR – full zone transfer, QTYPE only (RFC 5936).
    public static let axfr = Self(rawValue: 252)
    /// MAILB – mailbox records, QTYPE only (RFC 1035 §3.2.3).
    public static let mailb = Self(rawValue: 253)
    /// MAILA – mail agent records, QTYPE only (RFC 1035 §3.2.3).
    public static let maila = Self(rawValue: 254)
    /// ANY (`*`) – all records, QTYPE only (RFC 1035 §3.2.3; RFC 8482).
    public static let any = Self(rawValue: 255)
    /// CAA – certification authority authorization (RFC 8659).
    public static let caa = Self(rawValue: 257)

    /// Whether this is a meta-type or QTYPE that never names stored data
    /// (RFC 6895 §3.1: OPT, TKEY, TSIG, IXFR, AXFR, MAILB, MAILA, ANY, and 128–255).
    public var isMetaType: Bool {
        rawValue == 41 || (rawValue >= 128 && rawValue <= 255)
    }
}

extension DNSRecordType: CustomStringConvertible {
    private static let mnemonics: [UInt16: String] = [
        1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 28: "AAAA",
        33: "SRV", 39: "DNAME", 41: "OPT", 43: "DS", 46: "RRSIG", 64: "SVCB", 65: "HTTPS", 249: "TKEY", 250: "TSIG",
        251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA", 255: "ANY", 257: "CAA",
    ]

    /// The mnemonic, or `TYPEn` for a type without one (RFC 3597 §5).
    public var description: String {
        Self.mnemonics[rawValue] ?? "TYPE\(rawValue)"
    }
}
