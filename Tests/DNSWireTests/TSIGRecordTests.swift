import NIOCore
import Testing

@testable import DNSWire

// The TSIG RR (RFC 8945 §4.2) and where a message may carry it (§5.1).

private func u16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(truncatingIfNeeded: value)] }
private func u32(_ value: UInt32) -> [UInt8] { u16(UInt16(value >> 16)) + u16(UInt16(truncatingIfNeeded: value)) }

private func header(id: UInt16 = 0x1234, qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0) -> [UInt8] {
    u16(id) + u16(0) + u16(qd) + u16(an) + u16(ns) + u16(ar)
}

private func wire(_ name: String) -> [UInt8] { try! DNSName(name).wireBytes }

/// `example.com. SOA IN` at offset 12, ending at 29.
private let question = wire("example.com.") + u16(6) + u16(1)
/// An A record owned by the question name: 16 octets.
private let aRecord: [UInt8] = [0xC0, 0x0C] + u16(1) + u16(1) + u32(300) + u16(4) + [192, 0, 2, 1]

private let sampleRecord = TSIGRecord(
    keyName: "xfr-key.", algorithm: "hmac-sha256.", timeSigned: 1_700_000_000, fudge: 300,
    mac: Array(0..<32), originalID: 0x1234)

/// `record` as a whole RR, written by DNSWire.
private func tsig(_ record: TSIGRecord = sampleRecord) -> [UInt8] {
    var buffer = ByteBuffer()
    buffer.writeTSIGRecord(record)
    return Array(buffer.readableBytesView)
}

/// A TSIG RR built by hand: owner, class and RDATA as given.
private func rawTSIG(owner: [UInt8], class: UInt16 = 255, rdlength: Int? = nil, rdata: [UInt8]) -> [UInt8] {
    owner + u16(250) + u16(`class`) + u32(0) + u16(UInt16(rdlength ?? rdata.count)) + rdata
}

private func locate(_ bytes: [UInt8]) throws -> TSIGRecord.Location? {
    try TSIGRecord.locate(in: ByteBuffer(bytes: bytes))
}

@Suite struct TSIGRecordTests {
    @Test func writesTheLayoutOfRFC8945() {
        let bytes = tsig()
        let rdata =
            wire("hmac-sha256.") + u16(0) + u32(1_700_000_000) + u16(300) + u16(32) + Array(0..<32) + u16(0x1234)
            + u16(0) + u16(0)
        #expect(bytes == rawTSIG(owner: wire("xfr-key."), rdata: rdata))
        #expect(sampleRecord.wireLength == bytes.count)
    }

    @Test func roundTripsAtTheEndOfAMessage() throws {
        var record = sampleRecord
        record.error = 18
        record.otherData = [0, 0, 0x65, 0x53, 0xF1, 0x00]
        let message = header(ar: 1) + question + tsig(record)
        let location = try #require(try locate(message))
        #expect(location.record == record)
        #expect(location.offset == 12 + question.count)
        #expect(location.additionalCount == 1)
        #expect(location.record.serverTime == 0x6553_F100)
    }

    @Test func keepsFortyEightBitsOfTime() throws {
        var record = sampleRecord
        record.timeSigned = TSIGRecord.maximumTimeSigned
        #expect(try locate(header(ar: 1) + question + tsig(record))?.record.timeSigned == TSIGRecord.maximumTimeSigned)
        record.timeSigned = 1 << 48 | 7
        #expect(try locate(header(ar: 1) + question + tsig(record))?.record.timeSigned == 7)
    }

    @Test func findsNothingInAnUnsignedMessage() throws {
        #expect(try locate(header(an: 1) + question + aRecord) == nil)
    }

    @Test func followsAnOPTRecordAndOtherSections() throws {
        let opt: [UInt8] = [0] + u16(41) + u16(1232) + u32(0) + u16(0)
        let message = header(an: 1, ns: 1, ar: 3) + question + aRecord + aRecord + aRecord + opt + tsig()
        let location = try #require(try locate(message))
        #expect(location.offset == 12 + question.count + 3 * aRecord.count + opt.count)
        #expect(location.additionalCount == 3)
    }

    @Test func acceptsCompressedNamesFromPeers() throws {
        // The question is `xfr-key.hmac-sha256.` at 12; the owner points to it, the algorithm to
        // its second label at 20.
        let message =
            header(ar: 1) + wire("xfr-key.hmac-sha256.") + u16(6) + u16(1)
            + rawTSIG(
                owner: [0xC0, 0x0C],
                rdata: [0xC0, 0x14] + u16(0) + u32(5) + u16(300) + u16(2) + [9, 9] + u16(7) + u16(0) + u16(0))
        let record = try #require(try locate(message)).record
        #expect(record.keyName == "xfr-key.hmac-sha256.")
        #expect(record.algorithm == "hmac-sha256.")
        #expect(record.timeSigned == 5)
        #expect(record.mac == [9, 9])
        #expect(record.originalID == 7)
    }

    @Test func refusesATSIGRecordBeforeAnotherRecord() {
        let message = header(ar: 2) + question + tsig() + aRecord
        #expect(throws: TSIGRecord.PlacementError(offset: 12 + question.count)) { try locate(message) }
    }

    @Test func refusesTwoTSIGRecords() {
        let message = header(ar: 2) + question + tsig() + tsig()
        #expect(throws: TSIGRecord.PlacementError(offset: 12 + question.count)) { try locate(message) }
    }

    @Test func refusesATSIGRecordOutsideTheAdditionalSection() {
        #expect(throws: TSIGRecord.PlacementError(offset: 12 + question.count)) {
            try locate(header(an: 1) + question + tsig())
        }
        #expect(throws: TSIGRecord.PlacementError.self) { try locate(header(ns: 1) + question + tsig()) }
    }

    @Test func refusesAClassOtherThanANY() {
        let rdata = Array(tsig().dropFirst(wire("xfr-key.").count + 10))
        let message = header(ar: 1) + question + rawTSIG(owner: wire("xfr-key."), class: 1, rdata: rdata)
        #expect(throws: DNSWireError(.malformedRData, at: 0)) { try locate(message) }
    }

    @Test func refusesRDATAThatDoesNotAddUp() {
        let fixed = wire("hmac-sha256.") + u16(0) + u32(5) + u16(300)
        let tail = u16(7) + u16(0) + u16(0)
        // MAC size beyond RDLENGTH.
        let longMAC = header(ar: 1) + question + rawTSIG(owner: [0], rdata: fixed + u16(40) + [1, 2] + tail)
        #expect(throws: DNSWireError(.rdataLengthMismatch, at: 0)) { try locate(longMAC) }
        // Other data shorter than its length says, the record then ends the message.
        let shortOther =
            header(ar: 1) + question + rawTSIG(owner: [0], rdata: fixed + u16(0) + u16(7) + u16(0) + u16(6))
        #expect(throws: DNSWireError(.rdataLengthMismatch, at: 0)) { try locate(shortOther) }
        // RDLENGTH beyond the message.
        let beyond = header(ar: 1) + question + rawTSIG(owner: [0], rdlength: 200, rdata: fixed)
        #expect(throws: DNSWireError(.rdataBeyondMessage, at: 0)) { try locate(beyond) }
        // An algorithm name running past RDLENGTH.
        let longName = header(ar: 1) + question + rawTSIG(owner: [0], rdlength: 3, rdata: fixed + u16(0) + tail)
        #expect(throws: DNSWireError(.rdataLengthMismatch, at: 0)) { try locate(longName) }
    }

    @Test func refusesMalformedMessages() {
        #expect(throws: DNSWireError(.truncated, at: 0)) { try locate(Array(header().prefix(11))) }
        #expect(throws: DNSWireError(.countExceedsData, at: 0)) { try locate(header(ar: 2) + question + aRecord) }
        #expect(throws: DNSWireError(.trailingBytes, at: 0)) { try locate(header(ar: 1) + question + tsig() + [0]) }
        #expect(throws: DNSWireError(.forwardCompressionPointer, at: 0)) {
            try locate(header(ar: 1) + question + rawTSIG(owner: [0xC0, 0xFF], rdata: []))
        }
    }
}
