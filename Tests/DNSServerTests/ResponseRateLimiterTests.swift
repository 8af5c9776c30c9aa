import DNSAuthority
import DNSWire
import NIOCore
import Synchronization
import Testing

@testable import DNSServer

#if canImport(Glibc)
    import Glibc
#endif

/// Response-rate limiting's buckets on a clock the test sets: what is sent, slipped and dropped
/// per prefix, kind and name, and the truncated response a slip sends.
@Suite struct ResponseRateLimiterTests {
    final class TestClock: Sendable {
        let second = Mutex<UInt32>(1_000)
        func advance() { second.withLock { $0 += 1 } }
    }

    static func limiter(
        _ settings: ResponseRateLimiting = ResponseRateLimiting(
            responsesPerSecond: 5, challengeResponsesPerSecond: 50, slip: 2, exemptsLoopback: false),
        clock: TestClock
    ) -> ResponseRateLimiter {
        ResponseRateLimiter(settings, clock: { clock.second.withLock { $0 } })
    }

    static func query(_ name: String, _ type: DNSRecordType = .txt) throws -> ByteBuffer {
        try DNSMessage(header: DNSHeader(id: 7), questions: [DNSQuestion(name: try DNSName(name), type: type)])
            .encoded()
    }

    static func address(_ text: String) throws -> SocketAddress { try SocketAddress(ipAddress: text, port: 5353) }

    static let answer = AnswerSummary(responseCode: .noError, questionType: .txt)
    static let nameError = AnswerSummary(responseCode: .nameError, questionType: .txt)

    func verdicts(
        _ limiter: ResponseRateLimiter, _ count: Int, name: String = "a.example.test", from: String = "192.0.2.1",
        summary: AnswerSummary = answer
    ) throws -> [ResponseRateLimiter.Verdict] {
        let query = try Self.query(name)
        let remote = try Self.address(from)
        return (0..<count).map { _ in limiter.verdict(query: query, summary: summary, from: remote) }
    }

    @Test func eachBucketGetsItsRatePerSecondThenEverySecondResponseSlips() throws {
        let clock = TestClock()
        let limiter = Self.limiter(clock: clock)
        #expect(
            try verdicts(limiter, 11)
                == Array(repeating: .send, count: 5) + [.drop, .slip, .drop, .slip, .drop, .slip])
        clock.advance()
        #expect(try verdicts(limiter, 6) == Array(repeating: .send, count: 5) + [.drop])
    }

    @Test(arguments: [0, 1])
    func slipZeroDropsAllAndOneTruncatesAll(slip: Int) throws {
        let limiter = Self.limiter(
            ResponseRateLimiting(responsesPerSecond: 1, slip: slip, exemptsLoopback: false), clock: TestClock())
        #expect(try verdicts(limiter, 4) == [.send] + Array(repeating: slip == 0 ? .drop : .slip, count: 3))
    }

    /// The default table (65,536 buckets of 16 bytes) is made without being written: its pages
    /// take memory only as buckets on them are used.
    @Test func theBucketTableTakesMemoryOnlyWhereBucketsAreUsed() throws {
        #if os(Linux)
            let limiter = Self.limiter(
                ResponseRateLimiting(responsesPerSecond: 5, exemptsLoopback: false), clock: TestClock())
            let table = limiter.tableMemory
            #expect(table.count == 1 << 20)
            func residentPages() -> Int {
                let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
                var resident = [UInt8](repeating: 0, count: (table.count + pageSize - 1) / pageSize)
                #expect(mincore(UnsafeMutableRawPointer(mutating: table.baseAddress), table.count, &resident) == 0)
                return resident.filter { $0 & 1 != 0 }.count
            }
            #expect(residentPages() == 0)
            _ = try verdicts(limiter, 3)
            // The key's probe window, four slots, may reach over one page boundary.
            #expect((1...2).contains(residentPages()))
        #else
            print("mincore's page residency is checked on Linux only")
        #endif
    }

    @Test func aPrefixSharesOneBucketAndOtherPrefixesAreUntouched() throws {
        let limiter = Self.limiter(clock: TestClock())
        _ = try verdicts(limiter, 5, from: "192.0.2.1")
        #expect(try verdicts(limiter, 1, from: "192.0.2.200") == [.drop])
        #expect(try verdicts(limiter, 5, from: "192.0.3.1") == Array(repeating: .send, count: 5))
        _ = try verdicts(limiter, 5, from: "2001:db8:0:1::1")
        #expect(try verdicts(limiter, 1, from: "2001:db8:0:ff::2") == [.drop])  // the same /56
        #expect(try verdicts(limiter, 1, from: "2001:db8:0:100::1") == [.send])
    }

    @Test func answersAreCountedPerNameNXDOMAINPerPrefix() throws {
        let limiter = Self.limiter(clock: TestClock())
        _ = try verdicts(limiter, 5, name: "a.example.test")
        #expect(try verdicts(limiter, 1, name: "A.Example.TEST") == [.drop])  // case folded
        #expect(try verdicts(limiter, 1, name: "b.example.test") == [.send])
        // NXDOMAIN bait: random names all count against the prefix's one NXDOMAIN bucket.
        let bait = try (0..<8).map { index in
            try verdicts(limiter, 1, name: "random\(index).example.test", summary: Self.nameError)[0]
        }
        #expect(bait == Array(repeating: .send, count: 5) + [.drop, .slip, .drop])
        #expect(
            try verdicts(limiter, 1, summary: AnswerSummary(responseCode: .refused, questionType: .txt)) == [.send])
    }

    @Test func challengeAnswersHaveTheGenerousBudget() throws {
        let limiter = Self.limiter(clock: TestClock())
        let hit = AnswerSummary(responseCode: .noError, questionType: .txt, challengeValuesServed: 2)
        #expect(try verdicts(limiter, 51, summary: hit) == Array(repeating: .send, count: 50) + [.drop])
    }

    @Test func loopbackIsExemptUnlessConfiguredOtherwise() throws {
        let exempt = Self.limiter(ResponseRateLimiting(responsesPerSecond: 1), clock: TestClock())
        for source in ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"] {
            #expect(try verdicts(exempt, 10, from: source).allSatisfy { $0 == .send }, "\(source)")
        }
        #expect(try verdicts(exempt, 3, from: "192.0.2.1") == [.send, .drop, .slip])
        let strict = Self.limiter(
            ResponseRateLimiting(responsesPerSecond: 1, exemptsLoopback: false), clock: TestClock())
        #expect(try verdicts(strict, 3, from: "127.0.0.1") == [.send, .drop, .slip])
    }

    /// A flood of distinct prefixes reuses the fixed table: nothing grows, and a bucket that was
    /// taken over starts afresh.
    @Test func aFloodOfPrefixesReusesTheFixedTable() throws {
        let clock = TestClock()
        let limiter = Self.limiter(
            ResponseRateLimiting(responsesPerSecond: 2, exemptsLoopback: false, tableSize: 64), clock: clock)
        let query = try Self.query("a.example.test")
        for index in 0..<20_000 {
            let remote = try Self.address("10.\(index >> 8 & 255).\(index & 255).1")
            #expect(limiter.verdict(query: query, summary: Self.answer, from: remote) == .send)
        }
        clock.advance()
        #expect(try verdicts(limiter, 4, from: "192.0.2.1") == [.send, .send, .drop, .slip])
    }

    @Test func aSlipIsTheHeaderAndQuestionWithTC() throws {
        var header = DNSHeader(id: 0x4242)
        header.isResponse = true
        header.isAuthoritative = true
        let name = try DNSName("a.example.test")
        let response = try DNSMessage(
            header: header, questions: [DNSQuestion(name: name, type: .txt)],
            answers: [DNSRecord(name: name, ttl: 60, rdata: .txt(DNSRData.TXT("value")))]
        ).encoded()
        let slipped = try DNSMessage(decoding: try #require(ResponseRateLimiter.truncated(response)))
        #expect(slipped.header.id == 0x4242)
        #expect(slipped.header.isTruncated)
        #expect(slipped.header.isResponse)
        #expect(slipped.questions == [DNSQuestion(name: name, type: .txt)])
        #expect(slipped.answers.isEmpty && slipped.authority.isEmpty && slipped.additional.isEmpty)
        // Bytes that are no message are not sent; a question that cannot be read is left out.
        #expect(ResponseRateLimiter.truncated(ByteBuffer(bytes: [1, 2, 3])) == nil)
        var pointer = ByteBuffer(bytes: [0, 1, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 16, 0, 1])
        let headerOnly = try #require(ResponseRateLimiter.truncated(pointer))
        #expect(headerOnly.readableBytes == 12)
        pointer.moveReaderIndex(to: 0)
    }
}
