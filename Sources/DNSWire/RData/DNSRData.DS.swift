import NIOCore

extension DNSRData {
    /// DS – a delegation signer (RFC 4034 §5.1).
    public struct DS: DNSRDataCodable {
        public var keyTag: UInt16
        public var algorithm: UInt8
        public var digestType: UInt8
        public var digest: [UInt8]

        public init(keyTag: UInt16, algorithm: UInt8, digestType: UInt8, digest: [UInt8]) {
            self.keyTag = keyTag
            self.algorithm = algorithm
            self.digestType = digestType
            self.digest = digest
        }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            guard length >= 4 else { throw DNSWireError(.rdataLengthMismatch, at: buffer.readerIndex - messageStart) }
            guard let (keyTag, algorithm, digestType) = buffer.readMultipleIntegers(as: (UInt16, UInt8, UInt8).self)
            else { throw DNSWireError(.truncated, at: buffer.readerIndex - messageStart) }
            self.keyTag = keyTag
            self.algorithm = algorithm
            self.digestType = digestType
            self.digest = try buffer.readDNSBytes(length: length - 4, messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeMultipleIntegers(keyTag, algorithm, digestType)
            buffer.writeBytes(digest)
        }
    }
}
