package import NIOCore

/// A TSIG resource record (RFC 8945 §4.2): the transaction signature a message carries as the
/// last record of its additional section.
///
/// A meta-record, never stored in a zone: it is not a case of ``DNSRData``. Read it with
/// ``locate(in:)``, which also checks where it sits, and write it with
/// `ByteBuffer.writeTSIGRecord(_:)`.
public struct TSIGRecord: Hashable, Sendable {
    /// The owner name: the name of the key (RFC 8945 §4.2).
    public var keyName: DNSName
    /// The MAC algorithm, in domain-name syntax such as `hmac-sha256.` (RFC 8945 §6).
    public var algorithm: DNSName
    /// Seconds since 1 January 1970 UTC at signing; 48 bits on the wire (RFC 8945 §4.2).
    public var timeSigned: UInt64
    /// Seconds of error permitted in ``timeSigned`` (RFC 8945 §4.2, §5.2.3).
    public var fudge: UInt16
    /// The message authentication code; empty in an unsigned error response (RFC 8945 §5.3.2).
    public var mac: [UInt8]
    /// The message ID when the message was signed (RFC 8945 §4.2).
    public var originalID: UInt16
    /// The TSIG error code (RFC 8945 §4.2, §5.2): 0, or BADSIG, BADKEY, BADTIME, BADTRUNC.
    public var error: UInt16
    /// Other data: empty, or the server's time in a BADTIME response (RFC 8945 §5.2.3).
    public var otherData: [UInt8]

    /// The largest value ``timeSigned`` can carry on the wire.
    public static let maximumTimeSigned: UInt64 = 0xFFFF_FFFF_FFFF

    public init(
        keyName: DNSName, algorithm: DNSName, timeSigned: UInt64, fudge: UInt16, mac: [UInt8], originalID: UInt16,
        error: UInt16 = 0, otherData: [UInt8] = []
    ) {
        self.keyName = keyName
        self.algorithm = algorithm
        self.timeSigned = timeSigned
        self.fudge = fudge
        self.mac = mac
        self.originalID = originalID
        self.error = error
        self.otherData = otherData
    }

    /// The server's time a BADTIME response carries in its other data: six octets, a 48-bit
    /// count of seconds (RFC 8945 §5.2.3). `nil` when the other data is not six octets long.
    public var serverTime: UInt64? {
        guard otherData.count == 6 else { return nil }
        return otherData.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The octets the TSIG RR takes in a message when written by `writeTSIGRecord(_:)`.
    public var wireLength: Int {
        keyName.wireLength + 10 + algorithm.wireLength + 16 + mac.count + otherData.count
    }
}

extension TSIGRecord {
    /// A TSIG record somewhere other than last in the additional section, or more than one:
    /// the message is answered FORMERR (RFC 8945 §5.1, §5.2).
    public struct PlacementError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The offset of the misplaced TSIG record from the start of the message.
        public var offset: Int

        public init(offset: Int) {
            self.offset = offset
        }

        public var description: String {
            "TSIG record at offset \(offset) is not the last record of the additional section"
        }
    }

    /// A TSIG record found at the end of a message, where RFC 8945 §5.1 puts it.
    package struct Location: Sendable {
        /// The record.
        package var record: TSIGRecord
        /// Where the TSIG RR starts, counted from the message's first octet (its reader index).
        package var offset: Int
        /// ARCOUNT as the header has it, the TSIG record included.
        package var additionalCount: UInt16
    }

    /// Finds the TSIG record of the message at `message`'s reader index.
    ///
    /// Walks every record of the message with DNSWire's bounded readers (names, counts and
    /// RDLENGTHs checked as when decoding a ``DNSMessage``), without decoding RDATA other than
    /// the TSIG record's.
    ///
    /// - Returns: the record and where it starts, or `nil` when the message has none.
    /// - Throws: ``PlacementError`` for a TSIG record that is not the last record of the
    ///   additional section, or not the only one (RFC 8945 §5.1); ``DNSWireError`` for a
    ///   malformed message or TSIG record, or one whose CLASS is not ANY (RFC 8945 §4.2).
    ///   Either is answered FORMERR (RFC 8945 §5.2).
    package static func locate(in message: ByteBuffer) throws -> Location? {
        var buffer = message
        let start = buffer.readerIndex
        let header = try DNSMessageHeaderFields(reading: &buffer, messageStart: start)
        for _ in 0..<header.questionCount {
            guard buffer.readableBytes > 0 else {
                throw DNSWireError(.countExceedsData, at: buffer.readerIndex - start)
            }
            try buffer.skipDNSName(messageStart: start)
            _ = try buffer.readDNSQuestionFields(messageStart: start)
        }
        let recordCount = Int(header.answerCount) + Int(header.authorityCount) + Int(header.additionalCount)
        var found: Location? = nil
        for index in 0..<recordCount {
            guard buffer.readableBytes > 0 else {
                throw DNSWireError(.countExceedsData, at: buffer.readerIndex - start)
            }
            let recordStart = buffer.readerIndex
            try buffer.skipDNSName(messageStart: start)
            let fields = try buffer.readDNSRecordFields(messageStart: start)
            guard fields.type == .tsig else {
                buffer.moveReaderIndex(forwardBy: Int(fields.rdlength))
                continue
            }
            guard index == recordCount - 1, header.additionalCount > 0 else {
                throw PlacementError(offset: recordStart - start)
            }
            buffer.moveReaderIndex(to: recordStart)
            let record = try TSIGRecord(readingRecordFrom: &buffer, messageStart: start)
            found = Location(record: record, offset: recordStart - start, additionalCount: header.additionalCount)
        }
        guard buffer.readableBytes == 0 else { throw DNSWireError(.trailingBytes, at: buffer.readerIndex - start) }
        return found
    }

    /// Reads a whole TSIG RR at the reader index: owner name, TYPE, CLASS, TTL, RDLENGTH and
    /// RDATA. Names may be compressed, pointing anywhere earlier in the message.
    ///
    /// - Throws: ``DNSWireError`` for a malformed record, another TYPE, or a CLASS other than ANY.
    package init(readingRecordFrom buffer: inout ByteBuffer, messageStart: Int) throws {
        let recordStart = buffer.readerIndex
        let keyName = try buffer.readDNSName(messageStart: messageStart)
        let fields = try buffer.readDNSRecordFields(messageStart: messageStart)
        guard fields.type == .tsig, fields.class == .any else {
            throw DNSWireError(.malformedRData, at: recordStart - messageStart)
        }
        try self.init(readingRData: &buffer, keyName: keyName, length: Int(fields.rdlength), messageStart: messageStart)
    }

    /// Reads TSIG RDATA occupying exactly `length` octets at the reader index (RFC 8945 §4.2).
    package init(readingRData buffer: inout ByteBuffer, keyName: DNSName, length: Int, messageStart: Int) throws {
        let start = buffer.readerIndex
        guard length <= buffer.readableBytes else {
            throw DNSWireError(.rdataBeyondMessage, at: start - messageStart)
        }
        let algorithm = try buffer.readDNSName(messageStart: messageStart)
        guard buffer.readerIndex <= start + length else {
            throw DNSWireError(.rdataLengthMismatch, at: start - messageStart)
        }
        var rdata = buffer.readSlice(length: start + length - buffer.readerIndex)!
        guard
            let (timeHigh, timeLow, fudge, macSize) = rdata.readMultipleIntegers(
                as: (UInt16, UInt32, UInt16, UInt16).self)
        else { throw DNSWireError(.rdataLengthMismatch, at: start - messageStart) }
        guard let mac = rdata.readBytes(length: Int(macSize)),
            let (originalID, error, otherLength) = rdata.readMultipleIntegers(as: (UInt16, UInt16, UInt16).self),
            let otherData = rdata.readBytes(length: Int(otherLength)), rdata.readableBytes == 0
        else { throw DNSWireError(.rdataLengthMismatch, at: start - messageStart) }
        self.init(
            keyName: keyName, algorithm: algorithm, timeSigned: UInt64(timeHigh) << 32 | UInt64(timeLow),
            fudge: fudge, mac: mac, originalID: originalID, error: error, otherData: otherData)
    }
}

extension ByteBuffer {
    /// Writes `record` as a whole RR with names uncompressed (RFC 8945 §4.2): owner, TYPE TSIG,
    /// CLASS ANY, TTL 0, RDLENGTH and RDATA. ``TSIGRecord/timeSigned`` is cut to its low 48 bits.
    ///
    /// - Returns: the number of octets written.
    @discardableResult
    package mutating func writeTSIGRecord(_ record: TSIGRecord) -> Int {
        let start = writerIndex
        writeDNSName(record.keyName)
        writeDNSRecordFields(type: DNSRecordType.tsig.rawValue, class: DNSClass.any.rawValue, ttl: 0, rdataLength: 0)
        let rdataStart = writerIndex
        writeDNSName(record.algorithm)
        let time = record.timeSigned & TSIGRecord.maximumTimeSigned
        writeMultipleIntegers(
            UInt16(truncatingIfNeeded: time >> 32), UInt32(truncatingIfNeeded: time), record.fudge,
            UInt16(truncatingIfNeeded: record.mac.count))
        writeBytes(record.mac)
        writeMultipleIntegers(record.originalID, record.error, UInt16(truncatingIfNeeded: record.otherData.count))
        writeBytes(record.otherData)
        setInteger(UInt16(truncatingIfNeeded: writerIndex - rdataStart), at: rdataStart - 2)
        return writerIndex - start
    }
}
