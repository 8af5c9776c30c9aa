import NIOCore

extension DNSRData {
    /// CAA – certification authority authorization (RFC 8659 §4.1).
    public struct CAA: DNSRDataCodable {
        /// Flags; bit 0 (128) is Issuer Critical.
        public var flags: UInt8
        /// The property tag (`issue`, `issuewild`, `iodef`, …): 1–15 octets of letters and digits.
        public private(set) var tag: [UInt8]
        /// The property value.
        public var value: [UInt8]

        /// Creates CAA RDATA; `nil` if the tag is empty or longer than 255 octets.
        public init?(flags: UInt8, tag: String, value: [UInt8]) {
            guard !tag.utf8.isEmpty, tag.utf8.count <= 255 else { return nil }
            self.flags = flags
            self.tag = Array(tag.utf8)
            self.value = value
        }

        init(from buffer: inout ByteBuffer, length: Int, messageStart: Int) throws {
            let start = buffer.readerIndex
            self.flags = try buffer.readDNSInteger(messageStart: messageStart)
            self.tag = try buffer.readDNSCharacterString(messageStart: messageStart)
            guard !tag.isEmpty else { throw DNSWireError(.malformedRData, at: start + 1 - messageStart) }
            let rest = length - (buffer.readerIndex - start)
            guard rest >= 0 else { throw DNSWireError(.rdataLengthMismatch, at: start - messageStart) }
            self.value = try buffer.readDNSBytes(length: rest, messageStart: messageStart)
        }

        func write(to buffer: inout ByteBuffer, compressor: inout DNSNameCompressor?) {
            buffer.writeInteger(flags)
            buffer.writeDNSCharacterString(tag)
            buffer.writeBytes(value)
        }
    }
}
