import DNSAuthority
import DNSWire
public import Logging
import NIOCore

/// Logs every query that touches a challenge name (DESIGN.md): source, the name as asked
/// (0x20 case kept), type, response code and how many values were served, so a failed
/// validation can be explained.
public struct ChallengeQueryLog: Sendable {
    public let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    func log(query: ByteBuffer, from source: SocketAddress, transport: String, summary: AnswerSummary) {
        let name = (try? DNSMessage(decoding: query))?.questions.first?.name.description ?? "?"
        logger.info(
            "challenge query",
            metadata: [
                "source": "\(source.ipAddress ?? "?"):\(source.port ?? 0)",
                "transport": "\(transport)",
                "name": "\(name)",
                "type": "\(summary.questionType.map { "\($0)" } ?? "?")",
                "rcode": "\(summary.responseCode)",
                "values": "\(summary.challengeValuesServed)",
            ])
    }
}
