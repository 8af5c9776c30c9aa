import DNSAuthority
import DNSWire
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import DNSServer

/// The DNS-over-TCP pipeline (framing + ``DNSTCPHandler``) on an `EmbeddedEventLoop` whose clock
/// the test moves with `advanceTime(by:)`: deadlines are checked to the millisecond, without
/// waiting real seconds and without timing in the outcome.
@Suite struct DNSTCPHandlerTests {
    /// One accepted connection, set up as the server sets it up, on an event loop the test drives.
    struct Connection {
        let loop: EmbeddedEventLoop
        let channel: EmbeddedChannel
        let counters: DNSQueryCounters

        init(messageTimeout: TimeAmount = .seconds(10)) throws {
            loop = EmbeddedEventLoop()
            channel = EmbeddedChannel(loop: loop)
            counters = DNSQueryCounters()
            let logger = Logger(label: "DNSTCPHandlerTests") { _ in SwiftLogNoOpLogHandler() }
            try DNSTCPHandler.addHandlers(
                to: channel.pipeline.syncOperations, authority: try Authority(zones: [try DNSTCPHandlerTests.zone()]),
                queryLog: ChallengeQueryLog(logger: logger), counters: counters, messageTimeout: messageTimeout)
            channel.connect(to: try SocketAddress(ipAddress: "192.0.2.1", port: 40000), promise: nil)
        }

        /// Delivers `bytes` as one read from the client.
        func receive(_ bytes: [UInt8]) throws {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }

        /// Every write the handler sent, as written.
        func frames() throws -> [ByteBuffer] {
            var frames: [ByteBuffer] = []
            while let frame = try channel.readOutbound(as: ByteBuffer.self) { frames.append(frame) }
            return frames
        }

        /// Every write the handler sent, each as one frame: the 2-byte length must match the payload.
        func responses() throws -> [DNSMessage] {
            try frames().map { frame in
                var frame = frame
                let length = frame.readInteger(as: UInt16.self)
                #expect(length.map(Int.init) == frame.readableBytes, "the length prefix does not match the payload")
                return try DNSMessage(decoding: frame)
            }
        }

        var isOpen: Bool { channel.isActive }

        /// The last `autoRead` the handler set, if it set one.
        var autoRead: Bool? {
            channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool
        }

        /// Closes the channel if the handler did not, and checks nothing was left unread.
        func finish() throws {
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }
    }

    static func zone() throws -> Zone {
        try Zone(
            apex: "served.test",
            records: [
                DNSRecord(
                    name: "served.test", ttl: 300,
                    rdata: .soa(
                        DNSRData.SOA(
                            primaryNameserver: "ns1.served.test", responsibleMailbox: "hostmaster.served.test",
                            serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 30))),
                DNSRecord(name: "served.test", ttl: 300, rdata: .ns(DNSRData.NS(nameserver: "ns1.served.test"))),
                DNSRecord(name: "ns1.served.test", ttl: 300, rdata: .a(DNSRData.A(address: IPv4Address(127, 0, 0, 1)))),
                DNSRecord(name: "txt.served.test", ttl: 300, rdata: .txt(DNSRData.TXT("hello"))),
            ])
    }

    /// A TXT query for `txt.served.test` with its 2-byte length prefix.
    static func framedQuery(id: UInt16) throws -> [UInt8] {
        let message = DNSMessage(
            header: DNSHeader(id: id), questions: [DNSQuestion(name: "txt.served.test", type: .txt)], edns: nil)
        let query = Array(try message.encoded().readableBytesView)
        return [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
    }

    @Test func answersEachQueryWithOneLengthPrefixedWrite() throws {
        let connection = try Connection()
        try connection.receive(try Self.framedQuery(id: 1) + Self.framedQuery(id: 2))
        let responses = try connection.responses()
        #expect(responses.map(\.header.id) == [1, 2], "pipelined queries are answered in order")
        #expect(responses.allSatisfy { $0.answers.count == 1 && $0.header.isAuthoritative })
        #expect(connection.isOpen)
        try connection.finish()
    }

    /// A client that stops reading its answers: once the connection is not writable, the queries
    /// of a read wait unanswered (a read can hold thousands; `make attack`'s non-readers made the
    /// server hold 87 MB of answers) and reading stays off; when the client reads again, they are
    /// answered in order and reading resumes. Each answer waits in a buffer of its own size.
    @Test func queriesWaitUnansweredWhileTheClientDoesNotReadItsAnswers() throws {
        let connection = try Connection()
        try connection.receive(try Self.framedQuery(id: 1))
        #expect(try connection.responses().map(\.header.id) == [1])
        connection.channel.isWritable = false
        connection.channel.pipeline.fireChannelWritabilityChanged()
        try connection.receive(try (2...101).flatMap { try Self.framedQuery(id: UInt16($0)) })
        #expect(try connection.responses().isEmpty, "answers were made for a client that does not read them")
        #expect(connection.autoRead == false, "reading went on")
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        let frames = try connection.frames()
        #expect(frames.allSatisfy { $0.capacity < 2 * $0.readableBytes }, "an answer holds a buffer twice its size")
        let ids = try frames.map { frame in
            var frame = frame; frame.moveReaderIndex(forwardBy: 2); return try DNSMessage(decoding: frame).header.id
        }
        #expect(ids == Array(2...101), "the waiting queries, in order")
        #expect(connection.autoRead == true, "reading did not resume")
        try connection.finish()
    }

    @Test func idleConnectionIsClosedAtTheDeadlineAndNotBefore() throws {
        let connection = try Connection(messageTimeout: .seconds(10))
        connection.loop.advanceTime(by: .seconds(10) - .milliseconds(1))
        #expect(connection.isOpen, "closed before the deadline")
        connection.loop.advanceTime(by: .milliseconds(1))
        #expect(!connection.isOpen, "an idle connection outlived its deadline")
        try connection.finish()
    }

    /// A client that sends one byte a second never completes its query within the deadline:
    /// partial frames do not restart it, so the connection closes 10 s after it opened.
    @Test func tricklingClientIsClosedAtTheDeadline() throws {
        let connection = try Connection(messageTimeout: .seconds(10))
        let framed = try Self.framedQuery(id: 7)
        var sent = 0
        while connection.isOpen, sent < framed.count {
            try connection.receive([framed[sent]])
            sent += 1
            connection.loop.advanceTime(by: .seconds(1))
        }
        #expect(!connection.isOpen, "the trickling client kept its connection")
        #expect(sent == 10, "closed after \(sent) bytes, one a second, with a 10 s deadline")
        #expect(sent < framed.count)
        #expect(try connection.responses().isEmpty)
        try connection.finish()
    }

    /// Each complete query restarts the deadline: three queries 9 s apart keep the connection
    /// for 27 s, and it closes 10 s after the last.
    @Test func eachCompleteQueryRestartsTheDeadline() throws {
        let connection = try Connection(messageTimeout: .seconds(10))
        for id in UInt16(1)...3 {
            try connection.receive(try Self.framedQuery(id: id))
            connection.loop.advanceTime(by: .seconds(9))
            #expect(connection.isOpen, "closed \(9 * Int(id)) s in, 9 s after query \(id)")
        }
        #expect(try connection.responses().map(\.header.id) == [1, 2, 3])
        connection.loop.advanceTime(by: .seconds(1))
        #expect(!connection.isOpen, "still open 10 s after the last query")
        try connection.finish()
    }

    /// A zero-length message (length prefix 0x0000) closes the connection at once, as Knot does,
    /// and counts as dropped; it does not hold the slot until the deadline.
    @Test func zeroLengthMessageClosesTheConnectionAtOnce() throws {
        let connection = try Connection(messageTimeout: .seconds(10))
        try connection.receive([0x00, 0x00])
        #expect(!connection.isOpen, "a zero-length message left the connection open")
        #expect(connection.counters.dropped == 1)
        #expect(try connection.responses().isEmpty)
        try connection.finish()
    }

    /// Queries before the zero-length message in the same read are answered; nothing after it is.
    @Test func answersBeforeAZeroLengthMessageAreSentThenTheConnectionCloses() throws {
        let connection = try Connection()
        try connection.receive(try Self.framedQuery(id: 1) + [0x00, 0x00] + Self.framedQuery(id: 2))
        #expect(try connection.responses().map(\.header.id) == [1])
        #expect(!connection.isOpen)
        #expect(connection.counters.dropped == 1)
        try connection.finish()
    }
}
