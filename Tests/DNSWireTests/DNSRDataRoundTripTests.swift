import NIOCore
import Testing

@testable import DNSWire

/// One record of each RDATA type, with the RDATA octets it must produce uncompressed.
struct RDataCase: Sendable, CustomTestStringConvertible {
    var rdata: DNSRData
    var uncompressedRData: [UInt8]
    var testDescription: String { rdata.type.description }
}

private func n(_ text: String) -> DNSName {
    // Literals here are valid names; a bad one is a mistake in this file.
    DNSName(stringLiteral: text)
}

private func w(_ text: String) -> [UInt8] { n(text).wireBytes }

private let txt600 = [UInt8]((0..<600).map { UInt8(truncatingIfNeeded: $0 % 251) })

let everyRDataType: [RDataCase] = [
    RDataCase(rdata: .a(.init(address: IPv4Address(192, 0, 2, 1))), uncompressedRData: [192, 0, 2, 1]),
    RDataCase(
        rdata: .aaaa(.init(address: IPv6Address("2001:db8::1")!)),
        uncompressedRData: [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]),
    RDataCase(rdata: .ns(.init(nameserver: n("ns1.example.com"))), uncompressedRData: w("ns1.example.com")),
    RDataCase(rdata: .cname(.init(target: n("target.example.com"))), uncompressedRData: w("target.example.com")),
    RDataCase(
        rdata: .soa(
            .init(
                primaryNameserver: n("ns1.example.com"), responsibleMailbox: n("hostmaster.example.com"),
                serial: 2_024_010_101, refresh: 7200, retry: 3600, expire: 1_209_600, minimum: 300)),
        uncompressedRData: w("ns1.example.com") + w("hostmaster.example.com")
            + [0x78, 0xA3, 0xF1, 0x75, 0, 0, 0x1C, 0x20, 0, 0, 0x0E, 0x10, 0, 0x12, 0x75, 0, 0, 0, 1, 0x2C]),
    RDataCase(rdata: .ptr(.init(target: n("host.example.com"))), uncompressedRData: w("host.example.com")),
    RDataCase(
        rdata: .mx(.init(preference: 10, exchange: n("mail.example.com"))),
        uncompressedRData: [0, 10] + w("mail.example.com")),
    RDataCase(
        rdata: .txt(.init(strings: [Array("v=spf1".utf8), [], Array("-all".utf8)])!),
        uncompressedRData: [6] + Array("v=spf1".utf8) + [0] + [4] + Array("-all".utf8)),
    RDataCase(
        rdata: .txt(.init(value: txt600)),
        uncompressedRData: [255] + txt600[0..<255] + [255] + txt600[255..<510] + [90] + txt600[510...]),
    RDataCase(
        rdata: .srv(.init(priority: 10, weight: 60, port: 5060, target: n("sip.example.com"))),
        uncompressedRData: [0, 10, 0, 60, 0x13, 0xC4] + w("sip.example.com")),
    RDataCase(
        rdata: .caa(.init(flags: 128, tag: "issue", value: Array("letsencrypt.org".utf8))!),
        uncompressedRData: [128, 5] + Array("issue".utf8) + Array("letsencrypt.org".utf8)),
    RDataCase(
        rdata: .ds(.init(keyTag: 60485, algorithm: 13, digestType: 2, digest: [UInt8](0..<32))),
        uncompressedRData: [0xEC, 0x45, 13, 2] + [UInt8](0..<32)),
    // A type without a typed form travels as octets (RFC 3597), even if they look like a name.
    RDataCase(
        rdata: .opaque(.init(type: DNSRecordType(rawValue: 65280), bytes: [0xC0, 0x0C, 1, 2, 3])),
        uncompressedRData: [0xC0, 0x0C, 1, 2, 3]),
    RDataCase(
        rdata: .opaque(.init(type: .dname, bytes: w("example.com"))),
        uncompressedRData: w("example.com")),
    RDataCase(
        rdata: .opaque(.init(type: DNSRecordType(rawValue: 4242), bytes: [])),
        uncompressedRData: []),
]

/// A message whose question and authority put `example.com` names before the record.
private func message(answering rdata: DNSRData) -> DNSMessage {
    DNSMessage(
        header: DNSHeader(id: 0x1234, flags: 0x8400),
        questions: [DNSQuestion(name: n("www.example.com"), type: rdata.type)],
        answers: [DNSRecord(name: n("www.example.com"), ttl: 3600, rdata: rdata)],
        authority: [DNSRecord(name: n("example.com"), ttl: 86400, rdata: .ns(.init(nameserver: n("ns1.example.com"))))])
}

@Suite struct DNSRDataRoundTripTests {
    @Test(arguments: everyRDataType)
    func recordDataIsWrittenAsSpecified(_ testCase: RDataCase) throws {
        var buffer = ByteBuffer()
        var compressor: DNSNameCompressor? = nil
        testCase.rdata.write(to: &buffer, compressor: &compressor)
        #expect(Array(buffer.readableBytesView) == testCase.uncompressedRData)
    }

    @Test(arguments: everyRDataType, [true, false])
    func messageRoundTrips(_ testCase: RDataCase, compress: Bool) throws {
        let original = message(answering: testCase.rdata)
        let encoded = try original.encoded(compress: compress)
        let decoded = try DNSMessage(decoding: encoded)
        #expect(decoded == original)
        #expect(decoded.answers.first?.rdata == testCase.rdata)
        #expect(decoded.answers.first?.type == testCase.rdata.type)
        // Re-encoding what was decoded gives the same octets.
        #expect(try decoded.encoded(compress: compress) == encoded)
    }

    @Test(arguments: everyRDataType)
    func uncompressedRecordCarriesExactRData(_ testCase: RDataCase) throws {
        let encoded = try message(answering: testCase.rdata).encoded(compress: false)
        var buffer = encoded
        _ = try DNSMessageHeaderFields(reading: &buffer, messageStart: 0)
        _ = try buffer.readDNSName(messageStart: 0)
        buffer.moveReaderIndex(forwardBy: 4)
        _ = try buffer.readDNSName(messageStart: 0)
        let fields = try buffer.readDNSRecordFields(messageStart: 0)
        #expect(fields.type == testCase.rdata.type)
        #expect(Int(fields.rdlength) == testCase.uncompressedRData.count)
        #expect(buffer.readBytes(length: Int(fields.rdlength)) == testCase.uncompressedRData)
    }

    @Test func compressibleNamesInRDataArePointers() throws {
        let rdata = DNSRData.soa(
            .init(
                primaryNameserver: n("ns1.example.com"), responsibleMailbox: n("hostmaster.example.com"),
                serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5))
        let compressed = try message(answering: rdata).encoded()
        let uncompressed = try message(answering: rdata).encoded(compress: false)
        // MNAME "ns1" + pointer (6), RNAME "hostmaster" + pointer (13) instead of 17 + 24.
        #expect(uncompressed.readableBytes - compressed.readableBytes > 17 + 24 - 6 - 13)
    }

    @Test func longTXTValueSplitsInto255OctetStrings() throws {
        let txt = DNSRData.TXT(value: txt600)
        #expect(txt.strings.map(\.count) == [255, 255, 90])
        #expect(txt.joined == txt600)
        #expect(DNSRData.TXT(value: [UInt8](repeating: 1, count: 255)).strings.map(\.count) == [255])
        #expect(DNSRData.TXT(value: [UInt8](repeating: 1, count: 256)).strings.map(\.count) == [255, 1])
        #expect(DNSRData.TXT(value: [UInt8]()).strings == [[]])
        #expect(DNSRData.TXT("hello").strings == [Array("hello".utf8)])
    }

    /// A zone holds one RRset array per name and type: RDATA values stay small (the SOA is boxed)
    /// and TXT keeps its character-strings in one array, in wire form.
    @Test func rdataValuesAreCompact() {
        #expect(MemoryLayout<DNSRData>.stride <= 32)
        #expect(MemoryLayout<DNSRData.TXT>.size == MemoryLayout<[UInt8]>.size)
        let txt = DNSRData.TXT(strings: [Array("v=spf1".utf8), [], Array("-all".utf8)])!
        #expect(txt.strings == [Array("v=spf1".utf8), [], Array("-all".utf8)])
        #expect(txt.joined == Array("v=spf1-all".utf8))
    }

    @Test func invalidTypedValuesAreRefused() {
        #expect(DNSRData.TXT(strings: []) == nil)
        #expect(DNSRData.TXT(strings: [[UInt8](repeating: 0, count: 256)]) == nil)
        #expect(DNSRData.CAA(flags: 0, tag: "", value: []) == nil)
        #expect(DNSRData.CAA(flags: 0, tag: String(repeating: "a", count: 256), value: []) == nil)
    }

    @Test(arguments: [true, false])
    func ednsOptionsRoundTrip(compress: Bool) throws {
        let edns = EDNS(
            udpPayloadSize: 4096, extendedResponseCodeBits: 0, version: 0, dnssecOK: true, zFlags: 0x0123,
            options: [
                EDNS.Option(code: .nsid, data: []),
                EDNS.Option(code: .cookie, data: [1, 2, 3, 4, 5, 6, 7, 8]),
                EDNS.Option(code: EDNSOptionCode(rawValue: 65001), data: [0xFF]),
            ])
        var original = message(answering: .a(.init(address: IPv4Address(198, 51, 100, 7))))
        original.additional = [
            DNSRecord(name: n("ns1.example.com"), ttl: 60, rdata: .a(.init(address: IPv4Address(192, 0, 2, 53))))
        ]
        original.edns = edns
        let encoded = try original.encoded(compress: compress)
        let bytes = Array(encoded.readableBytesView)
        // OPT last: root owner, TYPE 41, CLASS = payload size, TTL = ext-rcode/version/DO/Z, RDLENGTH 4+0+4+8+4+1.
        let optRecord: [UInt8] =
            [0, 0, 41, 0x10, 0x00, 0, 0, 0x81, 0x23, 0, 21]
            + [0, 3, 0, 0] + [0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8] + [0xFD, 0xE9, 0, 1, 0xFF]
        #expect(Array(bytes.suffix(optRecord.count)) == optRecord)
        #expect(bytes[10...11] == [0, 2], "ARCOUNT counts the OPT record")
        let decoded = try DNSMessage(decoding: encoded)
        #expect(decoded == original)
        #expect(decoded.edns == edns)
        #expect(decoded.additional.count == 1)
    }
}
