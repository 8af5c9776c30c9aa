import DNSAuthority
public import DNSWire
import NIOCore
import Synchronization

/// Query counts kept without atomics (DESIGN decision 6) by the handlers of one event loop, read
/// by submitting to that loop, or by one direct UDP socket's thread, read under its lock.
final class DNSQueryCounters {
    /// Responses by the low 8 bits of the response code (REFUSED, NXDOMAIN, BADVERS, …).
    private(set) var byResponseCode = [Int](repeating: 0, count: 32)
    /// Questions by type: 0–255 by value, 256 for every larger type.
    private(set) var byQuestionType = [Int](repeating: 0, count: 257)
    private(set) var truncated = 0
    private(set) var dropped = 0
    /// UDP responses withheld by response-rate limiting, and those sent truncated instead.
    private(set) var rateLimited = 0
    private(set) var slipped = 0
    /// UDP octets received and sent (the ratio is the amplification a flood gets).
    private(set) var udpBytesIn = 0
    private(set) var udpBytesOut = 0

    @inline(__always)
    func count(_ summary: AnswerSummary) {
        byResponseCode[Int(summary.responseCode.rawValue & 31)] &+= 1
        if let type = summary.questionType { byQuestionType[Int(min(type.rawValue, 256))] &+= 1 }
        if summary.truncated { truncated &+= 1 }
    }

    @inline(__always)
    func countDropped() { dropped &+= 1 }

    @inline(__always)
    func countRateLimited(slipped wasSlipped: Bool) {
        rateLimited &+= 1
        if wasSlipped { slipped &+= 1 }
    }

    @inline(__always)
    func countUDP(bytesIn: Int, bytesOut: Int) {
        udpBytesIn &+= bytesIn
        udpBytesOut &+= bytesOut
    }
}

/// Totals over every event loop of a server.
public struct DNSQueryStatistics: Hashable, Sendable {
    /// Responses by response code.
    public var responses: [DNSResponseCode: Int] = [:]
    /// Questions by type (types above 255 in ``otherQuestionTypes``).
    public var questionTypes: [DNSRecordType: Int] = [:]
    /// Questions of a type above 255 (CAA, URI, private types).
    public var otherQuestionTypes = 0
    /// Responses with TC set.
    public var truncated = 0
    /// Queries dropped without a response (responses, shorter than a header).
    public var dropped = 0
    /// UDP responses response-rate limiting withheld (dropped or sent truncated), and of those
    /// the ones sent truncated.
    public var rateLimited = 0
    public var slipped = 0
    /// UDP octets received and sent.
    public var udpBytesIn = 0
    public var udpBytesOut = 0

    /// Every response sent.
    public var answered: Int { responses.values.reduce(0, +) }
}

/// One ``DNSQueryCounters`` per event loop, each touched only on its loop, and those of the
/// direct UDP sockets.
final class DNSQueryCounterSet: Sendable {
    private let counters: [NIOLoopBoundBox<DNSQueryCounters>]

    init(group: any EventLoopGroup) {
        var counters: [NIOLoopBoundBox<DNSQueryCounters>] = []
        for loop in group.makeIterator() {
            counters.append(NIOLoopBoundBox.makeBoxSendingValue(DNSQueryCounters(), eventLoop: loop))
        }
        self.counters = counters
    }

    /// The counters of `loop`; call on that loop.
    func counters(on loop: any EventLoop) -> DNSQueryCounters {
        for bound in counters where bound.eventLoop === loop { return bound.value }
        preconditionFailure("event loop outside the server's group")
    }

    /// Counters of UDP sockets served by threads of their own (``DirectUDPSocket``).
    private let directSockets = Mutex<[DirectUDPSocket]>([])

    func register(_ sockets: [DirectUDPSocket]) {
        directSockets.withLock { $0.append(contentsOf: sockets) }
    }

    func unregister(_ sockets: [DirectUDPSocket]) {
        let gone = Set(sockets.map(ObjectIdentifier.init))
        directSockets.withLock { $0.removeAll { gone.contains(ObjectIdentifier($0)) } }
    }

    func statistics() async -> DNSQueryStatistics {
        var total = DNSQueryStatistics()
        for bound in counters {
            let part: DNSQueryStatistics? = try? await bound.eventLoop.submit { bound.value.statistics }.get()
            if let part { total.add(part) }
        }
        for socket in directSockets.withLock({ $0 }) {
            total.add(socket.statistics)
        }
        return total
    }
}

extension DNSQueryCounters {
    var statistics: DNSQueryStatistics {
        var part = DNSQueryStatistics()
        for (code, count) in byResponseCode.enumerated() where count > 0 {
            part.responses[DNSResponseCode(rawValue: UInt16(code))] = count
        }
        for (type, count) in byQuestionType.prefix(256).enumerated() where count > 0 {
            part.questionTypes[DNSRecordType(rawValue: UInt16(type))] = count
        }
        part.otherQuestionTypes = byQuestionType[256]
        part.truncated = truncated
        part.dropped = dropped
        part.rateLimited = rateLimited
        part.slipped = slipped
        part.udpBytesIn = udpBytesIn
        part.udpBytesOut = udpBytesOut
        return part
    }
}

extension DNSQueryStatistics {
    mutating func add(_ part: DNSQueryStatistics) {
        responses.merge(part.responses, uniquingKeysWith: +)
        questionTypes.merge(part.questionTypes, uniquingKeysWith: +)
        otherQuestionTypes += part.otherQuestionTypes
        truncated += part.truncated
        dropped += part.dropped
        rateLimited += part.rateLimited
        slipped += part.slipped
        udpBytesIn += part.udpBytesIn
        udpBytesOut += part.udpBytesOut
    }
}
