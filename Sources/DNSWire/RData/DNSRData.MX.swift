import NIOCore

extension DNSRData {
    /// MX – a mail exchange (RFC 1035 §3.3.9).
    public struct MX: DNSRDataCodable {
        public var preference: UInt16
        public var exchange: DNSName

        public init(preference: UInt16, exchange: DNSName) {
            self.preference = preference
            self.exchange = exchange
        }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            self.preference = try buffer.readDNSInteger(messageStart: messageStart)
            self.exchange = try buffer.readDNSName(messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeInteger(preference)
            buffer.writeRDataName(exchange, compressor: &compressor, compressible: true)
        }
    }
}
