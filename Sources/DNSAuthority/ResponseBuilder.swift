import DNSWire
import NIOCore

/// Writes one response: the header, the echoed question, then RRsets section by section.
///
/// An RRset that would push the message past its size limit is rolled back whole. When a
/// required one (answer, authority, referral glue) does not fit, every section is emptied
/// and TC is set, as Knot and NSD do; the client retries over TCP (RFC 2181 §9; RFC 9471
/// §3 for glue). Additional data that does not fit is left out without TC. Space for the
/// OPT record is reserved from the start.
struct ResponseBuilder {
    enum Section { case answer, authority, additional }

    private(set) var buffer: ByteBuffer
    private let messageStart: Int
    private var compressor: DNSNameCompressor
    /// The last octet index (exclusive) RRsets may reach.
    private let recordLimit: Int
    private var answerCount: UInt16 = 0
    private var authorityCount: UInt16 = 0
    private var additionalCount: UInt16 = 0
    /// Where the question ends: a truncated response is cut back to here.
    private var questionEnd: Int
    /// The question's name, written in full right after the header.
    private var questionName: DNSName? = nil
    /// Set once optional additional data did not fit; later additional data is not tried.
    private var additionalClosed = false
    /// Set when a required RRset did not fit.
    private(set) var truncated = false

    /// Starts a response in `buffer` at its writer index.
    ///
    /// - Parameters:
    ///   - limit: the most octets the whole message may take.
    ///   - reservingOPT: whether an OPT record will be appended by ``finish``.
    init(buffer: consuming ByteBuffer, limit: Int, reservingOPT: Bool) {
        // Moved, not copied: a second reference would make the first write copy the storage.
        let start = buffer.writerIndex
        self.buffer = consume buffer
        self.messageStart = start
        self.compressor = DNSNameCompressor(messageStart: start)
        self.recordLimit = start + limit - (reservingOPT ? Self.optLength : 0)
        self.buffer.writeRepeatingByte(0, count: DNSMessage.headerLength)
        self.questionEnd = self.buffer.writerIndex
    }

    /// The size of the OPT record Cairn sends: root owner, fixed fields, no options.
    static let optLength = 11

    /// Echoes the question (RFC 1035 §4.1.2) exactly as the client wrote the name.
    mutating func writeQuestion(name: DNSName, type: DNSRecordType, class: DNSClass) {
        compressor.write(name, into: &buffer, compress: false)
        buffer.writeDNSQuestionFields(type: type.rawValue, class: `class`.rawValue)
        questionEnd = buffer.writerIndex
        questionName = name
    }

    /// Writes a record's owner and fixed fields, RDLENGTH 0 for the caller to fill in. Where the
    /// owner is the question's name itself (the usual owner of an answer), it is a pointer to the
    /// question, found without searching the names written and written with the fields.
    private mutating func writeRecordStart(
        owner: DNSName, type: DNSRecordType, ttl: UInt32, compressor: inout DNSNameCompressor
    ) {
        if let questionName, owner.sharesWire(with: questionName) {
            buffer.writeDNSRecordFields(
                ownerPointer: UInt16(DNSMessage.headerLength), type: type.rawValue, class: DNSClass.internet.rawValue,
                ttl: ttl, rdataLength: 0)
        } else {
            compressor.write(owner, into: &buffer)
            buffer.writeDNSRecordFields(
                type: type.rawValue, class: DNSClass.internet.rawValue, ttl: ttl, rdataLength: 0)
        }
    }

    /// Whether nothing more can be added because a required RRset was dropped.
    var isFull: Bool { truncated }

    /// Appends an RRset. If it does not fit, rolls it back and, when `required`, sets TC.
    ///
    /// - Returns: whether the RRset was added.
    @discardableResult
    mutating func add(
        _ section: Section, owner: DNSName, type: DNSRecordType, ttl: UInt32, rdata: [DNSRData],
        required: Bool = true
    ) -> Bool {
        guard !truncated, required || !additionalClosed else { return false }
        let mark = buffer.writerIndex
        var compressor: DNSNameCompressor? = self.compressor
        for value in rdata {
            writeRecordStart(owner: owner, type: type, ttl: ttl, compressor: &compressor!)
            let rdataStart = buffer.writerIndex
            value.write(to: &buffer, compressor: &compressor)
            buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - rdataStart), at: rdataStart - 2)
            // Past the limit the RRset cannot fit: stop writing what commit will discard.
            if buffer.writerIndex > recordLimit { break }
        }
        return commit(section, count: rdata.count, mark: mark, compressor: compressor!, required: required)
    }

    /// Appends TXT records for the first `limit` challenge values live at `now`, with the
    /// smallest TTL of all live values: the TTL of the RRset they belong to (RFC 2181 §5.2).
    ///
    /// - Returns: how many values were written (0 when none is live or they did not fit).
    mutating func addChallengeValues(
        owner: DNSName, values: ChallengeValues, now: UnixTime, maximumTTL: UInt32, limit: Int = .max
    ) -> Int {
        guard !truncated else { return 0 }
        var ttl = maximumTTL
        var live = 0
        for value in values.packed where value.expires > now {
            ttl = min(ttl, value.ttl)
            live += 1
        }
        let count = min(live, limit)
        guard count > 0 else { return 0 }
        let mark = buffer.writerIndex
        var compressor: DNSNameCompressor? = self.compressor
        var overflowed = false
        var written = 0
        let bytes = values.bytes
        for value in values.packed where value.expires > now {
            guard written < count else { break }
            written += 1
            // A record takes at least 1 octet of owner (a pointer takes 2), 10 fixed octets and its
            // character-strings; when even that passes the limit, the RRset cannot fit (and
            // the buffer is not grown for octets that commit would discard).
            let text = value.text
            let smallest = 11 + text.count + max(1, (text.count + 254) / 255)
            if buffer.writerIndex + smallest > recordLimit {
                overflowed = true
                break
            }
            writeRecordStart(owner: owner, type: .txt, ttl: ttl, compressor: &compressor!)
            let rdataStart = buffer.writerIndex
            var start = text.lowerBound
            repeat {
                let end = min(start + 255, text.upperBound)
                buffer.writeDNSCharacterString(bytes, range: start..<end)
                start = end
            } while start < text.upperBound
            buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - rdataStart), at: rdataStart - 2)
            if buffer.writerIndex > recordLimit { break }
        }
        return commit(
            .answer, count: count, mark: mark, compressor: compressor!, required: true, overflowed: overflowed)
            ? count : 0
    }

    private mutating func commit(
        _ section: Section, count: Int, mark: Int, compressor: DNSNameCompressor, required: Bool,
        overflowed: Bool = false
    ) -> Bool {
        guard !overflowed, buffer.writerIndex <= recordLimit else {
            if required {
                buffer.moveWriterIndex(to: questionEnd)
                self.compressor.discardEntries(from: questionEnd)
                answerCount = 0
                authorityCount = 0
                additionalCount = 0
                truncated = true
            } else {
                buffer.moveWriterIndex(to: mark)
                additionalClosed = true
            }
            return false
        }
        self.compressor = compressor
        switch section {
        case .answer: answerCount &+= UInt16(truncatingIfNeeded: count)
        case .authority: authorityCount &+= UInt16(truncatingIfNeeded: count)
        case .additional: additionalCount &+= UInt16(truncatingIfNeeded: count)
        }
        return true
    }

    /// Fills in the header and appends the OPT record; returns the finished message.
    ///
    /// - Parameters:
    ///   - queryFlags: the query's flags word; OPCODE and RD are copied (RFC 1035 §4.1.1),
    ///     CD is not (RFC 4035 §3.1.6, as Knot and NSD do).
    ///   - edns: the OPT record to append, or `nil` when the query had none (RFC 6891 §7).
    mutating func finish(
        id: UInt16, queryFlags: UInt16, responseCode: DNSResponseCode, authoritative: Bool,
        questionCount: UInt16, edns: EDNS?
    ) -> ByteBuffer {
        var flags: UInt16 = 0x8000 | (queryFlags & 0x7800) | (queryFlags & 0x0100)
        if authoritative { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        flags |= UInt16(responseCode.headerBits)
        var additional = additionalCount
        if var edns {
            edns.extendedResponseCodeBits = responseCode.extendedBits
            buffer.writeOPTRecord(edns)
            additional &+= 1
        }
        buffer.setDNSHeaderFields(
            id: id, flags: flags, questionCount: questionCount, answerCount: answerCount,
            authorityCount: authorityCount, additionalCount: additional, at: messageStart)
        return buffer
    }
}
