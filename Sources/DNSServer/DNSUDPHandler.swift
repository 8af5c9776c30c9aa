import DNSAuthority
import Logging
import NIOCore

/// Answers each datagram synchronously on its event loop (DESIGN decision 6): parse, answer
/// from the current snapshot, write; responses to one batch of reads go out with one flush,
/// which NIO turns into a vector write.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let responder: DatagramResponder
    private let counters: DNSQueryCounters
    private var needsFlush = false

    init(responder: DatagramResponder, counters: DNSQueryCounters) {
        self.responder = responder
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard
            let response = responder.respond(
                to: envelope.data, from: envelope.remoteAddress,
                output: context.channel.allocator.buffer(capacity: 512), counters: counters)
        else { return }
        context.write(
            wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: response)), promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A datagram socket stays open whatever one peer did (ICMP errors arrive here too).
        responder.queryLog.logger.debug("UDP socket error", metadata: ["error": "\(error)"])
    }
}
