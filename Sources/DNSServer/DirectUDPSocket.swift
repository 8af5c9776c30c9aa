import CDatagramBatch
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One UDP socket served by a thread of its own below NIO's channel pipeline (DESIGN decision
/// 6, issue 12): a blocking `recvmmsg` takes every datagram queued, each is answered
/// synchronously by a ``DatagramResponder``, and the replies go out with one `sendmmsg`.
/// Per datagram that is two system calls and no event-loop wake-up, channel pipeline or
/// envelope; TCP stays on NIO.
final class DirectUDPSocket: Sendable {
    /// Octets of each receive slot; longer datagrams are cut there (a DNS query over UDP is far
    /// shorter; what is cut is answered FORMERR, as through NIO).
    static let receiveSize = 4096
    /// The scheduler time slice each serving thread asks for: the shortest Linux grants (0.1 ms).
    /// A thread that sleeps between datagrams and runs microseconds per wake-up loses nothing by
    /// it, and since Linux 6.12 a shorter slice lets its wake-up preempt a thread on a longer
    /// one (NIO's event loops on hostile TCP, say) rather than wait out that thread's slice.
    static let schedulerSlice: UInt64 = 100_000

    private let descriptor: Int32
    private let responder: DatagramResponder
    private let batchSize: Int
    private let replySize: Int
    /// The socket's place among its address's sockets: its thread is named `cairn-udp-<slot>`
    /// and, when ``pinsThread``, runs on the slot-th CPU the process may use.
    private let slot: Int
    private let pinsThread: Bool
    private let stopping = Atomic(false)
    /// Guards ``counters``: the serving thread holds it for each batch, ``statistics`` to read.
    private let countersLock = Mutex(())
    nonisolated(unsafe) private let counters = DNSQueryCounters()

    /// What this socket has counted so far.
    var statistics: DNSQueryStatistics { countersLock.withLock { _ in counters.statistics } }

    /// Opens and binds the socket (SO_REUSEPORT, like every UDP socket of the address).
    ///
    /// - Throws: `IOError` with the system's errno when the socket cannot be opened or bound.
    init(
        address: SocketAddress, receiveBufferSize: Int, batchSize: Int, responder: DatagramResponder,
        maximumReply: Int, slot: Int = 0, pinsThread: Bool = false
    ) throws {
        let descriptor = address.withSockAddr { pointer, length in
            cairn_datagram_socket_open(pointer, socklen_t(length), Int32(clamping: receiveBufferSize))
        }
        guard descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "bind UDP \(address)") }
        self.descriptor = descriptor
        self.responder = responder
        self.batchSize = batchSize
        self.replySize = maximumReply
        self.slot = slot
        self.pinsThread = pinsThread
    }

    /// Serves until ``stop()``; call on a thread of its own (it blocks). `started` is called once,
    /// when the thread is set up (named, pinned, its buffers made) or has given up.
    func serve(started: () -> Void = {}) {
        guard
            let batch = cairn_datagram_batch_create(
                UInt32(batchSize), Self.receiveSize, replySize)
        else {
            responder.queryLog.logger.error("UDP socket not served: no memory for its buffers")
            started()
            return
        }
        defer { cairn_datagram_batch_destroy(batch) }
        let logger = responder.queryLog.logger
        _ = cairn_thread_set_name("cairn-udp-\(slot)")
        if cairn_thread_request_slice(Self.schedulerSlice) != 0 {
            logger.debug("UDP thread keeps the default time slice", metadata: ["errno": "\(errno)"])
        }
        if pinsThread {
            let cpu = cairn_thread_pin_to_allowed_cpu(UInt32(clamping: slot))
            if cpu < 0 {
                logger.warning("UDP thread not pinned to a CPU", metadata: ["slot": "\(slot)", "errno": "\(errno)"])
            } else {
                logger.debug("UDP thread pinned", metadata: ["slot": "\(slot)", "cpu": "\(cpu)"])
            }
        }
        let allocator = ByteBufferAllocator()
        var query = allocator.buffer(capacity: Self.receiveSize)
        var scratch: ByteBuffer? = allocator.buffer(capacity: 512)
        started()
        while !stopping.load(ordering: .relaxed) {
            let count = cairn_datagram_receive(descriptor, batch)
            guard count > 0 else {
                // 0 or an error after stop()'s shutdown; anything else is logged and retried.
                if count < 0, !stopping.load(ordering: .relaxed) {
                    responder.queryLog.logger.debug("UDP receive failed", metadata: ["errno": "\(errno)"])
                }
                continue
            }
            countersLock.withLock { _ in
                for index in 0..<UInt32(count) {
                    var length = 0
                    guard let bytes = cairn_datagram_bytes(batch, index, &length) else { continue }
                    var senderLength = socklen_t(0)
                    guard let sender = cairn_datagram_sender(batch, index, &senderLength) else { continue }
                    query.clear()
                    query.writeBytes(UnsafeRawBufferPointer(start: bytes, count: length))
                    let output = scratch.take() ?? allocator.buffer(capacity: 512)
                    guard
                        var response = responder.respond(
                            to: query,
                            clientPrefix: {
                                ResponseRateLimiter.prefix(of: sender, length: Int(senderLength), settings: $0)
                            },
                            remote: { Self.address(UnsafeRawPointer(sender)) }, output: output, counters: counters)
                    else { continue }
                    response.withUnsafeReadableBytes { reply in
                        if cairn_datagram_add_reply(batch, index, reply.baseAddress, reply.count) != 0 {
                            _ = cairn_datagram_send_one(descriptor, batch, index, reply.baseAddress, reply.count)
                        }
                    }
                    response.clear()
                    scratch = response
                }
            }
            _ = cairn_datagram_send_replies(descriptor, batch)
        }
    }

    /// Makes ``serve()`` return: a shutdown of the socket wakes its blocking receive.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        _ = shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// Closes the socket; call after ``serve()`` returned.
    func close() {
        _ = Glibc.close(descriptor)
    }

    private static func address(_ pointer: UnsafeRawPointer) -> SocketAddress? {
        switch Int32(pointer.load(as: sockaddr.self).sa_family) {
        case AF_INET: SocketAddress(pointer.loadUnaligned(as: sockaddr_in.self))
        case AF_INET6: SocketAddress(pointer.loadUnaligned(as: sockaddr_in6.self))
        default: nil
        }
    }
}
