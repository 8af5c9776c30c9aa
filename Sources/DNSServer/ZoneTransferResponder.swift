public import DNSAuthority
import DNSWire
public import NIOCore

/// Answers what a primary answers beyond the ``Authority``: zone transfers (AXFR, RFC 5936; IXFR,
/// RFC 1995) and queries signed with TSIG (RFC 8945), which secondaries send for their SOA
/// checks and transfers. The front-ends hand such a query over once the authority's own answer
/// shows what it is; every other query never reaches this.
public protocol ZoneTransferResponder: Sendable {
    /// The responses to `query`, in order (several for a transfer over TCP); `nil` to send the
    /// authority's answer after all.
    ///
    /// - Parameters:
    ///   - query: the query, from reader index to writer index.
    ///   - remote: the client's address, which transfer permissions name.
    func respond(to query: ByteBuffer, transport: DNSTransport, from remote: SocketAddress) -> [ByteBuffer]?
}

extension AnswerSummary {
    /// Whether a ``ZoneTransferResponder`` answers this query instead of the authority.
    var needsTransferResponder: Bool {
        querySigned || questionType == .axfr || questionType == .ixfr
    }
}
