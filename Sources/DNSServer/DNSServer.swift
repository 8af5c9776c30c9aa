public import DNSAuthority
import DNSWire
public import Logging
public import NIOCore
public import NIOPosix
public import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cairn's DNS front-ends: UDP and TCP listeners on every configured address, answering from
/// an ``Authority`` (DESIGN decisions 6 and 2).
///
/// UDP: ``DNSServerConfiguration/udpSocketsPerAddress`` sockets per address with SO_REUSEPORT,
/// each served by a thread of its own with batched `recvmmsg`/`sendmmsg` (the default),
/// or by a channel handler on an event loop (``DNSServerConfiguration/UDPIO/eventLoop``); either
/// answers every datagram synchronously. TCP (RFC 7766): one listener per address, framed and
/// pipelined queries, a per-message deadline and connection caps. Before joining an address
/// with SO_REUSEPORT the server proves no one else holds it, so a second server fails to
/// start instead of silently sharing the traffic.
public struct DNSServer: Service {
    private let authority: Authority
    private let configuration: DNSServerConfiguration
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup
    private let onBound: @Sendable ([SocketAddress]) async -> Void
    private let counters: DNSQueryCounterSet
    /// Shared by every UDP socket, with the rate limiter in it.
    private let responder: DatagramResponder
    /// One for every listener, so its limit holds for the server.
    private let queryLog: ChallengeQueryLog
    private let transferResponder: (any ZoneTransferResponder)?

    /// - Parameters:
    ///   - transferResponder: answers zone transfers and TSIG-signed queries (Cairn as a primary);
    ///     without one, transfers are refused and signed queries answered unsigned.
    ///   - onBound: called once every socket listens, with the TCP address of each configured
    ///     address (UDP shares the port), so tests can bind port 0 and learn the port.
    public init(
        authority: Authority, configuration: DNSServerConfiguration, logger: Logger,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton,
        transferResponder: (any ZoneTransferResponder)? = nil,
        onBound: @escaping @Sendable ([SocketAddress]) async -> Void = { _ in }
    ) {
        self.transferResponder = transferResponder
        self.authority = authority
        self.configuration = configuration
        self.logger = logger
        self.group = eventLoopGroup
        self.onBound = onBound
        self.counters = DNSQueryCounterSet(group: eventLoopGroup)
        let queryLog = ChallengeQueryLog(logger: logger)
        self.queryLog = queryLog
        self.responder = DatagramResponder(
            authority: authority, queryLog: queryLog, transferResponder: transferResponder,
            rateLimiter: configuration.rateLimiting.isEnabled ? ResponseRateLimiter(configuration.rateLimiting) : nil)
    }

    /// Query counts over every event loop.
    public func statistics() async -> DNSQueryStatistics {
        await counters.statistics()
    }

    public func run() async throws {
        var listeners = Listeners()
        do {
            for address in configuration.listenAddresses {
                let tcp = try await bind(address, into: &listeners)
                let port = tcp.localAddress?.port ?? address.port
                logger.info(
                    "serving DNS",
                    metadata: [
                        "address": "\(DNSListenAddress(host: address.host, port: port))",
                        "transports":
                            "udp (\(configuration.udpSocketsPerAddress) sockets, \(configuration.udpIO.rawValue)), tcp",
                    ])
            }
        } catch {
            await listeners.close(counters: counters)
            throw error
        }
        let served = await listeners.startDirectSockets(counters: counters)
        await onBound(listeners.tcpAddresses)
        // Serve until the service group shuts down gracefully or is cancelled.
        try? await gracefulShutdown()
        await listeners.close(counters: counters, served: served)
        logger.info("DNS listeners closed")
    }

    /// The sockets a running server holds.
    private struct Listeners {
        var channels: [any Channel] = []
        var tcpAddresses: [SocketAddress] = []
        var directSockets: [DirectUDPSocket] = []

        /// One thread per direct socket, each serving it until the socket is stopped. Returns once
        /// every thread has named, pinned and readied itself and is about to receive.
        func startDirectSockets(counters: DNSQueryCounterSet) async -> (NIOThreadPool, [EventLoopFuture<Void>])? {
            guard !directSockets.isEmpty else { return nil }
            counters.register(directSockets)
            let pool = NIOThreadPool(numberOfThreads: directSockets.count)
            pool.start()
            let loop = MultiThreadedEventLoopGroup.singleton.any()
            let (started, starting) = AsyncStream<Void>.makeStream()
            let futures = directSockets.map { socket in
                let future = pool.runIfActive(eventLoop: loop) { socket.serve(started: { starting.yield() }) }
                // A thread that never ran its body announces nothing; count it here instead.
                future.whenFailure { _ in starting.yield() }
                return future
            }
            var count = 0
            for await _ in started {
                count += 1
                if count == directSockets.count { break }
            }
            return (pool, futures)
        }

        func close(counters: DNSQueryCounterSet, served: (NIOThreadPool, [EventLoopFuture<Void>])? = nil) async {
            for channel in channels {
                try? await channel.close().get()
            }
            for socket in directSockets { socket.stop() }
            if let (pool, futures) = served {
                for future in futures { try? await future.get() }
                try? await pool.shutdownGracefully()
            }
            for socket in directSockets { socket.close() }
            counters.unregister(directSockets)
        }
    }

    /// Binds TCP first (an exclusive bind: a taken port fails here), then the UDP sockets on the
    /// same port after a probe proves nobody holds it. Returns the TCP channel.
    private func bind(_ address: DNSListenAddress, into listeners: inout Listeners) async throws -> any Channel {
        let requested: SocketAddress
        do {
            requested = try SocketAddress(ipAddress: address.host, port: address.port)
        } catch {
            throw DNSServerError(.invalidAddress, address: address, transport: "udp+tcp", reason: "\(error)")
        }
        let tcp = try await bindTCP(requested, listen: address)
        listeners.channels.append(tcp)
        if let local = tcp.localAddress { listeners.tcpAddresses.append(local) }
        let port = tcp.localAddress?.port ?? address.port
        let udpAddress = try SocketAddress(ipAddress: address.host, port: port)
        try AddressProbe.checkUDPFree(udpAddress, listen: address)
        let loops = Array(group.makeIterator())
        for index in 0..<configuration.udpSocketsPerAddress {
            do {
                switch configuration.udpIO {
                case .eventLoop:
                    listeners.channels.append(try await bindUDP(udpAddress, on: loops[index % loops.count]))
                case .direct:
                    listeners.directSockets.append(
                        try DirectUDPSocket(
                            address: udpAddress, receiveBufferSize: configuration.udpReceiveBufferSize,
                            batchSize: configuration.udpVectorReadCount, responder: responder,
                            maximumReply: authority.configuration.maximumUDPPayload, slot: index,
                            pinsThread: configuration.pinsUDPThreads))
                }
            } catch {
                throw Self.describe(error, address: address, transport: "udp")
            }
        }
        return tcp
    }

    private func bindUDP(_ address: SocketAddress, on loop: any EventLoop) async throws -> any Channel {
        let responder = self.responder
        let counters = self.counters
        return try await DatagramBootstrap(group: loop)
            .channelOption(
                ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SocketOptionName(SO_REUSEPORT)), value: 1
            )
            .channelOption(ChannelOptions.datagramVectorReadMessageCount, value: configuration.udpVectorReadCount)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: configuration.udpReceiveBufferSize)
            .channelOption(
                ChannelOptions.recvAllocator,
                value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * configuration.udpVectorReadCount)
            )
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DNSUDPHandler(responder: responder, counters: counters.counters(on: channel.eventLoop)))
                }
            }
            .bind(to: address)
            .get()
    }

    private func bindTCP(_ address: SocketAddress, listen: DNSListenAddress) async throws -> any Channel {
        let authority = self.authority
        let queryLog = self.queryLog
        let counters = self.counters
        let limiter = TCPConnectionLimiter(configuration: configuration.tcp)
        let timeout = configuration.tcp.messageTimeout
        let logger = self.logger
        let transferResponder = self.transferResponder
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                // What a connection can make the server hold while its client reads no answers:
                // one read of queries (at most 64 KiB) and 16 KiB of answers, and in the kernel
                // 16 KiB of answers not yet sent (TCP_NOTSENT_LOWAT) besides what the client's
                // window takes. Without that bound the kernel's send buffer grows to 4 MiB, 70,000
                // answers the server makes for each client that never reads them. A client that
                // reads keeps both buffers draining, so neither bound slows it.
                .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 8 << 10, high: 16 << 10))
                .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
                .childChannelOption(
                    ChannelOptions.tcpOption(NIOBSDSocket.Option(rawValue: TCP_NOTSENT_LOWAT)), value: 16 << 10
                )
                .childChannelInitializer { channel in
                    guard let slot = limiter.admit(channel) else {
                        logger.debug(
                            "TCP connection refused: connection cap reached, none idle to close",
                            metadata: ["peer": "\(channel.remoteAddress.map { "\($0)" } ?? "?")"])
                        return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
                    }
                    channel.closeFuture.whenComplete { _ in limiter.release(slot) }
                    return channel.eventLoop.makeCompletedFuture {
                        try DNSTCPHandler.addHandlers(
                            to: channel.pipeline.syncOperations, authority: authority, queryLog: queryLog,
                            counters: counters.counters(on: channel.eventLoop), messageTimeout: timeout,
                            transferResponder: transferResponder, onQuery: { slot.noteActivity() })
                    }
                }
                .bind(to: address)
                .get()
        } catch {
            throw Self.describe(error, address: listen, transport: "tcp")
        }
    }

    private static func describe(_ error: any Error, address: DNSListenAddress, transport: String) -> any Error {
        if let error = error as? DNSServerError { return error }
        if let io = error as? IOError {
            return DNSServerError(
                io.errnoCode == 98 ? .addressInUse : .bindFailed, address: address, transport: transport,
                reason: "\(io)")
        }
        return DNSServerError(.bindFailed, address: address, transport: transport, reason: "\(error)")
    }
}
