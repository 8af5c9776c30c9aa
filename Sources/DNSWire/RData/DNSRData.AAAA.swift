import NIOCore

extension DNSRData {
    /// AAAA – an IPv6 address (RFC 3596 §2.2).
    public struct AAAA: DNSRDataCodable {
        public var address: IPv6Address

        public init(address: IPv6Address) { self.address = address }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            guard length == 16 else {
                throw DNSWireError(.rdataLengthMismatch, at: buffer.readerIndex - messageStart)
            }
            self.address = IPv6Address(octets: try buffer.readDNSBytes(length: 16, messageStart: messageStart))!
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeBytes(address.octets)
        }
    }
}
