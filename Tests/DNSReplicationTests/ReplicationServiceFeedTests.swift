import DNSAuthority
import DNSReplication
import DNSWire
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The NOTIFY service brings a secondary up to date on the zones each change touched. Before, it
/// listed every zone a consumer of the catalog carries after each change, and looked at each:
/// O(zones) per change, with a zone per NS-delegated customer.
///
/// The secondary here is a stand-in that answers NOTIFY and SOA queries from the primary's own
/// authority (it always serves the current serial). What is counted is Cairn's own work per
/// change, which no secondary's behaviour changes; `SecondaryReplicationTests` runs real NSD,
/// Knot and BIND (and Knot as a catalog consumer).
@Suite struct ReplicationServiceFeedTests {
    static let catalog: DNSName = "catalog.cairn.invalid"
    static let apex = ZoneTransferContentTests.apex
    static let owner = ChallengeOwner(rawValue: "token:1")
    static let identity = NameserverIdentity(nameservers: ["ns1.example.test"], hostmaster: "hostmaster.example.test")

    @Test(.timeLimit(.minutes(1)))
    func eachChangeLooksAtTheZonesItTouchedNotAtEveryZone() async throws {
        let authority = try Authority(
            zones: [try ZoneTransferContentTests.zone()],
            configuration: AuthorityConfiguration(journalLength: 100, catalogZone: Self.catalog))
        let now = UnixTime.now()
        let customers = (0..<300).map { DNSName(stringLiteral: "_acme-challenge.customer\($0).example") }
        #expect(
            authority.apply(
                customers.map { ChallengeState(name: $0, owner: Self.owner, isZoneApex: true) },
                identity: Self.identity,
                now: now
            ).isEmpty)
        let secondary = try await StandInSecondary.start(answeringFrom: authority)
        let listings = Atomic(0)
        let target = Secondary(address: "127.0.0.1", port: secondary.port, consumesCatalog: true)
        let status = ReplicationStatus(
            secondaries: [target], fileZones: { authority.staticZoneApexes },
            allZones: {
                listings.add(1, ordering: .relaxed)
                return authority.zoneApexes
            }, catalogZone: Self.catalog)
        let service = ReplicationService(
            authority: authority,
            configuration: ReplicationConfiguration(secondaries: [target], catalogZone: Self.catalog),
            status: status, logger: Logger(label: "test"))
        let running = Task { try await service.run() }
        defer { running.cancel() }

        // The first round covers every zone: it may be behind since before a restart.
        for apex in [Self.apex] + customers {
            let serial = try #require(authority.zone(at: apex)).serial
            #expect(await status.waitUntilServed(apex: apex, serial: serial, timeout: .seconds(20)).isEmpty)
        }
        let afterFirstRound = listings.load(ordering: .relaxed)
        #expect(afterFirstRound >= 1)
        for index in 0..<30 {
            let name = customers[index * 7 % customers.count]
            try authority.publish(
                ChallengeValue("v\(index)", ttl: 60, expires: now.adding(seconds: 3600)), at: name, owner: Self.owner)
            let serial = try #require(authority.zone(at: name)).serial
            #expect(
                await status.waitUntilServed(apex: name, serial: serial, timeout: .seconds(20)).isEmpty,
                "change \(index)")
        }
        // A new challenge zone is a change of the catalog too: both are brought up to date.
        let newcomer: DNSName = "_acme-challenge.newcomer.example"
        #expect(
            authority.apply(
                [ChallengeState(name: newcomer, owner: Self.owner, isZoneApex: true)], identity: Self.identity, now: now
            )
            .isEmpty)
        for apex in [Self.catalog, newcomer] {
            let serial = try #require(authority.zone(at: apex)).serial
            #expect(await status.waitUntilServed(apex: apex, serial: serial, timeout: .seconds(20)).isEmpty)
        }
        #expect(listings.load(ordering: .relaxed) == afterFirstRound, "every zone was listed again after a change")
        running.cancel()
        try await running.value
        try await secondary.stop()
    }
}

/// Answers NOTIFY with NOERROR and every other query from `authority`, over UDP on loopback.
private struct StandInSecondary {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func start(answeringFrom authority: Authority) async throws -> StandInSecondary {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(authority: authority))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return StandInSecondary(channel: channel)
    }

    func stop() async throws { try await channel.close() }

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let authority: Authority

        init(authority: Authority) { self.authority = authority }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let query = try? DNSMessage(decoding: envelope.data) else { return }
            let answer: ByteBuffer?
            if query.header.opcode == .notify {
                var header = query.header
                header.isResponse = true
                answer = try? DNSMessage(header: header, questions: query.questions).encoded()
            } else {
                answer = authority.answer(query: envelope.data, transport: .udp, output: ByteBuffer())?.response
            }
            guard let answer else { return }
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: answer)), promise: nil)
        }
    }
}
