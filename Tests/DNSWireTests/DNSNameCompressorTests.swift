import NIOCore
import Testing

@testable import DNSWire

/// A buffer holding a zeroed 12-octet header, as names never start before it.
private func bufferWithHeader(prefix: Int = 0) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeRepeatingByte(0xEE, count: prefix)
    buffer.writeRepeatingByte(0, count: 12)
    return buffer
}

private func wire(_ text: String) throws -> [UInt8] {
    try DNSName(text).wireBytes
}

/// The octets of `buffer` from `index` (a buffer index) to its writer index.
private func bytes(of buffer: ByteBuffer, from index: Int) -> [UInt8] {
    buffer.getBytes(at: index, length: buffer.writerIndex - index) ?? []
}

@Suite struct DNSNameCompressorTests {
    @Test func firstNameIsWrittenInFull() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: 12) == (try wire("example.com")))
    }

    @Test func repeatedNameBecomesPointer() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)
        let second = buffer.writerIndex
        compressor.write(DNSName("example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: second) == [0xC0, 12])
    }

    @Test func suffixBecomesPointerAfterNewLabels() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)  // 12..<25; "com" at 20
        let second = buffer.writerIndex
        compressor.write(DNSName("www.example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: second) == [3] + Array("www".utf8) + [0xC0, 12])
        let third = buffer.writerIndex
        compressor.write(DNSName("example.org.com"), into: &buffer)
        #expect(bytes(of: buffer, from: third) == [7] + Array("example".utf8) + [3] + Array("org".utf8) + [0xC0, 20])
    }

    @Test func longestSuffixIsChosen() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)  // at 12
        let www = buffer.writerIndex  // 25
        compressor.write(DNSName("www.example.com"), into: &buffer)  // "www" + pointer, 6 octets
        let third = buffer.writerIndex
        compressor.write(DNSName("a.www.example.com"), into: &buffer)
        // Points at "www.example.com" (which itself continues with a pointer), not at "example.com".
        #expect(bytes(of: buffer, from: third) == [1, UInt8(ascii: "a"), 0xC0, UInt8(www)])
    }

    @Test func matchingIgnoresCase() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("Example.COM"), into: &buffer)
        let second = buffer.writerIndex
        compressor.write(DNSName("www.eXample.com"), into: &buffer)
        #expect(bytes(of: buffer, from: second) == [3] + Array("www".utf8) + [0xC0, 12])
        // The suffix reads back with the case of the occurrence it points at.
        var reader = buffer
        reader.moveReaderIndex(to: second)
        #expect(try reader.readDNSName(messageStart: 0).description == "www.Example.COM.")
    }

    @Test func differentNamesOfEqualLengthAreNotMatched() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)
        let second = buffer.writerIndex
        compressor.write(DNSName("examplf.com"), into: &buffer)
        #expect(bytes(of: buffer, from: second) == [7] + Array("examplf".utf8) + [0xC0, 20])
    }

    @Test func rootIsNeverAPointer() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName.root, into: &buffer)
        compressor.write(DNSName.root, into: &buffer)
        #expect(bytes(of: buffer, from: 12) == [0, 0])
    }

    @Test func uncompressedWriteIsFullButCanBePointedAt() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)
        let second = buffer.writerIndex
        compressor.write(DNSName("www.example.com"), into: &buffer, compress: false)
        #expect(bytes(of: buffer, from: second) == (try wire("www.example.com")))
        let third = buffer.writerIndex
        compressor.write(DNSName("www.example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: third) == [0xC0, UInt8(second)])
    }

    @Test func discardEntriesForgetsRolledBackNames() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)
        let rollback = buffer.writerIndex
        compressor.write(DNSName("dropped.test"), into: &buffer)
        // The writer drops what it wrote (an RRset that did not fit) and overwrites it.
        buffer.moveWriterIndex(to: rollback)
        compressor.discardEntries(from: rollback)
        buffer.writeRepeatingByte(0xFF, count: 14)  // unrelated bytes now where "dropped.test" was
        let next = buffer.writerIndex
        compressor.write(DNSName("dropped.test"), into: &buffer)
        #expect(bytes(of: buffer, from: next) == (try wire("dropped.test")))
        // Entries before the rollback point survive.
        let last = buffer.writerIndex
        compressor.write(DNSName("mail.example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: last) == [4] + Array("mail".utf8) + [0xC0, 12])
    }

    @Test func discardEntriesInsideANameKeepsItsEarlierLabels() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("example.com"), into: &buffer)  // example.com at 12, com at 20
        compressor.discardEntries(from: 20)
        let next = buffer.writerIndex
        compressor.write(DNSName("example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: next) == [0xC0, 12])
        let last = buffer.writerIndex
        compressor.write(DNSName("other.com"), into: &buffer)
        #expect(bytes(of: buffer, from: last) == (try wire("other.com")))
    }

    @Test func pointersAreRelativeToMessageStart() throws {
        var buffer = bufferWithHeader(prefix: 5)
        var compressor = DNSNameCompressor(messageStart: 5)
        compressor.write(DNSName("example.com"), into: &buffer)  // message offset 12
        let second = buffer.writerIndex
        compressor.write(DNSName("www.example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: second) == [3] + Array("www".utf8) + [0xC0, 12])
        var reader = buffer
        reader.moveReaderIndex(to: second)
        #expect(try reader.readDNSName(messageStart: 5) == DNSName("www.example.com"))
    }

    @Test func namesBeyondPointerReachAreNotRecorded() throws {
        var buffer = bufferWithHeader()
        buffer.writeRepeatingByte(0, count: 0x4000)  // the next name starts at 0x400C, out of reach
        var compressor = DNSNameCompressor(messageStart: 0)
        compressor.write(DNSName("far.example"), into: &buffer)
        let second = buffer.writerIndex
        compressor.write(DNSName("far.example"), into: &buffer)
        #expect(bytes(of: buffer, from: second) == (try wire("far.example")))
    }

    @Test func fullTableStillWritesCorrectNames() throws {
        var buffer = bufferWithHeader()
        var compressor = DNSNameCompressor(messageStart: 0)
        var names: [(DNSName, Int)] = []
        for index in 0..<(DNSNameCompressor.capacity + 10) {
            let name = try DNSName("host\(index).zone\(index % 3).example")
            names.append((name, buffer.writerIndex))
            compressor.write(name, into: &buffer)
        }
        var reader = buffer
        for (name, index) in names {
            reader.moveReaderIndex(to: index)
            #expect(try reader.readDNSName(messageStart: 0).wireBytes == name.wireBytes)
        }
    }

    @Test func srvTargetIsNotCompressed() throws {
        let zone = DNSName("example.com")
        let target = DNSName("sip.example.com")
        let message = DNSMessage(
            header: DNSHeader(id: 1),
            questions: [DNSQuestion(name: DNSName("_sip._udp.example.com"), type: .srv)],
            answers: [
                DNSRecord(name: zone, ttl: 60, rdata: .mx(.init(preference: 10, exchange: target))),
                DNSRecord(
                    name: DNSName("_sip._udp.example.com"), ttl: 60,
                    rdata: .srv(.init(priority: 1, weight: 2, port: 5060, target: target))),
            ])
        let encoded = try message.encoded()
        let bytes = Array(encoded.readableBytesView)
        // SRV RDATA: priority, weight, port, then the target in full; it ends the message.
        let expectedRData: [UInt8] = [0, 1, 0, 2, 0x13, 0xC4] + (try wire("sip.example.com"))
        #expect(Array(bytes.suffix(expectedRData.count)) == expectedRData)
        #expect(bytes[bytes.count - expectedRData.count - 2..<bytes.count - expectedRData.count] == [0, 23])
        // The MX exchange, an RFC 1035 type, is compressed: "sip" then a pointer.
        #expect(bytes.count < (try message.encoded(compress: false)).readableBytes)
        #expect(try DNSMessage(decoding: encoded) == message)
    }

    @Test func compressedMessageDecodesToInput() throws {
        let zone = DNSName("Example.COM")
        let message = DNSMessage(
            header: DNSHeader(id: 0xBEEF, flags: 0x8400),
            questions: [DNSQuestion(name: DNSName("www.example.com"), type: .a)],
            answers: [
                DNSRecord(name: DNSName("www.example.com"), ttl: 300, rdata: .cname(.init(target: zone))),
                DNSRecord(name: zone, ttl: 300, rdata: .a(.init(address: IPv4Address(192, 0, 2, 1)))),
            ],
            authority: [
                DNSRecord(name: zone, ttl: 3600, rdata: .ns(.init(nameserver: DNSName("ns1.example.com")))),
                DNSRecord(name: zone, ttl: 3600, rdata: .ns(.init(nameserver: DNSName("ns2.EXAMPLE.com")))),
            ],
            additional: [
                DNSRecord(
                    name: DNSName("ns1.example.com"), ttl: 3600,
                    rdata: .a(.init(address: IPv4Address(192, 0, 2, 53))))
            ])
        let compressed = try message.encoded()
        let uncompressed = try message.encoded(compress: false)
        #expect(compressed.readableBytes < uncompressed.readableBytes)
        let decoded = try DNSMessage(decoding: compressed)
        #expect(decoded == message)
        // The question was written first, so its octets come back exactly.
        #expect(decoded.questions[0].name.wireBytes == message.questions[0].name.wireBytes)
        #expect(try DNSMessage(decoding: uncompressed) == message)
    }

    /// Behind a TCP length prefix (the message starts at index 2) a pointer still carries the
    /// offset from the message's start, and a pointer already written is followed when matching.
    @Test func pointersCountFromTheMessageStartAndAreFollowed() throws {
        var buffer = bufferWithHeader(prefix: 2)
        var compressor = DNSNameCompressor(messageStart: 2)
        compressor.write(DNSName("example.com"), into: &buffer)  // offset 12
        compressor.write(DNSName("www.example.com"), into: &buffer)  // www, then a pointer to 12
        let start = buffer.writerIndex
        compressor.write(DNSName("WWW.Example.com"), into: &buffer)
        #expect(bytes(of: buffer, from: start) == [0xC0, 25])
    }
}
