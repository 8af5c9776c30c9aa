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

    /// Writes `bytes`, at most 255 octets, as a `<character-string>` (RFC 1035 §3.3).
    package mutating func writeDNSCharacterString(_ bytes: [UInt8]) {
        writeDNSCharacterString(bytes, range: bytes.indices)
    }

    /// Appends a record's fixed fields after its owner (RFC 1035 §4.1.3): TYPE, CLASS, TTL and
    /// RDLENGTH, big-endian, in one write. NIO's `writeMultipleIntegers` makes one write per
    /// integer, each checking capacity and uniqueness and, in NIO's own code, exclusive access
    /// again; the answer path writes these for every record.
    @inline(__always)
    package mutating func writeDNSRecordFields(type: UInt16, class: UInt16, ttl: UInt32, rdataLength: UInt16) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 10) { out in
            out.storeBytes(
                of: (UInt64(type) << 48 | UInt64(`class`) << 32 | UInt64(ttl)).bigEndian, toByteOffset: 0,
                as: UInt64.self)
            out.storeBytes(of: rdataLength.bigEndian, toByteOffset: 8, as: UInt16.self)
            return 10
        }
    }

    /// Appends a record whose owner is a compression pointer to `offset` (RFC 1035 §4.1.4; below
    /// 0x4000) and its fixed fields, in one write.
    @inline(__always)
    package mutating func writeDNSRecordFields(
        ownerPointer offset: UInt16, type: UInt16, class: UInt16, ttl: UInt32, rdataLength: UInt16
    ) {
        precondition(offset < 0x4000, "a compression pointer holds a 14-bit offset")
        writeWithUnsafeMutableBytes(minimumWritableBytes: 12) { out in
            out.storeBytes(
                of: (UInt64(0xC000 | offset) << 48 | UInt64(type) << 32 | UInt64(`class`) << 16 | UInt64(ttl >> 16))
                    .bigEndian, toByteOffset: 0, as: UInt64.self)
            out.storeBytes(
                of: (UInt32(ttl & 0xFFFF) << 16 | UInt32(rdataLength)).bigEndian, toByteOffset: 8, as: UInt32.self)
            return 12
        }
    }

    /// Writes a message header's fields (RFC 1035 §4.1.1) over the 12 octets at `index`, which
    /// must be written already, in one write.
    @inline(__always)
    package mutating func setDNSHeaderFields(
        id: UInt16, flags: UInt16, questionCount: UInt16, answerCount: UInt16, authorityCount: UInt16,
        additionalCount: UInt16, at index: Int
    ) {
        let offset = index - readerIndex
        precondition(offset >= 0 && offset + 12 <= readableBytes, "the header's octets are not in the buffer")
        withUnsafeMutableReadableBytes { bytes in
            bytes.storeBytes(
                of: (UInt64(id) << 48 | UInt64(flags) << 32 | UInt64(questionCount) << 16 | UInt64(answerCount))
                    .bigEndian, toByteOffset: offset, as: UInt64.self)
            bytes.storeBytes(
                of: (UInt32(authorityCount) << 16 | UInt32(additionalCount)).bigEndian, toByteOffset: offset + 8,
                as: UInt32.self)
        }
    }

    /// Appends a message header's fields (RFC 1035 §4.1.1) in one write.
    @inline(__always)
    package mutating func writeDNSHeaderFields(
        id: UInt16, flags: UInt16, questionCount: UInt16, answerCount: UInt16, authorityCount: UInt16,
        additionalCount: UInt16
    ) {
        writeRepeatingByte(0, count: DNSMessage.headerLength)
        setDNSHeaderFields(
            id: id, flags: flags, questionCount: questionCount, answerCount: answerCount,
            authorityCount: authorityCount, additionalCount: additionalCount, at: writerIndex - DNSMessage.headerLength)
    }

    /// Appends a question's TYPE and CLASS (RFC 1035 §4.1.2) in one write.
    @inline(__always)
    package mutating func writeDNSQuestionFields(type: UInt16, class: UInt16) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 4) { out in
            out.storeBytes(of: (UInt32(type) << 16 | UInt32(`class`)).bigEndian, toByteOffset: 0, as: UInt32.self)
            return 4
        }
    }

    /// Appends a `<character-string>` (RFC 1035 §3.3) of the octets `range` of `bytes`, at most
    /// 255 of them, in one write.
    @inline(__always)
    package mutating func writeDNSCharacterString(_ bytes: [UInt8], range: Range<Int>) {
        let count = range.count
        precondition(count <= 255, "a character-string holds at most 255 octets")
        writeWithUnsafeMutableBytes(minimumWritableBytes: count + 1) { out in
            out[0] = UInt8(count)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: out[1..<(count + 1)]).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: source[range]))
            }
            return count + 1
        }
    }
}
