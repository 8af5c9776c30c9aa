import NIOCore
import Testing

@testable import DNSWire

private func query(_ bytes: ByteBuffer) throws -> DNSQuery {
    var buffer = bytes
    let start = buffer.readerIndex
    let header = try DNSMessageHeaderFields(reading: &buffer, messageStart: start)
    return try DNSQuery(header: header, body: buffer, messageStart: start)
}

private func sampleResponse() throws -> DNSMessage {
    let zone = DNSName("example.com")
    return DNSMessage(
        header: DNSHeader(id: 0x4242, flags: 0x8500),
        questions: [DNSQuestion(name: DNSName("www.example.com"), type: .a)],
        answers: [
            DNSRecord(name: DNSName("www.example.com"), ttl: 60, rdata: .a(.init(address: IPv4Address(192, 0, 2, 1)))),
            DNSRecord(name: DNSName("www.example.com"), ttl: 60, rdata: .a(.init(address: IPv4Address(192, 0, 2, 2)))),
        ],
        authority: [DNSRecord(name: zone, ttl: 3600, rdata: .ns(.init(nameserver: DNSName("ns1.example.com"))))],
        additional: [
            DNSRecord(
                name: DNSName("ns1.example.com"), ttl: 3600, rdata: .a(.init(address: IPv4Address(192, 0, 2, 53))))
        ],
        edns: EDNS(udpPayloadSize: 1232))
}

@Suite struct DNSMessageResponseCodeTests {
    @Test func badVersionSplitsBetweenHeaderAndOPT() throws {
        var message = DNSMessage(header: DNSHeader(id: 9, flags: 0x8000), edns: EDNS())
        message.responseCode = .badVersion
        #expect(message.header.responseCodeBits == 0)
        #expect(message.edns?.extendedResponseCodeBits == 1)
        #expect(message.responseCode == .badVersion)

        let bytes = Array(try message.encoded().readableBytesView)
        #expect(bytes[3] & 0x0F == 0, "header RCODE")
        // OPT: root, TYPE, CLASS, then TTL whose first octet is EXTENDED-RCODE.
        #expect(bytes[12...16] == [0, 0, 41, 0x04, 0xD0])
        #expect(bytes[17] == 1, "EXTENDED-RCODE")
        #expect(try DNSMessage(decoding: bytes).responseCode == .badVersion)
    }

    @Test(arguments: [UInt16(0), 1, 3, 15, 16, 23, 0x0AB, 0xFFF])
    func twelveBitCodeRoundTrips(_ raw: UInt16) throws {
        var message = DNSMessage(edns: EDNS())
        message.responseCode = DNSResponseCode(rawValue: raw)
        #expect(UInt16(message.header.responseCodeBits) == raw & 0x0F)
        #expect(UInt16(message.edns!.extendedResponseCodeBits) == raw >> 4)
        let decoded = try DNSMessage(decoding: message.encoded())
        #expect(decoded.responseCode.rawValue == raw)
        #expect(decoded.header.responseCodeBits == message.header.responseCodeBits)
    }

    @Test func withoutOPTOnlyTheHeaderBitsExist() {
        var message = DNSMessage()
        message.responseCode = .nameError
        #expect(message.responseCode == .nameError)
        message.responseCode = .badVersion
        #expect(message.header.responseCodeBits == 0)
        #expect(message.responseCode == .noError)
    }

    @Test func responseCodeParts() {
        #expect(DNSResponseCode.badCookie.headerBits == 7)
        #expect(DNSResponseCode.badCookie.extendedBits == 1)
        #expect(DNSResponseCode.refused.extendedBits == 0)
        #expect(DNSResponseCode(rawValue: 3841).description == "RCODE3841")
    }
}

@Suite struct DNSMessageEncodingTests {
    @Test func countsFollowSectionsAndOPT() throws {
        let message = try sampleResponse()
        for compress in [true, false] {
            let bytes = Array(try message.encoded(compress: compress).readableBytesView)
            #expect(bytes[0...1] == [0x42, 0x42])
            #expect(bytes[2...3] == [0x85, 0x00])
            #expect(bytes[4...11] == [0, 1, 0, 2, 0, 1, 0, 2])
        }
    }

    @Test func countsWithoutOPT() throws {
        var message = try sampleResponse()
        message.edns = nil
        let bytes = Array(try message.encoded().readableBytesView)
        #expect(bytes[10...11] == [0, 1])
        let decoded = try DNSMessage(decoding: bytes)
        #expect(decoded.edns == nil)
        #expect(decoded == message)
    }

    @Test func emptyMessageIsTwelveOctets() throws {
        let bytes = Array(try DNSMessage(header: DNSHeader(id: 0x0102, flags: 0x0100)).encoded().readableBytesView)
        #expect(bytes == [1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try DNSMessage(decoding: bytes) == DNSMessage(header: DNSHeader(id: 0x0102, flags: 0x0100)))
    }

    @Test func encodingAppendsAfterExistingBytes() throws {
        let message = try sampleResponse()
        var buffer = ByteBuffer(bytes: [0xAA, 0xBB, 0xCC])
        try buffer.writeDNSMessage(message)
        #expect(buffer.getBytes(at: 0, length: 3) == [0xAA, 0xBB, 0xCC])
        buffer.moveReaderIndex(forwardBy: 3)
        #expect(buffer == (try message.encoded()))
        #expect(try DNSMessage(decoding: buffer) == message)
    }

    @Test func compressedMessageDecodesAtNonZeroReaderIndex() throws {
        let message = try sampleResponse()
        var buffer = ByteBuffer(bytes: [UInt8](repeating: 0xC0, count: 21))
        buffer.moveReaderIndex(forwardBy: 21)
        try buffer.writeDNSMessage(message)
        #expect(try DNSMessage(decoding: buffer) == message)
        let parsed = try query(buffer)
        #expect(parsed.name == message.questions[0].name)
    }

    @Test func oversizedMessageThrows() throws {
        let big = DNSRecord(
            name: .root, ttl: 0,
            rdata: .opaque(.init(type: DNSRecordType(rawValue: 65280), bytes: [UInt8](repeating: 0, count: 40000))))
        let message = DNSMessage(answers: [big, big])
        #expect(throws: DNSWireError(.messageTooLarge, at: 0)) { try message.encoded() }
    }

    @Test func oversizedEDNSOptionThrows() throws {
        let message = DNSMessage(
            edns: EDNS(options: [EDNS.Option(code: .padding, data: [UInt8](repeating: 0, count: 70000))]))
        #expect(throws: DNSWireError(.messageTooLarge, at: 0)) { try message.encoded() }
    }
}

@Suite struct DNSQueryTests {
    private func encodedQuery(_ name: String, type: DNSRecordType = .aaaa, edns: EDNS? = nil) throws -> ByteBuffer {
        try DNSMessage(
            header: DNSHeader(id: 0xCAFE, flags: 0x0120),
            questions: [DNSQuestion(name: try DNSName(name), type: type)],
            edns: edns
        ).encoded()
    }

    @Test func readsHeaderAndQuestion() throws {
        let parsed = try query(encodedQuery("www.example.com", type: .mx))
        #expect(parsed.header.id == 0xCAFE)
        #expect(parsed.header.flags == 0x0120)
        #expect(parsed.header.questionCount == 1)
        #expect(parsed.type == .mx)
        #expect(parsed.class == .internet)
        #expect(parsed.edns == nil)
    }

    @Test func keeps0x20CaseOfQuestionName() throws {
        let parsed = try query(encodedQuery("wWw.ExAmPlE.cOm"))
        #expect(parsed.name.description == "wWw.ExAmPlE.cOm.")
        #expect(parsed.name == (DNSName("www.example.com")))
        #expect(
            try DNSMessage(decoding: encodedQuery("wWw.ExAmPlE.cOm")).questions[0].name.description
                == "wWw.ExAmPlE.cOm.")
    }

    @Test func readsEDNSFields() throws {
        let parsed = try query(encodedQuery("example.com", edns: EDNS(udpPayloadSize: 4096, dnssecOK: true)))
        #expect(parsed.edns?.udpPayloadSize == 4096)
        #expect(parsed.edns?.version == 0)
        #expect(parsed.edns?.dnssecOK == true)
    }

    @Test func readsEDNSVersionAndClearDO() throws {
        let edns = EDNS(
            udpPayloadSize: 512, extendedResponseCodeBits: 0x7F, version: 1, dnssecOK: false, zFlags: 0x7FFF,
            options: [EDNS.Option(code: .cookie, data: [UInt8](repeating: 0xAB, count: 8))])
        let parsed = try query(encodedQuery("example.com", edns: edns))
        #expect(parsed.edns?.udpPayloadSize == 512)
        #expect(parsed.edns?.version == 1)
        #expect(parsed.edns?.dnssecOK == false)
    }

    @Test func agreesWithFullDecoder() throws {
        let bytes = try encodedQuery(
            "Mixed.Case.Example", type: .txt, edns: EDNS(udpPayloadSize: 1400, version: 2, dnssecOK: true))
        let full = try DNSMessage(decoding: bytes)
        let fast = try query(bytes)
        #expect(fast.name.wireBytes == full.questions[0].name.wireBytes)
        #expect(fast.type == full.questions[0].type)
        #expect(fast.class == full.questions[0].class)
        #expect(fast.edns?.udpPayloadSize == full.edns?.udpPayloadSize)
        #expect(fast.edns?.version == full.edns?.version)
        #expect(fast.edns?.dnssecOK == full.edns?.dnssecOK)
    }

    @Test func skipsRecordsAndUsesCompressedOPTAfterThem() throws {
        // A NOTIFY-like query carrying an answer whose owner is compressed against the question.
        let message = DNSMessage(
            header: DNSHeader(id: 3, flags: 0x2000),
            questions: [DNSQuestion(name: DNSName("example.com"), type: .soa)],
            answers: [
                DNSRecord(
                    name: DNSName("example.com"), ttl: 0,
                    rdata: .soa(
                        .init(
                            primaryNameserver: DNSName("ns.example.com"),
                            responsibleMailbox: DNSName("admin.example.com"), serial: 5, refresh: 1, retry: 1,
                            expire: 1, minimum: 1)))
            ],
            edns: EDNS(udpPayloadSize: 1232, dnssecOK: true))
        let parsed = try query(message.encoded())
        #expect(parsed.type == .soa)
        #expect(parsed.edns?.dnssecOK == true)
        #expect(parsed.header.answerCount == 1)
    }
}
