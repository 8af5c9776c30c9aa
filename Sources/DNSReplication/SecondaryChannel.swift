import DNSWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One UDP socket to one secondary for the life of ``ReplicationService``: the NOTIFYs it is sent
/// and the SOA queries that ask its serial, answers matched by message ID.
///
/// A socket per exchange (as `DNSLookupClient` makes) costs a channel, a bind and a
/// task group each time; asking a secondary its serial every few milliseconds while it loads a
/// change made that dominate Cairn's CPU per query.
final class SecondaryChannel: Sendable {
    private let channel: any Channel
    private let remote: SocketAddress
    private let pending: NIOLockedValueBox<[UInt16: EventLoopPromise<ByteBuffer>]>

    private init(
        channel: any Channel, remote: SocketAddress, pending: NIOLockedValueBox<[UInt16: EventLoopPromise<ByteBuffer>]>
    ) {
        self.channel = channel
        self.remote = remote
        self.pending = pending
    }

    /// Opens the socket to `secondary`.
    static func open(
        to secondary: Secondary, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    )
        async throws -> SecondaryChannel
    {
        let remote = try SocketAddress(ipAddress: secondary.address, port: secondary.port)
        let pending = NIOLockedValueBox<[UInt16: EventLoopPromise<ByteBuffer>]>([:])
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler(remote: remote, pending: pending))
                }
            }
            .bind(host: remote.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
            .get()
        return SecondaryChannel(channel: channel, remote: remote, pending: pending)
    }

    /// Sends `message` (its ID is `id`) and returns the answer with that ID from the secondary.
    ///
    /// - Throws: ``ReplicationError/unexpectedAnswer(_:)`` when none came within `timeout`.
    func exchange(_ message: ByteBuffer, id: UInt16, timeout: Duration) async throws -> ByteBuffer {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let replaced = pending.withLockedValue { $0.updateValue(promise, forKey: id) }
        replaced?.fail(ReplicationError.unexpectedAnswer("superseded by another message with the same ID"))
        let expiry = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { [pending] in
            if let expired = pending.withLockedValue({ $0.removeValue(forKey: id) }) {
                expired.fail(ReplicationError.unexpectedAnswer("no answer in \(timeout)"))
            }
        }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: message), promise: nil)
        defer { expiry.cancel() }
        return try await promise.futureResult.get()
    }

    /// The SOA serial the secondary serves for the zone at `apex`, `nil` when it answers none.
    ///
    /// - Throws: ``ReplicationError/notifyRefused(_:)``-like error with
    ///   ``ReplicationError/secondaryLacksZone`` when it answers REFUSED or NOTAUTH.
    func serial(of apex: DNSName, timeout: Duration) async throws -> UInt32? {
        let id = UInt16.random(in: 0...UInt16.max)
        let query = try DNSMessage(header: DNSHeader(id: id), questions: [DNSQuestion(name: apex, type: .soa)])
            .encoded()
        let response = try DNSMessage(decoding: try await exchange(query, id: id, timeout: timeout))
        if response.responseCode == .refused || response.responseCode == .notAuth {
            var error = ReplicationError("SOA query answered \(response.responseCode)")
            error.secondaryLacksZone = true
            throw error
        }
        guard response.responseCode == .noError,
            case .soa(let soa)? = response.answers.first(where: { $0.type == .soa && $0.name == apex })?.rdata
        else { return nil }
        return soa.serial
    }

    func close() async {
        try? await channel.close().get()
        let waiting = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        for promise in waiting { promise.fail(CancellationError()) }
    }

    /// Completes the exchange whose ID an answer from the secondary carries.
    private final class AnswerHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>

        private let remote: SocketAddress
        private let pending: NIOLockedValueBox<[UInt16: EventLoopPromise<ByteBuffer>]>

        init(remote: SocketAddress, pending: NIOLockedValueBox<[UInt16: EventLoopPromise<ByteBuffer>]>) {
            self.remote = remote
            self.pending = pending
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard envelope.remoteAddress == remote,
                let id = envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt16.self)
            else { return }
            pending.withLockedValue { $0.removeValue(forKey: id) }?.succeed(envelope.data)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // ICMP port unreachable and the like: the exchange times out and is retried.
        }
    }
}
