import CairnTestSupport
import DNSAuthority
import DNSWire
import Logging
import NIOCore
import Testing

@testable import DNSReplication

/// The transfer responder in-process: who may transfer, what a signed multi-message AXFR and an
/// IXFR carry, and the errors RFC 8945 and RFC 5936 prescribe.
@Suite struct TransferResponderTests {
    static let apex: DNSName = ZoneTransferContentTests.apex
    static let key = TSIGKey.generate(name: "xfr-key", algorithm: .hmacSHA256)
    static let secondary = Secondary(address: "127.0.0.1", port: 53, keyName: key.name)
    static let now: UInt64 = 1_800_000_000

    static func responder(_ authority: Authority, logs: LogRecords = LogRecords()) throws -> TransferResponder {
        let configuration = ReplicationConfiguration(secondaries: [secondary], keys: try TSIGKeyring([key]))
        return TransferResponder(
            authority: authority, configuration: configuration,
            status: ReplicationStatus(
                secondaries: configuration.secondaries, fileZones: { authority.staticZoneApexes }),
            logger: logs.logger(), fileZones: { authority.staticZoneApexes }, clock: { now })
    }

    /// A transfer query for the zone, signed with `key` when given; IXFR carries `serial`.
    static func query(
        _ type: DNSRecordType, serial: UInt32? = nil, key: TSIGKey? = Self.key, name: DNSName = apex
    ) throws -> (ByteBuffer, [UInt8]) {
        var authority: [DNSRecord] = []
        if let serial {
            authority.append(
                DNSRecord(
                    name: name, ttl: 0,
                    rdata: .soa(
                        DNSRData.SOA(
                            primaryNameserver: ".", responsibleMailbox: ".", serial: serial, refresh: 0, retry: 0,
                            expire: 0, minimum: 0))))
        }
        var message = try DNSMessage(
            header: DNSHeader(id: 4242), questions: [DNSQuestion(name: name, type: type)], authority: authority
        ).encoded()
        let mac = key.map { TSIG.sign(&message, key: $0, time: now) } ?? []
        return (message, mac)
    }

    static func authorityWithNames(_ count: Int) throws -> Authority {
        let authority = try ZoneTransferContentTests.authority(journalLength: 100)
        let owner = ChallengeOwner(rawValue: "token:test")
        for index in 0..<count {
            let name = try DNSName("name-\(index).auth.example.test")
            try authority.claim(name, owner: owner)
            try authority.publish(
                ChallengeValue(String(repeating: "v", count: 43), ttl: 60, expires: UnixTime(rawValue: 4_000_000_000)),
                at: name, owner: owner)
        }
        return authority
    }

    static let local = try! SocketAddress(ipAddress: "127.0.0.1", port: 5300)

    @Test func aSignedAXFROfALargeZoneIsManyMessagesEachSigned() throws {
        let authority = try Self.authorityWithNames(3000)
        let (query, mac) = try Self.query(.axfr)
        let messages = try #require(try Self.responder(authority).respond(to: query, transport: .tcp, from: Self.local))
        #expect(messages.count > 5)
        var verifier = TSIGStreamVerifier(key: Self.key, requestMAC: mac)
        var records: [DNSRecord] = []
        for message in messages {
            try verifier.verify(message, now: Self.now)
            #expect(message.readableBytes <= TransferMessages.messageLimit + TSIG.recordLength(key: Self.key))
            let decoded = try DNSMessage(decoding: message)
            #expect(decoded.header.id == 4242 && decoded.header.isAuthoritative && decoded.responseCode == .noError)
            records += decoded.answers
        }
        try verifier.finish()
        #expect(records.first?.type == .soa && records.last?.type == .soa)
        #expect(records.filter { $0.type == .txt }.count == 3000)
        #expect(Set(records.dropLast()) == (try ZoneTransferContentTests.axfr(authority)))
    }

    @Test func anIXFRSendsOnlyTheChange() throws {
        let authority = try Self.authorityWithNames(50)
        let serial = authority.zone(at: Self.apex)!.serial
        try authority.publish(
            ChallengeValue("new", ttl: 60, expires: UnixTime(rawValue: 4_000_000_000)), at: "name-7.auth.example.test",
            owner: ChallengeOwner(rawValue: "token:test"))
        let (query, mac) = try Self.query(.ixfr, serial: serial)
        let messages = try #require(try Self.responder(authority).respond(to: query, transport: .tcp, from: Self.local))
        #expect(messages.count == 1)
        var verifier = TSIGStreamVerifier(key: Self.key, requestMAC: mac)
        try verifier.verify(messages[0], now: Self.now)
        let answers = try DNSMessage(decoding: messages[0]).answers
        // SOA new, SOA old, SOA new, the added TXT, SOA new.
        #expect(answers.map(\.type) == [.soa, .soa, .soa, .txt, .soa])
        #expect(answers[3].name == "name-7.auth.example.test")
    }

    @Test func strangersAndWrongKeysAreRefused() throws {
        let authority = try Self.authorityWithNames(1)
        let logs = LogRecords()
        let responder = try Self.responder(authority, logs: logs)
        func rcode(_ query: ByteBuffer, from address: SocketAddress = Self.local) throws -> DNSResponseCode {
            let messages = try #require(responder.respond(to: query, transport: .tcp, from: address))
            #expect(messages.count == 1)
            return try DNSMessage(decoding: messages[0]).responseCode
        }
        // No key where one is required; another address; a zone not served.
        #expect(try rcode(Self.query(.axfr, key: nil).0) == .refused)
        #expect(try rcode(Self.query(.axfr).0, from: SocketAddress(ipAddress: "127.0.0.2", port: 5300)) == .refused)
        #expect(try rcode(Self.query(.axfr, name: "elsewhere.test").0) == .notAuth)
        // The right name with another secret: NOTAUTH, TSIG error BADSIG, empty MAC (RFC 8945 §5.2.2).
        let impostor = TSIGKey(name: Self.key.name, algorithm: .hmacSHA256, secret: Array(repeating: 7, count: 32))
        let (forged, _) = try Self.query(.axfr, key: impostor)
        let reply = try #require(responder.respond(to: forged, transport: .tcp, from: Self.local)?.first)
        #expect(try DNSMessage(decoding: reply).responseCode == .notAuth)
        let tsig = try #require(try TSIGRecord.locate(in: reply)?.record)
        #expect(tsig.error == TSIGErrorCode.badSig.rawValue && tsig.mac.isEmpty)
        // An unknown key: BADKEY.
        let stranger = TSIGKey.generate(name: "other-key")
        let (unknown, _) = try Self.query(.axfr, key: stranger)
        let badKey = try #require(responder.respond(to: unknown, transport: .tcp, from: Self.local)?.first)
        #expect(try TSIGRecord.locate(in: badKey)?.record.error == TSIGErrorCode.badKey.rawValue)
        #expect(logs.all.contains { $0.message == "zone transfer refused" })
        #expect(logs.all.contains { $0.message == "TSIG verification failed" })
    }

    @Test func aSignedQueryIsAnsweredSigned() throws {
        let authority = try Self.authorityWithNames(1)
        let (query, mac) = try Self.query(.soa)
        let messages = try #require(try Self.responder(authority).respond(to: query, transport: .udp, from: Self.local))
        var verifier = TSIGStreamVerifier(key: Self.key, requestMAC: mac)
        try verifier.verify(messages[0], now: Self.now)
        try verifier.finish()
        #expect(try DNSMessage(decoding: messages[0]).answers.first?.type == .soa)
    }
}
