package import NIOCore

/// What an authoritative server needs from a query (RFC 1035 §4.1), read without copying:
/// the header, the one question, and the EDNS(0) fields of an OPT record if there is one.
///
/// Parsing validates every record the query carries, as ``DNSMessage/init(decoding:)-(ByteBuffer)``
/// would, but keeps none of them.
package struct DNSQuery: Sendable {
    package var header: DNSMessageHeaderFields
    /// The question name as the client wrote it (0x20 case kept), sharing the query's storage.
    package var name: DNSName
    package var type: DNSRecordType
    package var `class`: DNSClass
    package var edns: EDNSQueryFields?
    /// Whether the query carries a TSIG record (RFC 8945): it must be verified, and its answer
    /// signed, by a responder that holds the keys.
    package var isSigned = false

    /// The EDNS(0) fields a responder uses (RFC 6891 §6.1.3).
    package struct EDNSQueryFields: Sendable {
        package var udpPayloadSize: UInt16
        package var version: UInt8
        package var dnssecOK: Bool
    }

    /// Parses the whole query after a header already read from `buffer` (whose reader index
    /// stands after the header). The header must announce exactly one question.
    package init(header: DNSMessageHeaderFields, body buffer: ByteBuffer, messageStart: Int) throws {
        var buffer = buffer
        try self.init(header: header, question: &buffer, messageStart: messageStart)
        try readRecords(from: &buffer, messageStart: messageStart)
    }

    /// Reads only the question from `buffer`, leaving the reader index after it; ``edns``
    /// stays `nil` until ``readRecords(from:messageStart:)``.
    package init(header: DNSMessageHeaderFields, question buffer: inout ByteBuffer, messageStart: Int) throws {
        self.header = header
        guard buffer.readableBytes > 0 else {
            throw DNSWireError(.countExceedsData, at: buffer.readerIndex - messageStart)
        }
        self.name = try buffer.readDNSName(messageStart: messageStart)
        let (type, qclass) = try buffer.readDNSQuestionFields(messageStart: messageStart)
        self.type = DNSRecordType(rawValue: type)
        self.class = DNSClass(rawValue: qclass)
        self.edns = nil
    }

    /// Validates the answer, authority and additional sections that follow the question,
    /// keeping the OPT fields, and checks nothing trails them.
    package mutating func readRecords(from buffer: inout ByteBuffer, messageStart: Int) throws {
        var signed = false
        self.edns = try Self.readRecords(header: header, from: &buffer, messageStart: messageStart, signed: &signed)
        self.isSigned = signed
    }

    /// Reads the EDNS(0) fields of a message that cannot be answered as a query because it
    /// does not have exactly one question: its questions are skipped and every record is
    /// validated as ``readRecords(from:messageStart:)`` does, so a responder can still send
    /// the OPT record RFC 6891 §6.1.1 and §7 call for with its error.
    ///
    /// - Parameter buffer: the message after its header; read to the end.
    /// - Returns: the OPT record's fields, or `nil` when the message has none.
    /// - Throws: ``DNSWireError`` when any question or record is malformed, or octets trail.
    package static func readEDNS(
        header: DNSMessageHeaderFields, after buffer: inout ByteBuffer, messageStart: Int
    ) throws -> EDNSQueryFields? {
        // Each question takes at least 5 octets, so a large QDCOUNT runs out of data quickly.
        for _ in 0..<header.questionCount {
            guard buffer.readableBytes > 0 else {
                throw DNSWireError(.countExceedsData, at: buffer.readerIndex - messageStart)
            }
            try buffer.skipDNSName(messageStart: messageStart)
            _ = try buffer.readDNSQuestionFields(messageStart: messageStart)
        }
        var signed = false
        return try readRecords(header: header, from: &buffer, messageStart: messageStart, signed: &signed)
    }

    /// Validates the three record sections and checks nothing trails them.
    private static func readRecords(
        header: DNSMessageHeaderFields, from buffer: inout ByteBuffer, messageStart: Int, signed: inout Bool
    ) throws -> EDNSQueryFields? {
        var edns: EDNSQueryFields? = nil
        try buffer.skimDNSRecords(
            count: header.answerCount, section: .answer, messageStart: messageStart, edns: &edns, signed: &signed)
        try buffer.skimDNSRecords(
            count: header.authorityCount, section: .authority, messageStart: messageStart, edns: &edns,
            signed: &signed)
        try buffer.skimDNSRecords(
            count: header.additionalCount, section: .additional, messageStart: messageStart, edns: &edns,
            signed: &signed)
        guard buffer.readableBytes == 0 else {
            throw DNSWireError(.trailingBytes, at: buffer.readerIndex - messageStart)
        }
        return edns
    }
}

extension ByteBuffer {
    /// Validates `count` records of `section` and moves past them, keeping only the OPT fields.
    mutating func skimDNSRecords(
        count: UInt16, section: DNSMessageSection, messageStart: Int, edns: inout DNSQuery.EDNSQueryFields?,
        signed: inout Bool
    ) throws {
        for _ in 0..<count {
            guard readableBytes > 0 else { throw DNSWireError(.countExceedsData, at: readerIndex - messageStart) }
            let recordStart = readerIndex
            let (_, ownerLength, _) = try scanDNSName(at: readerIndex, messageStart: messageStart)
            try skipDNSName(messageStart: messageStart)
            let fields = try readDNSRecordFields(messageStart: messageStart)
            if fields.type == .opt {
                try DNSMessage.checkOPTPlacement(
                    section: section, ownerIsRoot: ownerLength == 1, alreadySeen: edns != nil,
                    at: recordStart - messageStart)
                try forEachEDNSOption(length: Int(fields.rdlength), messageStart: messageStart) { _, _ in }
                edns = DNSQuery.EDNSQueryFields(
                    udpPayloadSize: fields.class.rawValue, version: UInt8(truncatingIfNeeded: fields.ttl >> 16),
                    dnssecOK: fields.ttl & 0x8000 != 0)
            } else {
                if fields.type == .tsig { signed = true }
                // Queries rarely carry records; check their RDATA as the full decoder does.
                _ = try DNSRData.read(
                    type: fields.type, from: &self, length: Int(fields.rdlength), messageStart: messageStart)
            }
        }
    }
}
