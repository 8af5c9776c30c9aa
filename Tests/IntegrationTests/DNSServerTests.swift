import CairnApplication
import CairnTestSupport
import DNSAuthority
import DNSServer
import DNSWire
import Foundation
import NIOCore
import NIOPosix
import Testing

/// The DNS front-ends over real sockets with real clients (dig, kdig), IPv4 and IPv6.
@Suite(.serialized, .timeLimit(.minutes(2))) struct DNSServerTests {
    static func zone() throws -> Zone {
        func record(_ name: DNSName, _ rdata: DNSRData, ttl: UInt32 = 300) -> DNSRecord {
            DNSRecord(name: name, ttl: ttl, rdata: rdata)
        }
        var records = [
            record(
                "served.test",
                .soa(
                    DNSRData.SOA(
                        primaryNameserver: "ns1.served.test", responsibleMailbox: "hostmaster.served.test", serial: 5,
                        refresh: 3600, retry: 600, expire: 86400, minimum: 30))),
            record("served.test", .ns(DNSRData.NS(nameserver: "ns1.served.test"))),
            record("ns1.served.test", .a(DNSRData.A(address: IPv4Address(127, 0, 0, 1)))),
            record("txt.served.test", .txt(DNSRData.TXT("hello"))),
        ]
        for index in 0..<30 {
            records.append(
                record("big.served.test", .txt(DNSRData.TXT(String(repeating: "b", count: 50) + "\(index)"))))
        }
        return try Zone(apex: "served.test", records: records)
    }

    static let cases: [(name: String, type: String, status: String, answers: Int, aa: Bool)] = [
        ("served.test", "SOA", "NOERROR", 1, true),
        ("served.test", "NS", "NOERROR", 1, true),
        ("txt.served.test", "TXT", "NOERROR", 1, true),
        ("txt.served.test", "AAAA", "NOERROR", 0, true),
        ("nothere.served.test", "A", "NXDOMAIN", 0, true),
        ("www.example.org", "A", "REFUSED", 0, false),
    ]

    @Test(arguments: ["dig", "kdig"], [false, true])
    func answersOverUDPAndTCPOnBothFamilies(tool: String, tcp: Bool) async throws {
        try await withDNSServer(zones: [try Self.zone()]) { server in
            for (host, port) in [("127.0.0.1", server.ipv4Port), ("::1", server.ipv6Port)] {
                for item in Self.cases {
                    let result = try await Dig.query(
                        tool: tool, host: host, port: port, name: item.name, type: item.type,
                        extra: tcp ? ["+tcp"] : [])
                    let context = "\(tool) \(tcp ? "tcp" : "udp") \(host) \(item.name) \(item.type):\n\(result.output)"
                    #expect(result.status == item.status, "\(context)")
                    #expect(result.answers.count == item.answers, "\(context)")
                    #expect(result.flags.contains("aa") == item.aa, "\(context)")
                    if item.status == "NXDOMAIN" || (item.status == "NOERROR" && item.answers == 0) {
                        #expect(result.authority.first?.contains("SOA") == true, "\(context)")
                    }
                }
            }
        }
    }

    /// Both UDP paths, direct sockets on threads of their own and NIO's datagram channels, send
    /// for every query of a burst (queued faster than they read, so several come in one
    /// `recvmmsg`) exactly the bytes the authority answers it with, over IPv4 and IPv6, and
    /// count each one, including a datagram that is not a query.
    @Test(arguments: [DNSServerConfiguration.UDPIO.direct, .eventLoop])
    func everyDatagramOfABurstGetsTheAuthoritysAnswer(udpIO: DNSServerConfiguration.UDPIO) async throws {
        try await withDNSServer(zones: [try Self.zone()], configure: { $0.udpIO = udpIO }) { server in
            let questions: [(DNSName, DNSRecordType)] = [
                ("served.test", .soa), ("txt.served.test", .txt), ("nothere.served.test", .a),
                ("www.example.org", .a), ("big.served.test", .txt), ("served.test", .ns),
            ]
            var queries: [[UInt8]] = []
            var expected: [UInt16: [UInt8]] = [:]
            for id in UInt16(1)...300 {
                let (name, type) = questions[Int(id) % questions.count]
                let query = try queryBytes(name, type, id: id, edns: id % 2 == 0 ? EDNS() : nil)
                queries.append(query)
                let answer = try #require(
                    server.authority.answer(query: ByteBuffer(bytes: query), transport: .udp, output: ByteBuffer()))
                expected[id] = Array(answer.response.readableBytesView)
            }
            for (host, port) in [("127.0.0.1", server.ipv4Port), ("::1", server.ipv6Port)] {
                // The datagram that is no query goes first, so it is counted before the last answer.
                let responses = try await DNSTestClient.burst(
                    [[0x00, 0x01]] + queries, host: host, port: port, from: host, wait: .seconds(10),
                    expecting: queries.count)
                #expect(responses.count == queries.count, "\(udpIO) \(host): \(responses.count) responses")
                var unmatched = 0
                for response in responses {
                    let id = UInt16(response[0]) << 8 | UInt16(response[1])
                    if expected[id] != response { unmatched += 1 }
                }
                #expect(unmatched == 0, "\(udpIO) \(host): \(unmatched) responses differ from the authority's")
            }
            let statistics = await server.server.statistics()
            #expect(statistics.answered == 2 * queries.count, "\(statistics)")
            #expect(statistics.dropped == 2, "\(statistics)")
            #expect(statistics.udpBytesIn == 2 * queries.reduce(0) { $0 + $1.count }, "\(statistics)")
        }
    }

    /// A stopped server's UDP sockets are closed and their threads gone: a new server binds the
    /// same port (the probe before the bind finds nobody on it) and answers there.
    @Test(arguments: [DNSServerConfiguration.UDPIO.direct, .eventLoop])
    func aStoppedServerLeavesItsPortFree(udpIO: DNSServerConfiguration.UDPIO) async throws {
        let query = try queryBytes("txt.served.test", .txt)
        var port = 0
        for round in 0..<3 {
            port = try await withDNSServer(
                zones: [try Self.zone()],
                configure: {
                    $0.udpIO = udpIO
                    $0.listenAddresses = [DNSListenAddress(host: "127.0.0.1", port: port)]
                }
            ) { server in
                let response = try checkedResponse(
                    try await DNSTestClient.exchange(query, host: "127.0.0.1", port: server.ipv4Port, transport: .udp))
                #expect(response.answers.count == 1, "round \(round)")
                return server.ipv4Port
            }
        }
        #expect(port != 0)
    }

    /// A thread of the direct UDP path asks the scheduler for the shortest time slice before it
    /// serves, so its wake-ups preempt NIO's event loops busy with (hostile) TCP rather than wait
    /// out their slices. One answered datagram proves a serving thread got that far.
    @Test func directUDPThreadsRunOnTheShortestSchedulerSlice() async throws {
        let kernel = ProcessInfo.processInfo.operatingSystemVersion
        guard (kernel.majorVersion, kernel.minorVersion) >= (6, 12),
            (try? String(contentsOfFile: "/proc/thread-self/sched", encoding: .utf8))?.contains("se.slice") == true
        else {
            print("skipped: Linux \(kernel.majorVersion).\(kernel.minorVersion) ignores a requested slice or hides it")
            return
        }
        try await withDNSServer(zones: [try Self.zone()], configure: { $0.udpIO = .direct }) { server in
            let query = try queryBytes("txt.served.test", .txt)
            let response = try checkedResponse(
                try await DNSTestClient.exchange(query, host: "127.0.0.1", port: server.ipv4Port, transport: .udp))
            #expect(response.answers.count == 1)
            let tasks = "/proc/self/task"
            let slices = try FileManager.default.contentsOfDirectory(atPath: tasks).compactMap { thread in
                let lines = (try? String(contentsOfFile: "\(tasks)/\(thread)/sched", encoding: .utf8))?.split(
                    separator: "\n")
                return lines?.first { $0.hasPrefix("se.slice") }?.split(separator: ":").last?.trimmingCharacters(
                    in: .whitespaces)
            }
            #expect(slices.contains("100000"), "time slices of the test process's threads: \(Set(slices))")
        }
    }

    /// Each direct UDP thread is named `cairn-udp-<slot>` and, unless turned off, runs only on
    /// the slot-th CPU the process may use (modulo their count), as Knot pins its UDP workers.
    @Test(arguments: [true, false])
    func directUDPThreadsArePinnedOnePerAllowedCPU(pinned: Bool) async throws {
        let allowed = try #require(AvailableCores.allowed(statusFile: "/proc/self/status"))
        let sockets = 3
        try await withDNSServer(
            zones: [try Self.zone()],
            configure: {
                $0.udpIO = .direct
                $0.udpSocketsPerAddress = sockets
                $0.pinsUDPThreads = pinned
            }
        ) { _ in
            // The server reports itself bound once every UDP thread has set itself up.
            let tasks = "/proc/self/task"
            var threads: [String] = []
            for thread in try FileManager.default.contentsOfDirectory(atPath: tasks) {
                guard
                    let name = try? String(contentsOfFile: "\(tasks)/\(thread)/comm", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines),
                    name.hasPrefix("cairn-udp-")
                else { continue }
                threads.append("\(name) on \(AvailableCores.allowed(statusFile: "\(tasks)/\(thread)/status") ?? [])")
            }
            // Two listen addresses (127.0.0.1 and ::1), each with its own sockets and threads.
            let expected = (0..<sockets).flatMap { slot in
                Array(repeating: "cairn-udp-\(slot) on \(pinned ? [allowed[slot % allowed.count]] : allowed)", count: 2)
            }
            #expect(threads.sorted() == expected.sorted(), "allowed CPUs of the test process: \(allowed)")
        }
    }

    /// Every UDP socket asks for the configured receive buffer: the kernel grants twice the
    /// request, capped at `net.core.rmem_max` (socket(7)).
    @Test(arguments: [DNSServerConfiguration.UDPIO.direct, .eventLoop])
    func udpSocketsAskForTheConfiguredReceiveBuffer(udpIO: DNSServerConfiguration.UDPIO) async throws {
        let requested = 96 << 10
        let maximum = try #require(
            Int(
                try String(contentsOfFile: "/proc/sys/net/core/rmem_max", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        try await withDNSServer(
            zones: [try Self.zone()],
            configure: {
                $0.udpIO = udpIO
                $0.udpSocketsPerAddress = 2
                $0.udpReceiveBufferSize = requested
                $0.listenAddresses = [DNSListenAddress(host: "127.0.0.1", port: 0)]
            }
        ) { server in
            var buffers: [Int32] = []
            for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                guard let fd = Int32(entry) else { continue }
                var local = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let isLocal = withUnsafeMutablePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
                }
                var type: Int32 = 0
                var typeLength = socklen_t(MemoryLayout<Int32>.size)
                guard isLocal, local.sin_family == sa_family_t(AF_INET),
                    UInt16(bigEndian: local.sin_port) == UInt16(server.ipv4Port),
                    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) == 0, type == Int32(SOCK_DGRAM.rawValue)
                else { continue }
                var buffer: Int32 = 0
                var bufferLength = socklen_t(MemoryLayout<Int32>.size)
                #expect(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, &bufferLength) == 0)
                buffers.append(buffer)
            }
            let granted = Int32(2 * min(requested, maximum))
            #expect(buffers == [granted, granted], "SO_RCVBUF of the server's UDP sockets")
        }
    }

    @Test func truncatedOverUDPCompleteOverTCP() async throws {
        try await withDNSServer(zones: [try Self.zone()]) { server in
            let udp = try await Dig.query(
                host: "127.0.0.1", port: server.ipv4Port, name: "big.served.test", type: "TXT",
                extra: ["+ignore", "+noedns"])
            #expect(udp.flags.contains("tc"), "\(udp.output)")
            #expect(udp.answers.isEmpty)
            let tcp = try await Dig.query(
                host: "127.0.0.1", port: server.ipv4Port, name: "big.served.test", type: "TXT", extra: ["+tcp"])
            #expect(!tcp.flags.contains("tc"))
            #expect(tcp.answers.count == 30)
            // Raw, through libldns too.
            let query = try queryBytes("big.served.test", .txt, edns: nil)
            let truncated = try checkedResponse(
                try await DNSTestClient.exchange(query, host: "127.0.0.1", port: server.ipv4Port, transport: .udp))
            #expect(truncated.header.isTruncated)
            let full = try checkedResponse(
                try await DNSTestClient.exchange(query, host: "127.0.0.1", port: server.ipv4Port, transport: .tcp))
            #expect(full.answers.count == 30)
        }
    }

    /// A client that never reads its answers can make the kernel hold no more than 16 KiB of
    /// them unsent on the server's side (TCP_NOTSENT_LOWAT): without the bound the kernel's send
    /// buffer grew to 4 MiB per connection under `make attack`, 70,000 answers the server made
    /// for nobody, with legitimate UDP's p99 at 1.6 ms instead of 0.4.
    @Test func acceptedConnectionsBoundTheAnswersTheKernelHoldsUnsent() async throws {
        try await withDNSServer(zones: [try Self.zone()]) { server in
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
            guard case .response = try await connection.ask(try queryBytes("txt.served.test", .txt)) else {
                Issue.record("no answer over TCP")
                return
            }
            // The server's end of this connection: a socket of this process whose local port is
            // the server's and that has a peer (the listening socket has none).
            var lowats: [Int32] = []
            for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                guard let fd = Int32(entry) else { continue }
                var local = sockaddr_in()
                var peer = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let isLocal = withUnsafeMutablePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
                }
                guard isLocal, local.sin_family == sa_family_t(AF_INET),
                    UInt16(bigEndian: local.sin_port) == UInt16(server.ipv4Port)
                else { continue }
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let connected = withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) == 0 }
                }
                var type: Int32 = 0
                var typeLength = socklen_t(MemoryLayout<Int32>.size)
                guard connected, getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &typeLength) == 0,
                    type == Int32(SOCK_STREAM.rawValue)
                else { continue }
                var lowat: Int32 = 0
                var lowatLength = socklen_t(MemoryLayout<Int32>.size)
                #expect(getsockopt(fd, Int32(IPPROTO_TCP), TCP_NOTSENT_LOWAT, &lowat, &lowatLength) == 0)
                lowats.append(lowat)
            }
            #expect(lowats == [16 << 10], "TCP_NOTSENT_LOWAT of the server's accepted sockets")
            await connection.close()
        }
    }

    @Test func pipelinedQueriesOnOneConnectionAreAllAnswered() async throws {
        try await withDNSServer(zones: [try Self.zone()]) { server in
            let queries = try (0..<20).map { index in
                try queryBytes(
                    index % 2 == 0 ? "txt.served.test" : "nothere.served.test", .txt, id: UInt16(100 + index))
            }
            let responses = try await DNSTestClient.pipeline(queries, host: "::1", port: server.ipv6Port)
            #expect(responses.count == 20)
            let decoded = try responses.map(checkedResponse)
            #expect(Set(decoded.map(\.header.id)) == Set((0..<20).map { UInt16(100 + $0) }))
            for response in decoded {
                let expected: DNSResponseCode = response.header.id % 2 == 0 ? .noError : .nameError
                #expect(response.responseCode == expected)
            }
        }
    }

    @Test func everyResponseParsesWithLibldns() async throws {
        try await withDNSServer(zones: [try Self.zone()]) { server in
            let queries: [[UInt8]] = [
                try queryBytes("txt.served.test", .txt), try queryBytes("served.test", .any),
                try queryBytes("nothere.served.test", .a, edns: nil), try queryBytes("www.example.org", .a),
                try queryBytes("served.test", .soa, edns: EDNS(version: 1)),
            ]
            for query in queries {
                for transport in [DNSTestClient.Transport.udp, .tcp] {
                    let response = try await DNSTestClient.exchange(
                        query, host: "127.0.0.1", port: server.ipv4Port, transport: transport)
                    #expect(throws: Never.self) { try checkedResponse(response) }
                }
            }
        }
    }

    /// Over a real socket: a client that sends one byte every 400 ms never completes its query
    /// within the 1.5 s deadline, and the server closes the connection. The deadline's exact
    /// arithmetic is checked on an embedded event loop (`DNSTCPHandlerTests`).
    @Test func connectionThatTricklesIsClosedAtTheDeadline() async throws {
        try await withDNSServer(
            zones: [try Self.zone()], configure: { $0.tcp.messageTimeout = .milliseconds(1500) }
        ) { server in
            let query = try queryBytes("txt.served.test", .txt, edns: nil)
            let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
            var sent = 0
            // One byte every 400 ms: the whole query would take about 14 s to arrive. Bounded by
            // the query's length; a send refused once the server closed ends the trickle.
            while connection.isOpen, sent < framed.count {
                do {
                    try await connection.sendRaw([framed[sent]])
                } catch let failure as TCPTestConnection.Failure where failure.kind == .sendFailed {
                    break
                }
                sent += 1
                try await Task.sleep(for: .milliseconds(400))
            }
            try await connection.closed(timeout: .seconds(10))
            #expect(sent < framed.count, "the server let a trickling client finish its query")
            #expect(try await connection.nextResponse() == .closedByPeer)
        }
    }

    /// Over a real socket: once answered, a connection that stays idle is closed by the server.
    /// That each query restarts the deadline is checked on an embedded event loop
    /// (`DNSTCPHandlerTests.eachCompleteQueryRestartsTheDeadline`), without timing here.
    @Test func idleConnectionIsClosedAfterItsAnswer() async throws {
        try await withDNSServer(
            zones: [try Self.zone()], configure: { $0.tcp.messageTimeout = .milliseconds(500) }
        ) { server in
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
            let answer = try await connection.ask(try queryBytes("txt.served.test", .txt, id: 41))
            let response = try checkedResponse(try #require(answer.response, "\(answer)"))
            #expect(response.header.id == 41)
            #expect(response.answers.count == 1)
            try await connection.closed(timeout: .seconds(10))
            #expect(try await connection.nextResponse() == .closedByPeer)
            #expect(!connection.isOpen)
        }
    }

    /// A zero-length message (length prefix 0x0000) closes the connection at once, as Knot does,
    /// instead of holding it for the 30 s deadline; a query before it in the same segment is
    /// answered first.
    @Test func zeroLengthMessageClosesTheConnectionAtOnce() async throws {
        try await withDNSServer(
            zones: [try Self.zone()], configure: { $0.tcp.messageTimeout = .seconds(30) }
        ) { server in
            let query = try queryBytes("txt.served.test", .txt, id: 42)
            let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
            try await connection.sendRaw(framed + [0x00, 0x00])
            let first = try await connection.nextResponse()
            #expect(try first.response.map { try checkedResponse($0).header.id } == 42, "\(first)")
            try await connection.closed(timeout: .seconds(10))
            #expect(try await connection.nextResponse() == .closedByPeer)
            #expect(await server.server.statistics().dropped == 1)
        }
    }

    @Test func connectionCapRefusesTheNextConnectionAndRecovers() async throws {
        try await withDNSServer(zones: [try Self.zone()], configure: { $0.tcp.maximumConnections = 3 }) { server in
            let query = try queryBytes("txt.served.test", .txt)
            var held: [TCPTestConnection] = []
            for _ in 0..<3 {
                let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
                let outcome = try await connection.ask(query)
                #expect(outcome.response != nil, "\(outcome)")
                held.append(connection)
            }
            let refused = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
            #expect(try await refused.ask(query) == .closedByPeer, "a fourth connection was served")
            await held.removeLast().close()
            // The slot comes back once the server has seen the close: bounded in tries and time.
            var recovered = false
            var attempts = 0
            let giveUp = ContinuousClock.now + .seconds(10)
            while !recovered, attempts < 50, ContinuousClock.now < giveUp {
                attempts += 1
                let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: server.ipv4Port)
                recovered = try await connection.ask(query, timeout: .seconds(2)).response != nil
                await connection.close()
            }
            #expect(recovered, "no connection was served again after \(attempts) tries")
            for connection in held { await connection.close() }
        }
    }

    @Test func secondServerOnTheSameAddressFailsAndFirstKeepsAnswering() async throws {
        try await withDNSServer(zones: [try Self.zone()]) { first in
            let port = first.ipv4Port
            let authority = try Authority(zones: [try Self.zone()])
            let second = DNSServer(
                authority: authority,
                configuration: DNSServerConfiguration(listenAddresses: [DNSListenAddress(host: "127.0.0.1", port: port)]
                ),
                logger: LogRecords().logger())
            await #expect(throws: DNSServerError.self) { try await second.run() }
            for _ in 0..<20 {
                let response = try checkedResponse(
                    try await DNSTestClient.exchange(
                        try queryBytes("txt.served.test", .txt), host: "127.0.0.1", port: port, transport: .udp))
                #expect(response.answers.count == 1)
            }
        }
    }

    @Test func challengeQueriesAreLoggedWithNameAsAsked() async throws {
        let zone = Zone.synthesized(
            apex: "_acme-challenge.log.test",
            identity: NameserverIdentity(nameservers: ["ns1.cairn.test"], hostmaster: "hostmaster.cairn.test"),
            serial: 1)
        let authority = try Authority(zones: [zone])
        let owner = ChallengeOwner(rawValue: "test")
        try authority.claim("_acme-challenge.log.test", owner: owner)
        try authority.publish(
            ChallengeValue("digest", ttl: 30, expires: UnixTime.now().adding(seconds: 600)),
            at: "_acme-challenge.log.test", owner: owner)
        try await withDNSServer(authority: authority) { server in
            let result = try await Dig.query(
                host: "127.0.0.1", port: server.ipv4Port, name: "_ACME-challenge.LOG.test", type: "TXT")
            #expect(result.answers.count == 1)
            let entry = try #require(server.logs.all.first { $0.message == "challenge query" })
            #expect(entry.metadata["name"] == "_ACME-challenge.LOG.test.")
            #expect(entry.metadata["type"] == "TXT")
            #expect(entry.metadata["rcode"] == "NOERROR")
            #expect(entry.metadata["values"] == "1")
            #expect(entry.metadata["source"]?.hasPrefix("127.0.0.1:") == true)
        }
    }
}
