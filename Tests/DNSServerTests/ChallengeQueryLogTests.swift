import CairnTestSupport
import DNSAuthority
import DNSWire
import NIOCore
import Synchronization
import Testing

@testable import DNSServer

/// The challenge query log keeps to its limit per second and says how many queries it left out.
@Suite struct ChallengeQueryLogTests {
    final class Clock: Sendable {
        let second = Atomic<Int64>(0)
    }

    static func query(_ name: String) throws -> ByteBuffer {
        try DNSMessage(questions: [DNSQuestion(name: DNSName(name), type: .txt)]).encoded()
    }

    @Test func atMostTheLimitIsLoggedEachSecondAndTheRestIsCountedOnce() throws {
        let records = LogRecords()
        let clock = Clock()
        let log = ChallengeQueryLog(logger: records.logger(), maximumPerSecond: 3) {
            clock.second.load(ordering: .relaxed)
        }
        let source = try SocketAddress(ipAddress: "192.0.2.7", port: 5353)
        let summary = AnswerSummary(
            responseCode: .noError, questionType: .txt, touchedChallengeName: true, challengeValuesServed: 1)
        let query = try Self.query("_acme-challenge.Example.test")
        for _ in 0..<10 { log.log(query: query, from: source, transport: "udp", summary: summary) }
        #expect(records.all.map(\.message) == Array(repeating: "challenge query", count: 3))
        #expect(records.all.first?.metadata["name"] == "_acme-challenge.Example.test.")

        clock.second.store(1, ordering: .relaxed)
        log.log(query: query, from: source, transport: "tcp", summary: summary)
        let later = records.all.dropFirst(3)
        #expect(later.map(\.message) == ["challenge queries not logged", "challenge query"])
        #expect(later.first?.metadata["count"] == "7")
        // Nothing was left out in second 1: the next second logs no count.
        clock.second.store(2, ordering: .relaxed)
        log.log(query: query, from: source, transport: "udp", summary: summary)
        #expect(records.all.dropFirst(5).map(\.message) == ["challenge query"])
    }
}
