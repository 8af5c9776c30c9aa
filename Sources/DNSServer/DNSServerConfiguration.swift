public import NIOCore

/// Where and how the DNS front-ends listen, and the limits they enforce.
public struct DNSServerConfiguration: Sendable {
    /// Every address is served over UDP and TCP.
    public var listenAddresses: [DNSListenAddress]
    /// UDP sockets per address (SO_REUSEPORT); by default one per core.
    public var udpSocketsPerAddress: Int
    /// How the UDP sockets are served.
    public var udpIO: UDPIO
    /// Whether the thread serving UDP socket *i* of each address (``UDPIO/direct``) runs only on
    /// the *i*-th CPU the process may use, as Knot pins its UDP workers. Under `make attack`'s
    /// flood from one prefix, the p99 of another client's queries had a median of 1.9 ms over
    /// six runs with the threads unpinned and 1.2 ms over 23 pinned (Knot's: 0.86 ms).
    public var pinsUDPThreads: Bool
    /// Datagrams read per system call (recvmmsg) on each UDP socket.
    public var udpVectorReadCount: Int
    /// The receive buffer of each UDP socket, in bytes, so bursts are not dropped.
    public var udpReceiveBufferSize: Int
    public var tcp: TCP
    /// Response-rate limiting of UDP answers (on by default, loopback exempt).
    public var rateLimiting: ResponseRateLimiting

    /// How UDP sockets are served (TCP is always served by NIO's event loops).
    public enum UDPIO: String, Sendable, CaseIterable {
        /// Each socket on a thread of its own, blocking in `recvmmsg` and replying with one
        /// `sendmmsg` per batch: the least CPU per query.
        case direct
        /// Each socket a NIO datagram channel on an event loop of the server's group.
        case eventLoop = "event-loop"
    }

    /// Limits of DNS over TCP (RFC 7766 §6.2).
    public struct TCP: Sendable {
        /// Open connections at most, over all clients; the next one is closed at once.
        public var maximumConnections: Int
        /// Open connections at most from one client prefix (``ipv4PrefixLength``, ``ipv6PrefixLength``).
        public var maximumConnectionsPerPrefix: Int
        public var ipv4PrefixLength: Int
        public var ipv6PrefixLength: Int
        /// The time a connection gets to deliver each complete query; an idle connection, or
        /// one that trickles bytes, is closed when it passes (RFC 7766 §6.2.3).
        public var messageTimeout: TimeAmount

        public init(
            maximumConnections: Int = 1024, maximumConnectionsPerPrefix: Int = 64, ipv4PrefixLength: Int = 24,
            ipv6PrefixLength: Int = 56, messageTimeout: TimeAmount = .seconds(10)
        ) {
            self.maximumConnections = maximumConnections
            self.maximumConnectionsPerPrefix = maximumConnectionsPerPrefix
            self.ipv4PrefixLength = ipv4PrefixLength
            self.ipv6PrefixLength = ipv6PrefixLength
            self.messageTimeout = messageTimeout
        }
    }

    public init(
        listenAddresses: [DNSListenAddress], udpSocketsPerAddress: Int = System.coreCount, udpIO: UDPIO = .direct,
        pinsUDPThreads: Bool = true, udpVectorReadCount: Int = 32,
        udpReceiveBufferSize: Int = 4 << 20, tcp: TCP = TCP(),
        rateLimiting: ResponseRateLimiting = ResponseRateLimiting()
    ) {
        self.rateLimiting = rateLimiting
        self.listenAddresses = listenAddresses
        self.udpSocketsPerAddress = max(1, udpSocketsPerAddress)
        self.udpIO = udpIO
        self.pinsUDPThreads = pinsUDPThreads
        self.udpVectorReadCount = max(1, udpVectorReadCount)
        self.udpReceiveBufferSize = udpReceiveBufferSize
        self.tcp = tcp
    }
}
