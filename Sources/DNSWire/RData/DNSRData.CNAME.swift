import NIOCore

extension DNSRData {
    /// CNAME – the canonical name of an alias (RFC 1035 §3.3.1).
    public struct CNAME: DNSRDataCodable {
        public var target: DNSName

        public init(target: DNSName) { self.target = target }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            self.target = try buffer.readDNSName(messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            // A well-known type of RFC 1035: compression allowed (RFC 3597 §4).
            buffer.writeRDataName(target, compressor: &compressor, compressible: true)
        }
    }
}
