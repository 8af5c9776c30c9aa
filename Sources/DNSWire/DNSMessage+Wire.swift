public import NIOCore

extension DNSMessage {
    /// The header's size on the wire (RFC 1035 §4.1.1).
    public static let headerLength = 12

    /// Decodes a whole message, checking every limit of RFC 1035 §4.1 and RFC 6891 §6.1.1.
    ///
    /// - Throws: ``DNSWireError`` with the malformation and its offset; never traps on input.
    public init(decoding buffer: ByteBuffer) throws {
        var buffer = buffer
        let start = buffer.readerIndex
        let header = try DNSMessageHeaderFields(reading: &buffer, messageStart: start)
        self.init(header: DNSHeader(id: header.id, flags: header.flags))
        questions.reserveCapacity(min(Int(header.questionCount), 16))
        for _ in 0..<header.questionCount {
            guard buffer.readableBytes > 0 else {
                throw DNSWireError(.countExceedsData, at: buffer.readerIndex - start)
            }
            let name = try buffer.readDNSName(messageStart: start)
            let (type, qclass): (UInt16, UInt16) = try buffer.readDNSQuestionFields(messageStart: start)
            questions.append(
                DNSQuestion(name: name, type: DNSRecordType(rawValue: type), class: DNSClass(rawValue: qclass)))
        }
        let sections: [(DNSMessageSection, UInt16)] = [
            (.answer, header.answerCount), (.authority, header.authorityCount), (.additional, header.additionalCount),
        ]
        for (section, count) in sections {
            for _ in 0..<count {
                guard buffer.readableBytes > 0 else {
                    throw DNSWireError(.countExceedsData, at: buffer.readerIndex - start)
                }
                let recordStart = buffer.readerIndex
                let name = try buffer.readDNSName(messageStart: start)
                let fields = try buffer.readDNSRecordFields(messageStart: start)
                if fields.type == .opt {
                    try DNSMessage.checkOPTPlacement(
                        section: section, ownerIsRoot: name.isRoot, alreadySeen: edns != nil,
                        at: recordStart - start)
                    let options = try buffer.readEDNSOptions(length: Int(fields.rdlength), messageStart: start)
                    edns = EDNS(udpPayloadSize: fields.class.rawValue, ttlField: fields.ttl, options: options)
                    continue
                }
                let rdata = try DNSRData.read(
                    type: fields.type, from: &buffer, length: Int(fields.rdlength), messageStart: start)
                let record = DNSRecord(name: name, class: fields.class, ttl: fields.ttl, rdata: rdata)
                switch section {
                case .answer: answers.append(record)
                case .authority: authority.append(record)
                case .additional: additional.append(record)
                }
            }
        }
        guard buffer.readableBytes == 0 else { throw DNSWireError(.trailingBytes, at: buffer.readerIndex - start) }
    }

    /// Decodes a whole message from octets.
    public init(decoding bytes: some Collection<UInt8>) throws {
        try self.init(decoding: ByteBuffer(bytes: bytes))
    }

    /// The message in wire form, names compressed (RFC 1035 §4.1.4) unless `compress` is false.
    public func encoded(compress: Bool = true) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        try buffer.writeDNSMessage(self, compress: compress)
        return buffer
    }

    /// Rejects an OPT record anywhere but once, at the root, in the additional section (RFC 6891 §6.1.1).
    package static func checkOPTPlacement(
        section: DNSMessageSection, ownerIsRoot: Bool, alreadySeen: Bool, at offset: Int
    ) throws {
        guard section == .additional else { throw DNSWireError(.optOutsideAdditional, at: offset) }
        guard !alreadySeen else { throw DNSWireError(.duplicateOPT, at: offset) }
        guard ownerIsRoot else { throw DNSWireError(.optOwnerNotRoot, at: offset) }
    }
}

/// The three record sections of a message (RFC 1035 §4.1).
package enum DNSMessageSection: Sendable {
    case answer, authority, additional
}

/// The header as it sits on the wire, counts included.
package struct DNSMessageHeaderFields: Sendable {
    package var id: UInt16
    package var flags: UInt16
    package var questionCount: UInt16
    package var answerCount: UInt16
    package var authorityCount: UInt16
    package var additionalCount: UInt16

    package init(reading buffer: inout ByteBuffer, messageStart: Int) throws {
        guard
            let (id, flags, qd, an, ns, ar) = buffer.readMultipleIntegers(
                as: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16).self)
        else { throw DNSWireError(.truncated, at: buffer.readerIndex - messageStart) }
        self.id = id
        self.flags = flags
        self.questionCount = qd
        self.answerCount = an
        self.authorityCount = ns
        self.additionalCount = ar
    }
}

/// TYPE, CLASS, TTL and RDLENGTH of a record (RFC 1035 §4.1.3).
package struct DNSRecordFields: Sendable {
    package var type: DNSRecordType
    package var `class`: DNSClass
    package var ttl: UInt32
    package var rdlength: UInt16
}

extension ByteBuffer {
    /// Reads QTYPE and QCLASS.
    @inline(__always)
    package mutating func readDNSQuestionFields(messageStart: Int) throws -> (UInt16, UInt16) {
        guard let fields = readMultipleIntegers(as: (UInt16, UInt16).self) else {
            throw DNSWireError(.truncated, at: readerIndex - messageStart)
        }
        return fields
    }

    /// Reads TYPE, CLASS, TTL and RDLENGTH, and checks RDLENGTH stays inside the message.
    @inline(__always)
    package mutating func readDNSRecordFields(messageStart: Int) throws -> DNSRecordFields {
        guard let (type, rclass, ttl, rdlength) = readMultipleIntegers(as: (UInt16, UInt16, UInt32, UInt16).self)
        else { throw DNSWireError(.truncated, at: readerIndex - messageStart) }
        guard Int(rdlength) <= readableBytes else {
            throw DNSWireError(.rdataBeyondMessage, at: readerIndex - 2 - messageStart)
        }
        return DNSRecordFields(
            type: DNSRecordType(rawValue: type), class: DNSClass(rawValue: rclass), ttl: ttl, rdlength: rdlength)
    }

    /// Reads the options of OPT RDATA (RFC 6891 §6.1.2), which must fill `length` exactly.
    package mutating func readEDNSOptions(length: Int, messageStart: Int) throws -> [EDNS.Option] {
        var options: [EDNS.Option] = []
        try forEachEDNSOption(length: length, messageStart: messageStart) { code, data in
            options.append(EDNS.Option(code: code, data: Array(data.readableBytesView)))
        }
        return options
    }

    /// Visits the options of OPT RDATA without copying them, checking they fill `length` exactly.
    package mutating func forEachEDNSOption(
        length: Int, messageStart: Int, _ body: (EDNSOptionCode, ByteBuffer) throws -> Void
    ) throws {
        let end = readerIndex + length
        while readerIndex < end {
            guard readerIndex + 4 <= end, let (code, optionLength) = readMultipleIntegers(as: (UInt16, UInt16).self)
            else { throw DNSWireError(.rdataLengthMismatch, at: readerIndex - messageStart) }
            guard readerIndex + Int(optionLength) <= end, let data = readSlice(length: Int(optionLength)) else {
                throw DNSWireError(.rdataLengthMismatch, at: readerIndex - messageStart)
            }
            try body(EDNSOptionCode(rawValue: code), data)
        }
    }

    /// Writes `message`, compressing names unless `compress` is false.
    ///
    /// - Throws: ``DNSWireError/Code/messageTooLarge`` beyond 65535 octets.
    package mutating func writeDNSMessage(_ message: DNSMessage, compress: Bool = true) throws {
        let start = writerIndex
        var compressor: DNSNameCompressor? = compress ? DNSNameCompressor(messageStart: start) : nil
        guard message.questions.count <= 0xFFFF, message.answers.count <= 0xFFFF,
            message.authority.count <= 0xFFFF, message.additional.count < 0xFFFF
        else { throw DNSWireError(.messageTooLarge, at: 0) }
        writeDNSHeaderFields(
            id: message.header.id, flags: message.header.flags, questionCount: UInt16(message.questions.count),
            answerCount: UInt16(message.answers.count), authorityCount: UInt16(message.authority.count),
            additionalCount: UInt16(message.additional.count + (message.edns == nil ? 0 : 1)))
        for question in message.questions {
            writeRDataName(question.name, compressor: &compressor, compressible: true)
            writeDNSQuestionFields(type: question.type.rawValue, class: question.class.rawValue)
        }
        for record in message.answers { writeDNSRecord(record, compressor: &compressor) }
        for record in message.authority { writeDNSRecord(record, compressor: &compressor) }
        for record in message.additional { writeDNSRecord(record, compressor: &compressor) }
        if let edns = message.edns { writeOPTRecord(edns) }
        guard writerIndex - start <= 0xFFFF else { throw DNSWireError(.messageTooLarge, at: 0xFFFF) }
    }

    /// Writes one record, back-patching RDLENGTH.
    package mutating func writeDNSRecord(_ record: DNSRecord, compressor: inout DNSNameCompressor?) {
        writeRDataName(record.name, compressor: &compressor, compressible: true)
        writeDNSRecordFields(type: record.type.rawValue, class: record.class.rawValue, ttl: record.ttl, rdataLength: 0)
        let rdataStart = writerIndex
        record.rdata.write(to: &self, compressor: &compressor)
        setInteger(UInt16(truncatingIfNeeded: writerIndex - rdataStart), at: rdataStart - 2)
    }

    /// Writes the OPT pseudo-record for `edns` (RFC 6891 §6.1.2).
    package mutating func writeOPTRecord(_ edns: EDNS) {
        let optionsLength = edns.options.reduce(0) { $0 + 4 + $1.data.count }
        // The root owner, then CLASS is the UDP payload size and TTL the extended fields. Too long
        // an RDATA: writeDNSMessage throws messageTooLarge.
        writeInteger(UInt8(0))
        writeDNSRecordFields(
            type: DNSRecordType.opt.rawValue, class: edns.udpPayloadSize, ttl: edns.ttlField,
            rdataLength: UInt16(truncatingIfNeeded: optionsLength))
        for option in edns.options {
            writeMultipleIntegers(option.code.rawValue, UInt16(truncatingIfNeeded: option.data.count))
            writeBytes(option.data)
        }
    }
}
