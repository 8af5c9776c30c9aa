package import DNSWire
package import NIOCore

/// Splits the answer records of a zone transfer into DNS messages for one TCP stream (RFC 5936
/// §2.2): each message as full as fits under ``messageLimit``, names compressed within it, the
/// question echoed in the first message only, AA set.
package enum TransferMessages {
    /// The most octets one message takes before its TSIG record: 16 KiB, as BIND and Knot send,
    /// well under the 65535 the length prefix allows.
    package static let messageLimit = 16_384

    /// The messages answering the query `id` for `question` with `records`.
    ///
    /// - Parameter queryFlags: the query's flags: RD is copied (RFC 1035 §4.1.1).
    package static func messages(
        id: UInt16, queryFlags: UInt16, question: DNSQuestion, records: [DNSRecord],
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> [ByteBuffer] {
        var messages: [ByteBuffer] = []
        var index = records.startIndex
        repeat {
            var buffer = allocator.buffer(capacity: messageLimit + 512)
            var compressor: DNSNameCompressor? = DNSNameCompressor(messageStart: buffer.writerIndex)
            let first = messages.isEmpty
            var header = DNSHeader(id: id, flags: queryFlags & 0x0100)  // RD
            header.isResponse = true
            header.isAuthoritative = true
            buffer.writeMultipleIntegers(
                header.id, header.flags, UInt16(first ? 1 : 0), UInt16(0), UInt16(0), UInt16(0))
            if first {
                compressor!.write(question.name, into: &buffer)
                buffer.writeMultipleIntegers(question.type.rawValue, question.class.rawValue)
            }
            var count: UInt16 = 0
            while index < records.endIndex {
                let mark = buffer.writerIndex
                buffer.writeDNSRecord(records[index], compressor: &compressor)
                // One record always goes in, however large; the next waits for a new message.
                if buffer.writerIndex > messageLimit, count > 0 {
                    buffer.moveWriterIndex(to: mark)
                    compressor!.discardEntries(from: mark)
                    break
                }
                count += 1
                index += 1
            }
            buffer.setInteger(count, at: 6)
            messages.append(buffer)
        } while index < records.endIndex
        return messages
    }

    /// A response with the question echoed and no records: an error (`responseCode`), AA clear.
    package static func error(
        _ responseCode: DNSResponseCode, id: UInt16, queryFlags: UInt16, question: DNSQuestion?,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
        var header = DNSHeader(id: id, flags: queryFlags & 0x7900)  // opcode and RD
        header.isResponse = true
        header.responseCodeBits = responseCode.headerBits
        var buffer = allocator.buffer(capacity: 512)
        buffer.writeMultipleIntegers(
            header.id, header.flags, UInt16(question == nil ? 0 : 1), UInt16(0), UInt16(0), UInt16(0))
        if let question {
            var compressor: DNSNameCompressor? = DNSNameCompressor(messageStart: 0)
            compressor!.write(question.name, into: &buffer)
            buffer.writeMultipleIntegers(question.type.rawValue, question.class.rawValue)
        }
        return buffer
    }
}
