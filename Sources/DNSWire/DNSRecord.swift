/// A resource record (RFC 1035 §4.1.3). OPT pseudo-records are carried as ``EDNS`` instead.
public struct DNSRecord: Hashable, Sendable {
    /// The owner name.
    public var name: DNSName
    public var `class`: DNSClass
    /// Seconds the record may be cached (RFC 2181 §8: 0 to 2³¹−1).
    public var ttl: UInt32
    public var rdata: DNSRData

    /// The record type, which the RDATA determines.
    public var type: DNSRecordType { rdata.type }

    public init(name: DNSName, class: DNSClass = .internet, ttl: UInt32, rdata: DNSRData) {
        self.name = name
        self.class = `class`
        self.ttl = ttl
        self.rdata = rdata
    }
}
