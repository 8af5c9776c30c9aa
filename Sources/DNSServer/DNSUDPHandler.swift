import DNSAuthority
import Logging
import NIOCore

/// Answers each datagram synchronously on its event loop (DESIGN decision 6): parse, answer
/// from the current snapshot, write; responses to one batch of reads go out with one flush,
/// which NIO turns into a vector write.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let authority: Authority
    private let queryLog: ChallengeQueryLog
    private let counters: DNSQueryCounters
    private let transferResponder: (any ZoneTransferResponder)?
    /// `nil` when response-rate limiting is off.
    private let rateLimiter: ResponseRateLimiter?
    private var needsFlush = false

    init(
        authority: Authority, queryLog: ChallengeQueryLog, counters: DNSQueryCounters,
        transferResponder: (any ZoneTransferResponder)? = nil, rateLimiter: ResponseRateLimiter? = nil
    ) {
        self.authority = authority
        self.queryLog = queryLog
        self.counters = counters
        self.transferResponder = transferResponder
        self.rateLimiter = rateLimiter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard
            case (var response, let summary)? = authority.answer(
                query: envelope.data, transport: .udp, output: context.channel.allocator.buffer(capacity: 512))
        else {
            counters.countDropped()
            return
        }
        counters.count(summary)
        if summary.touchedChallengeName {
            queryLog.log(query: envelope.data, from: envelope.remoteAddress, transport: "udp", summary: summary)
        }
        if summary.needsTransferResponder, let transferResponder,
            let responses = transferResponder.respond(
                to: envelope.data, transport: .udp, from: envelope.remoteAddress)
        {
            guard let first = responses.first else { return }
            response = first
        }
        // Signed queries too: a TSIG record anyone can attach must not open a way around the limit.
        if let rateLimiter {
            switch rateLimiter.verdict(query: envelope.data, summary: summary, from: envelope.remoteAddress) {
            case .send:
                break
            case .drop:
                counters.countRateLimited(slipped: false)
                counters.countUDP(bytesIn: envelope.data.readableBytes, bytesOut: 0)
                return
            case .slip:
                counters.countRateLimited(slipped: true)
                guard let truncated = ResponseRateLimiter.truncated(response) else { return }
                response = truncated
            }
        }
        counters.countUDP(bytesIn: envelope.data.readableBytes, bytesOut: response.readableBytes)
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
        queryLog.logger.debug("UDP socket error", metadata: ["error": "\(error)"])
    }
}
