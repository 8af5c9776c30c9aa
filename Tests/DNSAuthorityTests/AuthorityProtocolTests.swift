import DNSAuthority
import DNSWire
import NIOCore
import Testing

/// Header, EDNS(0) and malformed-query rules: RFC 1035 §4.1.1, RFC 6891, RFC 8906.
@Suite struct AuthorityProtocolTests {
    let client: Client

    init() throws {
        client = Client(authority: try Authority(zones: [try TestZones.example()]))
    }

    /// A query in wire form: header, one question, optional OPT.
    static func wire(
        id: UInt16 = 0xBEEF, flags: UInt16 = 0x0100, name: [UInt8], type: UInt16 = 16, qclass: UInt16 = 1,
        opt: [UInt8]? = nil, questionCount: UInt16 = 1, trailing: [UInt8] = []
    ) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF)]
        bytes += [0, UInt8(questionCount), 0, 0, 0, 0, 0, opt == nil ? 0 : 1]
        bytes += name + [UInt8(type >> 8), UInt8(type & 0xFF), UInt8(qclass >> 8), UInt8(qclass & 0xFF)]
        if let opt { bytes += opt }
        return bytes + trailing
    }

    static func opt(size: UInt16 = 1232, version: UInt8 = 0, dnssecOK: Bool = false, options: [UInt8] = []) -> [UInt8] {
        [
            0, 0, 41, UInt8(size >> 8), UInt8(size & 0xFF), 0, version, dnssecOK ? 0x80 : 0, 0,
            UInt8(options.count >> 8), UInt8(options.count & 0xFF),
        ] + options
    }

    static let mixedCaseName: [UInt8] =
        [3] + Array("TxT".utf8) + [7] + Array("ExAmPlE".utf8) + [4] + Array("tEsT".utf8) + [0]

    @Test func questionIsEchoedByteForByteWith0x20Case() throws {
        let query = Self.wire(name: Self.mixedCaseName, opt: Self.opt())
        let response = try #require(client.send(query))
        let echoed = response.getBytes(at: 12, length: Self.mixedCaseName.count + 4)
        #expect(echoed == Array(query[12..<(12 + Self.mixedCaseName.count + 4)]))
        let decoded = try DNSMessage(decoding: response)
        #expect(decoded.header.id == 0xBEEF)
        // Owners compress to the question, so they come back in the client's case.
        #expect(decoded.answers.allSatisfy { $0.name.description == "TxT.ExAmPlE.tEsT." })
    }

    @Test func responsesToResponsesAndShortPacketsAreDropped() {
        #expect(client.send(Self.wire(flags: 0x8000, name: Self.mixedCaseName)) == nil)
        #expect(client.send(Array(Self.wire(name: Self.mixedCaseName).prefix(11))) == nil)
        #expect(client.send([]) == nil)
    }

    @Test(arguments: [0, 2] as [UInt16])
    func questionCountOtherThanOneIsFormerrWithoutQuestion(count: UInt16) throws {
        let response = try #require(client.send(Self.wire(name: Self.mixedCaseName, questionCount: count)))
        let decoded = try DNSMessage(decoding: response)
        #expect(decoded.responseCode == .formatError)
        #expect(decoded.questions.isEmpty)
        #expect(decoded.header.recursionDesired)
        #expect(!decoded.header.isAuthoritative)
    }

    @Test(arguments: [0, 2] as [UInt16])
    func otherOpcodeWithoutOneQuestionIsNotImplemented(count: UInt16) throws {
        // A NOTIFY (opcode 4) with no question: its format is not QUERY's, so not FORMERR.
        let query = Self.wire(flags: 4 << 11, name: Self.mixedCaseName, questionCount: count)
        let decoded = try DNSMessage(decoding: try #require(client.send(query)))
        #expect(decoded.responseCode == .notImplemented)
        #expect(decoded.header.opcode == DNSOpcode(rawValue: 4))
        #expect(decoded.questions.isEmpty)
    }

    /// A header with `questionCount` copies of the mixed-case question, then `additional`.
    static func questionless(
        flags: UInt16 = 0x0100, questionCount: UInt16, additionalCount: UInt16 = 1, additional: [UInt8]
    ) -> [UInt8] {
        let question = mixedCaseName + [0, 16, 0, 1]
        return [0xBE, 0xEF, UInt8(flags >> 8), UInt8(flags & 0xFF), 0, UInt8(questionCount), 0, 0, 0, 0]
            + [UInt8(additionalCount >> 8), UInt8(additionalCount & 0xFF)]
            + Array(repeating: question, count: Int(questionCount)).flatMap { $0 } + additional
    }

    @Test(arguments: [0, 2] as [UInt16])
    func questionCountOtherThanOneWithOPTIsFormerrWithOPT(count: UInt16) throws {
        // RFC 6891 §6.1.1 and §7: the query had an OPT, so the FORMERR has one (Knot agrees).
        let query = Self.questionless(questionCount: count, additional: Self.opt(size: 4096, dnssecOK: true))
        let response = try DNSMessage(decoding: try #require(client.send(query)))
        #expect(response.responseCode == .formatError)
        #expect(response.questions.isEmpty)
        #expect(response.header.recursionDesired)
        #expect(!response.header.isAuthoritative)
        let edns = try #require(response.edns)
        #expect(edns.udpPayloadSize == 1232)
        #expect(edns.version == 0)
        #expect(edns.dnssecOK)
        #expect(edns.options.isEmpty)
    }

    @Test func questionlessQueryWithOtherEDNSVersionIsBadVersion() throws {
        // RFC 6891 §6.1.3, as Knot answers it: BADVERS, OPT version 0.
        let query = Self.questionless(questionCount: 0, additional: Self.opt(version: 1))
        let response = try DNSMessage(decoding: try #require(client.send(query)))
        #expect(response.responseCode == .badVersion)
        #expect(response.edns?.version == 0)
        #expect(response.questions.isEmpty)
    }

    @Test func questionlessOtherOpcodeWithOPTIsNotImplementedWithOPT() throws {
        let query = Self.questionless(flags: 2 << 11 | 0x0100, questionCount: 0, additional: Self.opt())
        let response = try DNSMessage(decoding: try #require(client.send(query)))
        #expect(response.responseCode == .notImplemented)
        #expect(response.edns?.udpPayloadSize == 1232)
    }

    @Test func questionlessQueryWithUnreadableRecordsIsBareFormerr() throws {
        // The OPT cannot be trusted when the sections around it do not parse: header only.
        let cases: [[UInt8]] = [
            Self.questionless(questionCount: 0, additional: Self.opt() + [0]),  // trailing octet
            Self.questionless(questionCount: 0, additionalCount: 2, additional: Self.opt() + Self.opt()),
            Self.questionless(questionCount: 0, additionalCount: 2, additional: Self.opt()),  // count too high
            // The second question one octet short.
            Self.questionless(questionCount: 2, additional: Self.opt()).dropLast(Self.opt().count + 1) + Self.opt(),
        ]
        for query in cases {
            let response = try #require(client.send(query))
            #expect(response.readableBytes == 12)
            #expect(try DNSMessage(decoding: response).responseCode == .formatError)
        }
    }

    @Test func unreadableQuestionIsBareFormerr() throws {
        let badLabel: [UInt8] = [0x40] + Array(repeating: 0x61, count: 64) + [0]
        let response = try #require(client.send(Self.wire(name: badLabel)))
        #expect(response.readableBytes == 12)
        let decoded = try DNSMessage(decoding: response)
        #expect(decoded.responseCode == .formatError)
    }

    @Test func malformedRecordsAfterQuestionGiveFormerrWithQuestionAndNoOPT() throws {
        let trailing = Self.wire(name: Self.mixedCaseName, opt: Self.opt(), trailing: [0xFF])
        let response = try DNSMessage(decoding: try #require(client.send(trailing)))
        #expect(response.responseCode == .formatError)
        #expect(response.questions.count == 1)
        #expect(response.edns == nil)
        #expect(response.answers.isEmpty)
        // Two OPT records (RFC 6891 §6.1.1).
        var twoOPT = Self.wire(name: Self.mixedCaseName, opt: Self.opt() + Self.opt())
        twoOPT[11] = 2
        #expect(try DNSMessage(decoding: try #require(client.send(twoOPT))).responseCode == .formatError)
        // An option that overruns the OPT RDATA.
        var overrun = Self.opt(options: [0, 10, 0, 8, 1, 2])
        overrun[10] = 6
        let bad = Self.wire(name: Self.mixedCaseName, opt: overrun)
        #expect(try DNSMessage(decoding: try #require(client.send(bad))).responseCode == .formatError)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 15] as [UInt16])
    func otherOpcodesAreNotImplemented(opcode: UInt16) throws {
        // RD and CD set in the query; RD is copied, CD is not.
        let query = Self.wire(flags: opcode << 11 | 0x0100 | 0x0010, name: Self.mixedCaseName, opt: Self.opt())
        let response = try DNSMessage(decoding: try #require(client.send(query)))
        #expect(response.responseCode == .notImplemented)
        #expect(response.header.opcode == DNSOpcode(rawValue: UInt8(opcode)))
        #expect(response.header.recursionDesired)
        #expect(!response.header.checkingDisabled)
        #expect(!response.header.isAuthoritative)
        #expect(response.questions.count == 1)
        #expect(response.answers.isEmpty && response.authority.isEmpty)
        #expect(response.edns != nil)  // RFC 6891 §7
    }

    @Test func flagsOtherThanRDAreNotEchoed() throws {
        // AA, TC, RA, Z, AD, CD set in the query.
        let query = Self.wire(
            flags: 0x0100 | 0x0400 | 0x0200 | 0x0080 | 0x0040 | 0x0020 | 0x0010, name: Self.mixedCaseName)
        let response = try DNSMessage(decoding: try #require(client.send(query)))
        #expect(response.header.recursionDesired)
        #expect(!response.header.isTruncated)
        #expect(!response.header.recursionAvailable)
        #expect(!response.header.zBit)
        #expect(!response.header.authenticData)
        #expect(!response.header.checkingDisabled)
        #expect(response.header.isAuthoritative)  // set by the answer, not copied
    }

    @Test func ednsAnswerAdvertises1232AndCopiesDOOnly() throws {
        let response = try client.ask(
            "txt.example.test", .txt,
            edns: EDNS(
                udpPayloadSize: 4096, dnssecOK: true, zFlags: 0x7FFF,
                options: [
                    EDNS.Option(code: EDNSOptionCode(rawValue: 65001), data: [1, 2, 3]),
                    EDNS.Option(code: .clientSubnet, data: [0, 1, 24, 0, 192, 0, 2]),
                ]))
        let edns = try #require(response.edns)
        #expect(edns.udpPayloadSize == 1232)
        #expect(edns.version == 0)
        #expect(edns.dnssecOK)
        #expect(edns.zFlags == 0)
        #expect(edns.options.isEmpty)  // unknown options are ignored, never echoed
    }

    @Test func noOPTInResponseWithoutOPTInQuery() throws {
        let response = try client.ask("txt.example.test", .txt, edns: nil)
        #expect(response.edns == nil)
    }

    @Test func badVersionIsEncodedAcrossHeaderAndOPT() throws {
        // RFC 6891 §6.1.3: header RCODE 0, OPT extended RCODE 1 (BADVERS = 16), OPT version 0.
        let raw = try #require(client.send(Self.wire(name: Self.mixedCaseName, opt: Self.opt(version: 1))))
        #expect(raw.getInteger(at: 3, as: UInt8.self)! & 0x0F == 0)
        let response = try DNSMessage(decoding: raw)
        #expect(response.responseCode == .badVersion)
        #expect(response.edns?.extendedResponseCodeBits == 1)
        #expect(response.edns?.version == 0)
        #expect(response.answers.isEmpty && response.authority.isEmpty)
        #expect(!response.header.isAuthoritative)
        #expect(response.questions.count == 1)
    }

    @Test func badVersionIsCheckedBeforeZoneLookup() throws {
        let response = try client.ask("www.other.invalid", .a, edns: EDNS(version: 2))
        #expect(response.responseCode == .badVersion)
    }
}
