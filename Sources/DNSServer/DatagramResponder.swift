import DNSAuthority
import NIOCore

/// What Cairn sends back for one UDP query (DESIGN decision 6): the answer from the current
/// snapshot, the transfer responder's for signed queries and IXFR, then response-rate
/// limiting, every outcome counted. Shared by both UDP paths: NIO's channel and the direct
/// sockets.
struct DatagramResponder: Sendable {
    let authority: Authority
    let queryLog: ChallengeQueryLog
    let transferResponder: (any ZoneTransferResponder)?
    /// `nil` when response-rate limiting is off.
    let rateLimiter: ResponseRateLimiter?

    /// The response to `query` from `remote`, written into `output` where it can be, or `nil`
    /// when nothing is sent.
    @inline(__always)
    func respond(
        to query: ByteBuffer, from remote: SocketAddress, output: consuming ByteBuffer, counters: DNSQueryCounters
    ) -> ByteBuffer? {
        respond(
            to: query, clientPrefix: { ResponseRateLimiter.prefix(of: remote, settings: $0) }, remote: { remote },
            output: output, counters: counters)
    }

    /// The response to `query`; `clientPrefix` gives the sender's prefix for response-rate
    /// limiting, `remote` its `SocketAddress` for the rare query that needs one (a logged
    /// challenge query, a transfer), which the direct path makes from the kernel's socket
    /// address only then: making one costs allocations and formatting the address as text.
    @inline(__always)
    func respond(
        to query: ByteBuffer, clientPrefix: (ResponseRateLimiting) -> (high: UInt64, low: UInt64)?,
        remote: () -> SocketAddress?, output: consuming ByteBuffer, counters: DNSQueryCounters
    ) -> ByteBuffer? {
        guard case (var response, let summary)? = authority.answer(query: query, transport: .udp, output: output)
        else {
            counters.countDropped()
            return nil
        }
        counters.count(summary)
        if summary.touchedChallengeName, let remote = remote() {
            queryLog.log(query: query, from: remote, transport: "udp", summary: summary)
        }
        if summary.needsTransferResponder, let transferResponder, let remote = remote(),
            let responses = transferResponder.respond(to: query, transport: .udp, from: remote)
        {
            guard let first = responses.first else { return nil }
            response = first
        }
        // Signed queries too: a TSIG record anyone can attach must not open a way around the limit.
        if let rateLimiter {
            switch rateLimiter.verdict(query: query, summary: summary, prefix: clientPrefix(rateLimiter.settings)) {
            case .send:
                break
            case .drop:
                counters.countRateLimited(slipped: false)
                counters.countUDP(bytesIn: query.readableBytes, bytesOut: 0)
                return nil
            case .slip:
                counters.countRateLimited(slipped: true)
                guard let truncated = ResponseRateLimiter.truncated(response) else { return nil }
                response = truncated
            }
        }
        counters.countUDP(bytesIn: query.readableBytes, bytesOut: response.readableBytes)
        return response
    }
}
