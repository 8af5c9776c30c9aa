package import DNSWire

/// The records of one type at one owner name, sharing one TTL (RFC 2181 §5).
package struct RRSet: Hashable, Sendable {
    package var type: DNSRecordType
    package var ttl: UInt32
    package var rdata: [DNSRData]

    package init(type: DNSRecordType, ttl: UInt32, rdata: [DNSRData]) {
        self.type = type
        self.ttl = ttl
        self.rdata = rdata
    }
}
