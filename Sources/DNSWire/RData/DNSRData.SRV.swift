import NIOCore

extension DNSRData {
    /// SRV – the location of a service (RFC 2782).
    public struct SRV: DNSRDataCodable {
        public var priority: UInt16
        public var weight: UInt16
        public var port: UInt16
        public var target: DNSName

        public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
            self.priority = priority
            self.weight = weight
            self.port = port
            self.target = target
        }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            guard let (priority, weight, port) = buffer.readMultipleIntegers(as: (UInt16, UInt16, UInt16).self) else {
                throw DNSWireError(.truncated, at: buffer.readerIndex - messageStart)
            }
            self.priority = priority
            self.weight = weight
            self.port = port
            // RFC 2782 forbids compressing the target, but decompressing what others send is harmless.
            self.target = try buffer.readDNSName(messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeMultipleIntegers(priority, weight, port)
            buffer.writeRDataName(target, compressor: &compressor, compressible: false)
        }
    }
}
