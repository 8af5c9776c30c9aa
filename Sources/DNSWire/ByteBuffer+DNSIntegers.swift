package import NIOCore

extension ByteBuffer {
    /// Reads a big-endian integer or throws ``DNSWireError/Code/truncated``.
    @inline(__always)
    package mutating func readDNSInteger<T: FixedWidthInteger>(
        as type: T.Type = T.self, messageStart: Int
    ) throws -> T {
        guard let value = readInteger(as: T.self) else {
            throw DNSWireError(.truncated, at: readerIndex - messageStart)
        }
        return value
    }

    /// Reads `length` bytes or throws ``DNSWireError/Code/truncated``.
    @inline(__always)
    package mutating func readDNSBytes(length: Int, messageStart: Int) throws -> [UInt8] {
        guard let bytes = readBytes(length: length) else {
            throw DNSWireError(.truncated, at: readerIndex - messageStart)
        }
        return bytes
    }

    /// Reads a `<character-string>`: a length octet and that many octets (RFC 1035 §3.3).
    package mutating func readDNSCharacterString(messageStart: Int) throws -> [UInt8] {
        let length: UInt8 = try readDNSInteger(messageStart: messageStart)
        return try readDNSBytes(length: Int(length), messageStart: messageStart)
    }

    /// Writes a `<character-string>`; the caller guarantees at most 255 octets.
    package mutating func writeDNSCharacterString(_ bytes: some Collection<UInt8>) {
        writeInteger(UInt8(bytes.count))
        writeBytes(bytes)
    }
}
