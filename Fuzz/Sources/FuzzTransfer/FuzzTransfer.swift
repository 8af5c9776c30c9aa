import DNSAuthority
import DNSReplication
import DNSWire
import FuzzSupport
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// TSIG (RFC 8945) and zone transfers (RFC 5936, RFC 1995) on arbitrary messages, as a
/// secondary or an attacker sends them to ``TransferResponder``, and as a primary's answers
/// reach ``TSIGStreamVerifier``. The first input octet picks the mode: bit 0 signs the rest
/// with the secondary's key first (so the fuzzer reaches what follows verification: AXFR, IXFR
/// with the client's SOA, signed queries), bit 1 picks TCP over UDP. It must never trap, and:
///
/// - every response decodes with `DNSMessage(decoding:)`, is a response (QR), and carries the
///   query's ID and question;
/// - a response to an unsigned query is unsigned, and one to a query signed with the key is
///   signed (its last additional record is a TSIG RR);
/// - the verifier, fed the rest as a primary's answer, either accepts it or throws.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    guard let mode = input.first else { return 0 }
    let body = UnsafeRawBufferPointer(rebasing: input.dropFirst())
    var query = ByteBuffer(bytes: body)
    let signs = mode & 1 == 1 && body.count >= DNSMessage.headerLength && (body[10] != 0xFF || body[11] != 0xFF)
    if signs { TSIG.sign(&query, key: TransferFixture.key, time: TransferFixture.now) }
    let transport: DNSTransport = mode & 2 == 0 ? .udp : .tcp
    let responses = TransferFixture.responder.respond(to: query, transport: transport, from: TransferFixture.peer)
    let decodedQuery = try? DNSMessage(decoding: query)
    for response in responses ?? [] {
        let context =
            "\n query \(hex(Array(query.readableBytesView)))\n response \(hex(Array(response.readableBytesView)))"
        let message: DNSMessage
        do {
            message = try DNSMessage(decoding: response)
        } catch {
            fatalError("a \(transport) response does not decode (\(error))" + context)
        }
        require(message.header.isResponse, "QR not set" + context)
        require(
            message.header.id == query.getInteger(at: query.readerIndex, as: UInt16.self), "ID not copied" + context)
        if let question = decodedQuery?.questions.first, !message.questions.isEmpty {
            require(message.questions.first == question, "question not the query's" + context)
        }
        let signedResponse = message.additional.last?.type == .tsig
        if decodedQuery != nil, !signs, decodedQuery?.additional.last?.type != .tsig {
            require(!signedResponse, "an unsigned query got a signed response" + context)
        }
    }
    var verifier = TSIGStreamVerifier(key: TransferFixture.key, requestMAC: TransferFixture.requestMAC)
    do {
        try verifier.verify(ByteBuffer(bytes: body), now: TransferFixture.now)
        try verifier.finish()
    } catch {
        // Refused: what an unverifiable answer gets.
    }
    return 0
}

/// One zone with a journal of a few changes (so IXFR has history to answer from), a secondary
/// at 127.0.0.1 allowed with the key, and the responder Cairn runs.
enum TransferFixture {
    static let now: UInt64 = 1_800_000_000
    static let key = TSIGKey(
        name: DNSName(stringLiteral: "fuzz-key."), algorithm: .hmacSHA256, secret: Array(repeating: 7, count: 32))
    static let requestMAC = Array(repeating: UInt8(1), count: 32)
    static let peer: SocketAddress = {
        do {
            return try SocketAddress(ipAddress: "127.0.0.1", port: 5300)
        } catch {
            fatalError("\(error)")
        }
    }()

    static let responder: TransferResponder = {
        do {
            let apex = DNSName(stringLiteral: "xfr.test.")
            let records = [
                DNSRecord(
                    name: apex, ttl: 3600,
                    rdata: .soa(
                        DNSRData.SOA(
                            primaryNameserver: DNSName(stringLiteral: "ns.xfr.test."),
                            responsibleMailbox: DNSName(stringLiteral: "hostmaster.xfr.test."), serial: 10,
                            refresh: 3600, retry: 600, expire: 1_209_600, minimum: 30))),
                DNSRecord(
                    name: apex, ttl: 3600, rdata: .ns(DNSRData.NS(nameserver: DNSName(stringLiteral: "ns.xfr.test.")))),
                DNSRecord(name: DNSName(stringLiteral: "ns.xfr.test."), ttl: 3600, rdata: .txt(DNSRData.TXT("ns"))),
            ]
            let authority = try Authority(
                zones: [try Zone(apex: apex, records: records)],
                configuration: AuthorityConfiguration(
                    journalLength: 8, catalogZone: DNSName(stringLiteral: "catalog.invalid.")))
            let owner = ChallengeOwner(rawValue: "registration:fuzz")
            let name = DNSName(stringLiteral: "_acme-challenge.xfr.test.")
            try authority.claim(name, owner: owner)
            for index in 0..<4 {
                try authority.publish(
                    ChallengeValue("value\(index)", ttl: 60, expires: UnixTime(secondsSinceEpoch: 1_900_000_000)),
                    at: name, owner: owner)
            }
            let keyring = try TSIGKeyring([key])
            let secondary = Secondary(address: "127.0.0.1", port: 53, keyName: key.name, consumesCatalog: true)
            let configuration = ReplicationConfiguration(
                secondaries: [secondary], keys: keyring, catalogZone: DNSName(stringLiteral: "catalog.invalid."))
            let status = ReplicationStatus(
                secondaries: [secondary], fileZones: { authority.staticZoneApexes },
                allZones: { authority.zoneApexes }, catalogZone: configuration.catalogZone)
            return TransferResponder(
                authority: authority, configuration: configuration, status: status,
                logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() },
                fileZones: { authority.staticZoneApexes }, clock: { now })
        } catch {
            fatalError("cannot build the transfer fixture: \(error)")
        }
    }()
}

#if !CAIRN_LIBFUZZER
    @main enum Replay {
        static func main() { replay(fuzz) }
    }
#endif
