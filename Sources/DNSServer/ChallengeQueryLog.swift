import DNSAuthority
import DNSWire
public import Logging
import NIOCore
import Synchronization

/// Logs queries that touch a challenge name (DESIGN.md): source, the name as asked (0x20 case
/// kept), type, response code and how many values were served, so a failed validation can be
/// explained.
///
/// At most ``maximumPerSecond`` lines a second: a CA validating a name asks a handful of times
/// from a few vantage points, while a flood of challenge queries (a resolver's retries, an
/// attacker who knows the names) would otherwise cost a decoded message and a written line per
/// query. The queries past the limit are counted, and the count is logged (`notice`, "challenge
/// queries not logged") with the next line after their second. Every query is still counted in
/// the DNS metrics.
public struct ChallengeQueryLog: Sendable {
    public let logger: Logger
    /// The most challenge queries logged in one second.
    public let maximumPerSecond: Int
    private let window: Window
    private let clock: @Sendable () -> Int64

    private final class Window: Sendable {
        struct Counts {
            var second: Int64 = .min
            var logged = 0
            var suppressed = 0
        }
        let counts = Mutex(Counts())
    }

    /// - Parameters:
    ///   - maximumPerSecond: the most queries logged in one second.
    ///   - clock: the current second of a monotonic clock; seconds since this log was made when
    ///     `nil` (tests pass their own).
    public init(logger: Logger, maximumPerSecond: Int = 100, clock: (@Sendable () -> Int64)? = nil) {
        self.logger = logger
        self.maximumPerSecond = maximumPerSecond
        self.window = Window()
        let origin = ContinuousClock.now
        self.clock = clock ?? { (ContinuousClock.now - origin).components.seconds }
    }

    func log(query: ByteBuffer, from source: SocketAddress, transport: String, summary: AnswerSummary) {
        // Below `info` nothing is logged: no window, no decoding.
        guard logger.logLevel <= .info else { return }
        let second = clock()
        let (logs, notLogged) = window.counts.withLock { counts -> (Bool, Int) in
            var notLogged = 0
            if counts.second != second {
                notLogged = counts.suppressed
                counts = Window.Counts(second: second)
            }
            guard counts.logged < maximumPerSecond else {
                counts.suppressed += 1
                return (false, notLogged)
            }
            counts.logged += 1
            return (true, notLogged)
        }
        if notLogged > 0 {
            logger.notice(
                "challenge queries not logged",
                metadata: ["count": "\(notLogged)", "limit": "\(maximumPerSecond) per second"])
        }
        guard logs else { return }
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
