/// The fixed 12-octet message header without its section counts (RFC 1035 §4.1.1);
/// the counts follow from a message's sections.
public struct DNSHeader: Hashable, Sendable {
    /// The query identifier, copied into the response.
    public var id: UInt16
    /// The second 16-bit word: QR, OPCODE, AA, TC, RD, RA, Z, AD, CD and the low RCODE bits.
    public var flags: UInt16

    public init(id: UInt16 = 0, flags: UInt16 = 0) {
        self.id = id
        self.flags = flags
    }

    @inline(__always)
    private func bit(_ mask: UInt16) -> Bool { flags & mask != 0 }

    @inline(__always)
    private mutating func set(_ mask: UInt16, _ value: Bool) {
        if value { flags |= mask } else { flags &= ~mask }
    }

    /// QR: the message is a response.
    public var isResponse: Bool {
        get { bit(0x8000) }
        set { set(0x8000, newValue) }
    }

    /// OPCODE: the kind of query.
    public var opcode: DNSOpcode {
        get { DNSOpcode(rawValue: UInt8(truncatingIfNeeded: (flags >> 11) & 0x0F)) }
        set { flags = (flags & ~0x7800) | (UInt16(newValue.rawValue) << 11) }
    }

    /// AA: the answer is authoritative.
    public var isAuthoritative: Bool {
        get { bit(0x0400) }
        set { set(0x0400, newValue) }
    }

    /// TC: the message was truncated to fit the transport.
    public var isTruncated: Bool {
        get { bit(0x0200) }
        set { set(0x0200, newValue) }
    }

    /// RD: recursion desired.
    public var recursionDesired: Bool {
        get { bit(0x0100) }
        set { set(0x0100, newValue) }
    }

    /// RA: recursion available.
    public var recursionAvailable: Bool {
        get { bit(0x0080) }
        set { set(0x0080, newValue) }
    }

    /// Z: reserved, zero in queries and responses (RFC 1035 §4.1.1).
    public var zBit: Bool {
        get { bit(0x0040) }
        set { set(0x0040, newValue) }
    }

    /// AD: authentic data (RFC 4035 §3.2.3).
    public var authenticData: Bool {
        get { bit(0x0020) }
        set { set(0x0020, newValue) }
    }

    /// CD: checking disabled (RFC 4035 §3.2.2).
    public var checkingDisabled: Bool {
        get { bit(0x0010) }
        set { set(0x0010, newValue) }
    }

    /// The low 4 bits of the response code.
    public var responseCodeBits: UInt8 {
        get { UInt8(truncatingIfNeeded: flags & 0x000F) }
        set { flags = (flags & ~0x000F) | UInt16(newValue & 0x0F) }
    }
}
