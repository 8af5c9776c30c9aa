import NIOCore

extension DNSRData {
    /// NS – an authoritative name server (RFC 1035 §3.3.11).
    public struct NS: DNSRDataCodable {
        public var nameserver: DNSName

        public init(nameserver: DNSName) { self.nameserver = nameserver }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            self.nameserver = try buffer.readDNSName(messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            // A well-known type of RFC 1035: compression allowed (RFC 3597 §4).
            buffer.writeRDataName(nameserver, compressor: &compressor, compressible: true)
        }
    }
}
