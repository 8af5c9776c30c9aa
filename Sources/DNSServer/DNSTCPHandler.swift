import DNSAuthority
import Logging
import NIOCore
import NIOExtras

/// Answers DNS over TCP (RFC 7766): framed queries in, one length-prefixed write per
/// response, pipelined queries answered in order, flushed once per read batch.
///
/// Each connection gets ``DNSServerConfiguration/TCP/messageTimeout`` to deliver each complete
/// query; the deadline restarts after every query, so an idle connection or one that trickles
/// bytes is closed and frees its slot (RFC 7766 §6.2.3). While the client does not read its
/// responses (more than the write buffer's high watermark is waiting), reading stops, and the
/// queries already read wait unanswered: a client that never reads holds no more than one read's
/// queries and a watermark's worth of answers. A zero-length message (the length prefix 0x0000)
/// is no DNS message: the connection is closed at once, as Knot does, instead of holding its slot
/// until the deadline.
///
/// The deadline is scheduled on the channel's event loop, so an `EmbeddedEventLoop` drives it
/// in tests with `advanceTime(by:)`.
final class DNSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let authority: Authority
    private let queryLog: ChallengeQueryLog
    private let counters: DNSQueryCounters
    private let messageTimeout: TimeAmount
    private let transferResponder: (any ZoneTransferResponder)?
    private var deadline: Scheduled<Void>?
    private var needsFlush = false
    /// Set once the handler closed the connection: frames still decoded from the same read are ignored.
    private var closing = false
    /// Set while a ``ZoneTransferResponder`` builds a response off the loop.
    private var transferring = false
    /// Queries read while `transferring` or while the connection was not writable, answered in
    /// order once the transfer is written or the client has read enough of its answers.
    private var queued = CircularBuffer<ByteBuffer>()
    /// The buffer answers are built in, kept from query to query. Each answer is copied out into
    /// a buffer of its own size: one built in place keeps the 1 KiB its buffer was given (NIO
    /// rounds 514 up to a power of two), 16 times a 60-byte answer's size, for as long as it
    /// waits for a client that does not read.
    private var scratch: ByteBuffer?
    /// Called for each query: the connection is in use (``TCPConnectionLimiter`` closes idle ones first).
    private let onQuery: () -> Void

    init(
        authority: Authority, queryLog: ChallengeQueryLog, counters: DNSQueryCounters, messageTimeout: TimeAmount,
        transferResponder: (any ZoneTransferResponder)? = nil, onQuery: @escaping () -> Void = {}
    ) {
        self.authority = authority
        self.queryLog = queryLog
        self.counters = counters
        self.messageTimeout = messageTimeout
        self.transferResponder = transferResponder
        self.onQuery = onQuery
    }

    /// Sets up one accepted connection: 2-byte length framing (RFC 1035 §4.2.2), then the handler.
    static func addHandlers(
        to pipeline: ChannelPipeline.SynchronousOperations, authority: Authority, queryLog: ChallengeQueryLog,
        counters: DNSQueryCounters, messageTimeout: TimeAmount, transferResponder: (any ZoneTransferResponder)? = nil,
        onQuery: @escaping () -> Void = {}
    ) throws {
        try pipeline.addHandler(ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldBitLength: .twoBytes)))
        try pipeline.addHandler(
            DNSTCPHandler(
                authority: authority, queryLog: queryLog, counters: counters, messageTimeout: messageTimeout,
                transferResponder: transferResponder, onQuery: onQuery))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        restartDeadline(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let query = unwrapInboundIn(data)
        // Queries that came in the same read as a transfer wait for it, and those read while the
        // client is not reading its answers wait for it to: answers keep their order, and a
        // client that never reads cannot make the server answer the rest of a large read.
        guard !transferring, queued.isEmpty, context.channel.isWritable else {
            queued.append(query)
            return
        }
        handle(query, context: context)
    }

    private func handle(_ query: ByteBuffer, context: ChannelHandlerContext) {
        guard query.readableBytes > 0 else {
            counters.countDropped()
            queryLog.logger.debug(
                "closing TCP connection after a zero-length message",
                metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")"])
            close(context: context)
            return
        }
        restartDeadline(context: context)
        onQuery()
        var output = scratch.take() ?? context.channel.allocator.buffer(capacity: 514)
        output.clear()
        output.writeInteger(UInt16(0))  // length prefix, set below
        guard
            case (var response, let summary)? = authority.answer(query: query, transport: .tcp, output: consume output)
        else {
            counters.countDropped()
            return
        }
        counters.count(summary)
        if summary.touchedChallengeName, let remote = context.channel.remoteAddress {
            queryLog.log(query: query, from: remote, transport: "tcp", summary: summary)
        }
        if summary.needsTransferResponder, let transferResponder, let remote = context.channel.remoteAddress {
            respond(to: query, from: remote, with: transferResponder, otherwise: response, context: context)
            return
        }
        response.setInteger(UInt16(truncatingIfNeeded: response.readableBytes - 2), at: response.readerIndex)
        var framed = context.channel.allocator.buffer(capacity: response.readableBytes)
        framed.writeBuffer(&response)
        // Kept for the next answer, unless a large answer grew it.
        if response.capacity <= 4096 { scratch = response }
        context.write(wrapOutboundOut(framed), promise: nil)
        needsFlush = true
        if !context.channel.isWritable {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !queued.isEmpty, !transferring, !closing, context.channel.isWritable {
            answerQueued(context: context)
        }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable {
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        } else if !transferring {
            answerQueued(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        queryLog.logger.debug(
            "closing TCP connection after an error",
            metadata: ["peer": "\(context.channel.remoteAddress.map { "\($0)" } ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }

    /// Answers a zone transfer or a signed query through `responder`, off the event loop: a
    /// transfer of a large zone takes a while to build, and the loop serves UDP and other
    /// connections meanwhile. Reading stops until the responses are written, so the answers on
    /// this connection keep the order of its queries; the message deadline waits too.
    private func respond(
        to query: ByteBuffer, from remote: SocketAddress, with responder: any ZoneTransferResponder,
        otherwise answer: ByteBuffer, context: ChannelHandlerContext
    ) {
        let channel = context.channel
        transferring = true
        channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        deadline?.cancel()
        deadline = nil
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        let built = context.eventLoop.makePromise(of: [ByteBuffer]?.self)
        Task { built.succeed(responder.respond(to: query, transport: .tcp, from: remote)) }
        built.futureResult.assumeIsolated().whenSuccess { responses in
            guard !self.closing, channel.isActive else { return }
            if let responses {
                for message in responses {
                    var framed = channel.allocator.buffer(capacity: message.readableBytes + 2)
                    framed.writeInteger(UInt16(truncatingIfNeeded: message.readableBytes))
                    framed.writeImmutableBuffer(message)
                    channel.write(framed, promise: nil)
                }
            } else {
                var answer = answer
                answer.setInteger(UInt16(truncatingIfNeeded: answer.readableBytes - 2), at: answer.readerIndex)
                channel.write(answer, promise: nil)
            }
            channel.flush()
            self.resume(context: context)
        }
    }

    /// After a transfer: answers the queries that waited for it, then reads again with a fresh
    /// message deadline.
    private func resume(context: ChannelHandlerContext) {
        transferring = false
        restartDeadline(context: context)
        answerQueued(context: context)
    }

    /// Answers the queries that waited, in order, while the connection takes their answers, and
    /// reads again once none is left.
    private func answerQueued(context: ChannelHandlerContext) {
        while !queued.isEmpty, !transferring, !closing, context.channel.isWritable {
            handle(queued.removeFirst(), context: context)
        }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        if queued.isEmpty, !transferring, !closing, context.channel.isWritable {
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    /// Sends the answers already written for this read, then closes.
    private func close(context: ChannelHandlerContext) {
        closing = true
        deadline?.cancel()
        deadline = nil
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.close(promise: nil)
    }

    private func restartDeadline(context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: messageTimeout) {
            channel.close(promise: nil)
        }
    }
}
