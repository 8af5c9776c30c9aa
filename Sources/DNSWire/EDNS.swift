/// The EDNS(0) information of a message, carried on the wire in an OPT pseudo-record
/// (RFC 6891 §6.1).
public struct EDNS: Hashable, Sendable {
    /// The largest UDP payload the sender can reassemble (RFC 6891 §6.2.3); values below
    /// 512 are treated as 512.
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code (RFC 6891 §6.1.3).
    public var extendedResponseCodeBits: UInt8
    /// The EDNS version; only 0 is defined (RFC 6891 §6.1.3).
    public var version: UInt8
    /// DO: the sender accepts DNSSEC records (RFC 3225 §3).
    public var dnssecOK: Bool
    /// The other 15 bits of the flags field, zero in what Cairn sends (RFC 6891 §6.1.4).
    public var zFlags: UInt16
    public var options: [Option]

    public init(
        udpPayloadSize: UInt16 = 1232, extendedResponseCodeBits: UInt8 = 0, version: UInt8 = 0,
        dnssecOK: Bool = false, zFlags: UInt16 = 0, options: [Option] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCodeBits = extendedResponseCodeBits
        self.version = version
        self.dnssecOK = dnssecOK
        self.zFlags = zFlags
        self.options = options
    }

    /// One `{attribute, value}` pair of the OPT RDATA (RFC 6891 §6.1.2).
    public struct Option: Hashable, Sendable {
        public var code: EDNSOptionCode
        public var data: [UInt8]

        public init(code: EDNSOptionCode, data: [UInt8]) {
            self.code = code
            self.data = data
        }
    }

    /// The TTL field of the OPT record: extended RCODE, version, DO and Z (RFC 6891 §6.1.3).
    var ttlField: UInt32 {
        UInt32(extendedResponseCodeBits) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
            | UInt32(zFlags & 0x7FFF)
    }

    init(udpPayloadSize: UInt16, ttlField: UInt32, options: [Option]) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCodeBits = UInt8(truncatingIfNeeded: ttlField >> 24)
        self.version = UInt8(truncatingIfNeeded: ttlField >> 16)
        self.dnssecOK = ttlField & 0x8000 != 0
        self.zFlags = UInt16(truncatingIfNeeded: ttlField) & 0x7FFF
        self.options = options
    }
}
