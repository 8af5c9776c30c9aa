import NIOCore

extension DNSRData {
    /// A – an IPv4 address (RFC 1035 §3.4.1).
    public struct A: DNSRDataCodable {
        public var address: IPv4Address

        public init(address: IPv4Address) { self.address = address }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            guard length == 4 else { throw DNSWireError(.rdataLengthMismatch, at: buffer.readerIndex - messageStart) }
            self.address = IPv4Address(rawValue: try buffer.readDNSInteger(messageStart: messageStart))
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeInteger(address.rawValue)
        }
    }
}
