import NIOCore
import Testing

@testable import DNSWire

// Malformed messages built octet by octet. Offsets in the comments are message offsets.

private func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)] }
private func u32(_ value: UInt32) -> [UInt8] { u16(UInt16(value >> 16)) + u16(UInt16(truncatingIfNeeded: value)) }

/// A 12-octet header: ID 0x1234, RD set, and the given section counts.
private func header(qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
    u16(0x1234) + u16(0x0100) + u16(qd) + u16(an) + u16(ns) + u16(ar)
}

/// `example.com.` uncompressed: 13 octets.
private let exampleCom: [UInt8] = [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
/// `example.com. A IN` at offset 12, ending at 29.
private let question: [UInt8] = exampleCom + u16(1) + u16(1)
/// A pointer to the question name at offset 12.
private let toQuestion: [UInt8] = [0xC0, 0x0C]

private func record(
    owner: [UInt8] = toQuestion, type: UInt16, class: UInt16 = 1, ttl: UInt32 = 300, rdlength: Int? = nil,
    rdata: [UInt8]
) -> [UInt8] {
    owner + u16(type) + u16(`class`) + u32(ttl) + u16(UInt16(rdlength ?? rdata.count)) + rdata
}

/// An OPT record: owner, TYPE 41, CLASS = payload size, TTL 0, RDATA.
private func opt(owner: [UInt8] = [0], rdlength: Int? = nil, rdata: [UInt8] = []) -> [UInt8] {
    record(owner: owner, type: 41, class: 1232, ttl: 0, rdlength: rdlength, rdata: rdata)
}

/// An A record owned by the question name: 16 octets.
private let aRecord = record(type: 1, rdata: [192, 0, 2, 1])

private func labels(_ lengths: [Int]) -> [UInt8] {
    lengths.flatMap { [UInt8($0)] + [UInt8](repeating: UInt8(ascii: "a"), count: $0) } + [0]
}

/// A root question at 12, then an opaque record at 17 whose RDATA (at 28) is a root label followed
/// by `pointers` compression pointers, each to the one before; then an A record owned by a pointer
/// to the last of them, so reading its owner follows `pointers + 1` pointers.
private func pointerChain(_ pointers: Int) -> [UInt8] {
    var rdata: [UInt8] = [0]
    var previous = 28
    for index in 0..<pointers {
        rdata += u16(0xC000 | UInt16(previous))
        previous = 29 + 2 * index
    }
    return header(an: 2) + [0] + u16(1) + u16(1)
        + record(owner: [0], type: 0xFF00, rdata: rdata)
        + record(owner: u16(0xC000 | UInt16(previous)), type: 1, rdata: [192, 0, 2, 1])
}

struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var code: DNSWireError.Code
    /// The expected message offset of the error.
    var offset: Int

    init(_ name: String, _ bytes: [UInt8], _ code: DNSWireError.Code, at offset: Int) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.offset = offset
    }

    var testDescription: String { "\(name) → \(code)" }
}

let malformedCases: [MalformedCase] = [
    // Header and counts
    MalformedCase("empty packet", [], .truncated, at: 0),
    MalformedCase("header of 11 octets", Array(header().prefix(11)), .truncated, at: 0),
    MalformedCase("QDCOUNT 1 with nothing after the header", header(), .countExceedsData, at: 12),
    MalformedCase("ANCOUNT 2 with nothing after the question", header(an: 2) + question, .countExceedsData, at: 29),
    MalformedCase("ANCOUNT 2 with one answer", header(an: 2) + question + aRecord, .countExceedsData, at: 45),
    MalformedCase("ARCOUNT 1 with nothing after the question", header(ar: 1) + question, .countExceedsData, at: 29),
    MalformedCase("QTYPE cut short", header() + exampleCom + [0], .truncated, at: 25),
    MalformedCase("label runs past the end", header() + [5, 0x61, 0x62], .truncated, at: 12),
    MalformedCase("pointer missing its second octet", header() + [1, 0x61, 0xC0], .truncated, at: 14),
    MalformedCase(
        "record fields cut short", header(an: 1) + question + toQuestion + [0, 1, 0], .truncated, at: 31),
    MalformedCase("trailing byte", header() + question + [0], .trailingBytes, at: 29),

    // Compression pointers
    MalformedCase(
        "pointer to itself", header() + [0xC0, 0x0C] + u16(1) + u16(1), .forwardCompressionPointer, at: 12),
    MalformedCase(
        "label then pointer back to that label", header() + [1, 0x61, 0xC0, 0x0C] + u16(1) + u16(1),
        .compressionPointerLoop, at: 14),
    MalformedCase(
        // The question (12) ends in a pointer to the answer owner (20), which points back at 12.
        "two names pointing at each other",
        header(an: 1) + [1, 0x61, 0xC0, 20] + u16(1) + u16(1) + record(type: 1, rdata: [192, 0, 2, 1]),
        .forwardCompressionPointer, at: 14),
    MalformedCase(
        // Answer 2's owner (32) is "b" + pointer to 28, opaque RDATA holding "a" + pointer to 28.
        "loop reached through a backward pointer",
        header(an: 2) + [0] + u16(1) + u16(1)
            + record(owner: [0], type: 0xFF00, rdata: [1, 0x61, 0xC0, 28])
            + record(owner: [1, 0x62, 0xC0, 28], type: 1, rdata: [192, 0, 2, 1]),
        .compressionPointerLoop, at: 30),
    MalformedCase(
        "forward pointer",
        header(an: 1) + [0xC0, 18] + u16(1) + u16(1) + record(owner: exampleCom, type: 1, rdata: [1, 2, 3, 4]),
        .forwardCompressionPointer, at: 12),
    MalformedCase(
        "pointer into the header", header() + [1, 0x61, 0xC0, 0x04] + u16(1) + u16(1),
        .compressionPointerIntoHeader, at: 14),
    MalformedCase(
        "pointer to offset 0", header() + [0xC0, 0x00] + u16(1) + u16(1), .compressionPointerIntoHeader, at: 12),
    MalformedCase("128 pointers in one name", pointerChain(127), .tooManyCompressionPointers, at: 29),

    // Labels and names
    MalformedCase(
        "label length 64 (0x40)",
        header() + [0x40] + [UInt8](repeating: 0x61, count: 64) + [0] + u16(1) + u16(1), .labelTooLong, at: 12),
    MalformedCase(
        "label length 127 (0x7F) after a label",
        header() + [1, 0x61, 0x7F] + [UInt8](repeating: 0x61, count: 127) + [0] + u16(1) + u16(1),
        .labelTooLong, at: 14),
    MalformedCase("label type 0x80", header() + [0x80, 0] + u16(1) + u16(1), .reservedLabelType, at: 12),
    MalformedCase(
        "label type 0xBF after a label", header() + [1, 0x61, 0xBF, 0] + u16(1) + u16(1), .reservedLabelType, at: 14),
    MalformedCase(
        "name of 256 octets", header() + labels([63, 63, 63, 62]) + u16(1) + u16(1), .nameTooLong, at: 267),
    MalformedCase(
        // The question name is 255 octets; "a" + a pointer to it makes 257.
        "name over 255 octets through a pointer",
        header(an: 1) + labels([63, 63, 63, 61]) + u16(1) + u16(1)
            + record(owner: [1, 0x61, 0xC0, 0x0C], type: 1, rdata: [192, 0, 2, 1]),
        .nameTooLong, at: 204),

    // Records
    MalformedCase(
        "RDLENGTH beyond the message", header(an: 1) + question + record(type: 1, rdlength: 4, rdata: [192, 0]),
        .rdataBeyondMessage, at: 39),
    MalformedCase(
        "A record with RDLENGTH 5", header(an: 1) + question + record(type: 1, rdata: [192, 0, 2, 1, 0]),
        .rdataLengthMismatch, at: 41),
    MalformedCase(
        "AAAA record with RDLENGTH 4", header(an: 1) + question + record(type: 28, rdata: [192, 0, 2, 1]),
        .rdataLengthMismatch, at: 41),
    MalformedCase(
        "MX exchange running past RDLENGTH",
        header(an: 2) + question + record(type: 15, rdlength: 3, rdata: [0, 10] + toQuestion) + aRecord,
        .rdataLengthMismatch, at: 41),
    MalformedCase(
        // Tag length 10 with RDLENGTH 4: the tag would run into the next record.
        "CAA tag longer than RDATA",
        header(an: 2) + question + record(type: 257, rdlength: 4, rdata: [0, 10, 0x69, 0x73]) + aRecord,
        .rdataLengthMismatch, at: 41),
    MalformedCase(
        "SOA fields past RDLENGTH",
        header(an: 2) + question
            + record(type: 6, rdlength: 10, rdata: toQuestion + toQuestion + [UInt8](repeating: 1, count: 20))
            + aRecord,
        .rdataLengthMismatch, at: 41),
    MalformedCase(
        "DS with RDLENGTH 3", header(an: 1) + question + record(type: 43, rdata: [0, 1, 13]), .rdataLengthMismatch,
        at: 41),
    MalformedCase(
        "empty CAA tag", header(an: 1) + question + record(type: 257, rdata: [0, 0] + Array("ca".utf8)),
        .malformedRData, at: 42),
    MalformedCase(
        // The string claims 5 octets; RDATA has 3, and the next record follows.
        "TXT character-string longer than RDATA",
        header(an: 2) + question + record(type: 16, rdlength: 3, rdata: [5, 0x61, 0x62]) + aRecord,
        .rdataLengthMismatch, at: 41),
    MalformedCase(
        "TXT with empty RDATA", header(an: 1) + question + record(type: 16, rdata: []), .rdataLengthMismatch, at: 41),

    // OPT (RFC 6891 §6.1.1)
    MalformedCase("OPT in the answer section", header(an: 1) + question + opt(), .optOutsideAdditional, at: 29),
    MalformedCase("OPT in the authority section", header(ns: 1) + question + opt(), .optOutsideAdditional, at: 29),
    MalformedCase("two OPT records", header(ar: 2) + question + opt() + opt(), .duplicateOPT, at: 40),
    MalformedCase(
        "OPT owned by a non-root name", header(ar: 1) + question + opt(owner: toQuestion), .optOwnerNotRoot, at: 29),
    MalformedCase(
        // OPTION-LENGTH 8 but only 4 octets of RDATA remain; an A record follows.
        "EDNS option longer than OPT RDATA",
        header(ar: 2) + question + opt(rdata: u16(10) + u16(8) + [1, 2, 3, 4]) + aRecord,
        .rdataLengthMismatch, at: 44),
    MalformedCase(
        "EDNS option header cut by OPT RDATA", header(ar: 2) + question + opt(rdata: u16(10)) + aRecord,
        .rdataLengthMismatch, at: 40),
]

/// Reads `buffer` the way the server's fast path does: header, then ``DNSQuery``.
private func parseQuery(_ buffer: ByteBuffer) throws -> DNSQuery {
    var buffer = buffer
    let start = buffer.readerIndex
    let header = try DNSMessageHeaderFields(reading: &buffer, messageStart: start)
    return try DNSQuery(header: header, body: buffer, messageStart: start)
}

/// A valid compressed message, used as filler before a packet so that pointers resolved from
/// the wrong base would land on plausible names.
private let filler: [UInt8] = {
    let message = DNSMessage(
        header: DNSHeader(id: 7),
        questions: [DNSQuestion(name: "www.example.com", type: .a)],
        answers: [DNSRecord(name: "www.example.com", ttl: 1, rdata: .cname(.init(target: "example.com")))])
    return Array(try! message.encoded().readableBytesView)
}()

@Suite struct DNSMessageMalformedTests {
    @Test(arguments: malformedCases)
    func fullDecoderRejects(_ testCase: MalformedCase) {
        let error = #expect(throws: DNSWireError.self) { try DNSMessage(decoding: testCase.bytes) }
        #expect(error?.code == testCase.code)
        #expect(error?.offset == testCase.offset)
    }

    @Test(arguments: malformedCases)
    func queryParserRejectsWithSameCode(_ testCase: MalformedCase) {
        let error = #expect(throws: DNSWireError.self) { try parseQuery(ByteBuffer(bytes: testCase.bytes)) }
        #expect(error?.code == testCase.code)
        #expect(error?.offset == testCase.offset)
    }

    @Test(arguments: malformedCases)
    func rejectedAtNonZeroReaderIndex(_ testCase: MalformedCase) {
        var buffer = ByteBuffer(bytes: filler + testCase.bytes)
        buffer.moveReaderIndex(forwardBy: filler.count)
        let full = #expect(throws: DNSWireError.self) { try DNSMessage(decoding: buffer) }
        #expect(full?.code == testCase.code)
        #expect(full?.offset == testCase.offset, "offsets count from the message start")
        let query = #expect(throws: DNSWireError.self) { try parseQuery(buffer) }
        #expect(query?.code == testCase.code)
        #expect(query?.offset == testCase.offset)
    }

    @Test func everyCaseHasOneQuestionSoTheQueryParserApplies() throws {
        for testCase in malformedCases where testCase.bytes.count >= 12 {
            #expect(testCase.bytes[4...5] == [0, 1], "\(testCase.name)")
        }
    }

    @Test func errorsCompareByCode() {
        #expect(DNSWireError(.truncated, at: 3) == DNSWireError(.truncated, at: 9))
        #expect(DNSWireError(.truncated, at: 3) != DNSWireError(.trailingBytes, at: 3))
        #expect(DNSWireError(.labelTooLong, at: 14).description == "label longer than 63 octets at offset 14")
    }

    @Test func pointerChainAtTheHopLimitIsAccepted() throws {
        // 126 pointers in the RDATA plus the owner's own: 127 hops, the most allowed.
        let bytes = pointerChain(126)
        let message = try DNSMessage(decoding: bytes)
        #expect(message.answers.count == 2)
        #expect(message.answers[1].name == DNSName.root)
        let query = try parseQuery(ByteBuffer(bytes: bytes))
        #expect(query.name == DNSName.root)
    }
}
