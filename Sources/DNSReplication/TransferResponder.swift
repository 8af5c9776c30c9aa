public import DNSAuthority
public import DNSServer
public import DNSWire
import HashTreeCollections
public import Logging
public import NIOCore

/// Cairn as a primary on its DNS front-ends: zone transfers to the configured secondaries (AXFR,
/// RFC 5936; IXFR, RFC 1995, from each zone's journal) and TSIG (RFC 8945) on them and on any
/// signed query (secondaries sign their SOA checks too).
///
/// A transfer is allowed to a secondary's address, with its key when it has one, for the zones it
/// carries; anyone else gets REFUSED, and a request whose TSIG fails verification NOTAUTH with
/// the TSIG error (BADKEY, BADSIG, BADTIME). Every transfer and every refusal is logged.
public final class TransferResponder: ZoneTransferResponder {
    private let authority: Authority
    private let configuration: ReplicationConfiguration
    private let fileZones: @Sendable () -> Set<DNSName>
    private let status: ReplicationStatus
    private let logger: Logger
    private let clock: @Sendable () -> UInt64

    /// - Parameters:
    ///   - fileZones: the apexes of the zones served from files now (what a secondary that names
    ///     no zones carries).
    ///   - clock: seconds since the epoch, for TSIG's time checks.
    public init(
        authority: Authority, configuration: ReplicationConfiguration, status: ReplicationStatus, logger: Logger,
        fileZones: @escaping @Sendable () -> Set<DNSName>,
        clock: @escaping @Sendable () -> UInt64 = { UInt64(UnixTime.now().rawValue) }
    ) {
        self.authority = authority
        self.configuration = configuration
        self.status = status
        self.logger = logger
        self.fileZones = fileZones
        self.clock = clock
    }

    public func respond(to query: ByteBuffer, transport: DNSTransport, from remote: SocketAddress) -> [ByteBuffer]? {
        guard let message = try? DNSMessage(decoding: query), let question = message.questions.first else {
            return nil
        }
        let id = message.header.id
        let flags = message.header.flags
        let now = clock()
        let peer = remote.ipAddress ?? "\(remote)"
        var key: TSIGKey? = nil
        var requestMAC: [UInt8] = []
        switch TSIG.verifyRequest(query, keyring: configuration.keys, now: now) {
        case .unsigned:
            break
        case .verified(let verifiedKey, let record):
            key = verifiedKey
            requestMAC = record.mac
        case .rejected(let failure):
            logger.notice(
                "TSIG verification failed",
                metadata: [
                    "peer": "\(peer)", "key": "\(failure.record.map { "\($0.keyName)" } ?? "?")",
                    "error": "\(failure.code)",
                    "question": "\(question.name) \(question.type)",
                ])
            // NOTAUTH with the TSIG error (RFC 8945 §5.2), or FORMERR for a TSIG that cannot be read.
            var response = TransferMessages.error(failure.responseCode, id: id, queryFlags: flags, question: question)
            TSIG.appendErrorRecord(to: &response, for: failure, keyring: configuration.keys, now: now)
            return [response]
        }
        guard question.type == .axfr || question.type == .ixfr else {
            // A signed query: the authority's answer, signed (RFC 8945 §5.3).
            guard let key, let (answer, _) = authority.answer(query: query, transport: transport, output: ByteBuffer())
            else { return nil }
            var response = answer
            TSIG.sign(&response, key: key, time: now, requestMAC: requestMAC)
            return [response]
        }
        func refuse(_ code: DNSResponseCode, _ reason: String) -> [ByteBuffer] {
            logger.notice(
                "zone transfer refused",
                metadata: [
                    "peer": "\(peer)", "zone": "\(question.name)", "type": "\(question.type)",
                    "key": "\(key.map { "\($0.name)" } ?? "none")", "reason": "\(reason)",
                ])
            var response = TransferMessages.error(code, id: id, queryFlags: flags, question: question)
            if let key { TSIG.sign(&response, key: key, time: now, requestMAC: requestMAC) }
            return [response]
        }
        // AXFR needs a stream (RFC 5936 §4.2); IXFR over UDP is answered over TCP here.
        guard transport == .tcp else { return nil }
        let snapshot = authority.snapshot
        let apex = question.name
        guard snapshot.zones[apex] != nil else { return refuse(.notAuth, "not a zone served here") }
        let fileZones = fileZones()
        let allowed = configuration.secondaries.contains { secondary in
            secondary.address == peer && secondary.keyName == key?.name && secondary.carries(apex, fileZones: fileZones)
        }
        guard allowed else {
            return refuse(.refused, key == nil ? "no secondary at this address without a key" : "key not allowed here")
        }
        let content: ZoneTransferContent?
        var clientSerial: UInt32? = nil
        if question.type == .ixfr {
            guard let authoritySOA = message.authority.first, case .soa(let soa) = authoritySOA.rdata else {
                return refuse(.formatError, "IXFR without the client's SOA (RFC 1995 §3)")
            }
            clientSerial = soa.serial
            content = ZoneTransferContent.incremental(of: apex, from: soa.serial, in: snapshot)
        } else {
            content = ZoneTransferContent.full(of: apex, in: snapshot)
        }
        guard let content else { return refuse(.notAuth, "not a zone served here") }
        let records = content.answerRecords
        var messages = TransferMessages.messages(id: id, queryFlags: flags, question: question, records: records)
        if let key {
            var signer = TSIGStreamSigner(key: key, requestMAC: requestMAC, time: now)
            for index in messages.indices { signer.sign(&messages[index]) }
        }
        let serial: UInt32
        if case .soa(let soa) = content.soa.rdata { serial = soa.serial } else { serial = 0 }
        let style = content.isIncremental ? (records.count == 1 ? "up to date" : "incremental") : "full"
        status.recordTransfer(peer: peer, zone: apex, serial: serial)
        logger.info(
            "zone transfer",
            metadata: [
                "peer": "\(peer)", "zone": "\(apex)", "type": "\(question.type)", "style": "\(style)",
                "serial": "\(serial)", "from-serial": "\(clientSerial.map { "\($0)" } ?? "-")",
                "records": "\(records.count)", "messages": "\(messages.count)",
                "key": "\(key.map { "\($0.name)" } ?? "none")",
            ])
        return messages
    }
}
