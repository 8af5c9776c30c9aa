import NIOCore

extension DNSRData {
    /// RDATA of a type without a typed form here: octets kept as they came (RFC 3597 §3),
    /// never decompressed or compressed.
    public struct Opaque: Hashable, Sendable {
        public var type: DNSRecordType
        public var bytes: [UInt8]

        public init(type: DNSRecordType, bytes: [UInt8]) {
            self.type = type
            self.bytes = bytes
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeBytes(bytes)
        }
    }
}
