import CairnTestSupport
import DNSWire
import Foundation
import NIOCore
import NIOPosix
import Testing

/// The harness the ACME and hook API tests stand on: Pebble starts and serves its directory;
/// Knot's parent zone resolves through unbound; a CNAME leads unbound into a zone a real
/// `cairn serve` process answers for.
@Suite(.serialized, .timeLimit(.minutes(3))) struct HarnessTests {
    @Test func pebbleServesItsDirectoryAndRoots() async throws {
        try await Pebble.with(Pebble.Options(dnsServer: "127.0.0.1:53")) { pebble in
            let directory = try await pebble.directoryDocument()
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(directory.utf8)) as? [String: Any], "\(directory)")
            let newOrder = try #require(json["newOrder"] as? String, "\(directory)")
            #expect(newOrder.hasPrefix("https://127.0.0.1:"))
            let roots = try await pebble.writeRoots(
                to: pebble.directory.file("roots.pem"), includingIntermediate: true)
            let pem = try String(contentsOfFile: roots, encoding: .utf8)
            #expect(pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 3, "\(pem)")
        }
    }

    @Test func pebbleRequiresExternalAccountBindingWhenGivenKeys() async throws {
        let options = Pebble.Options(
            dnsServer: "127.0.0.1:53",
            externalAccountMACKeys: ["kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"])
        try await Pebble.with(options) { pebble in
            let directory = try await pebble.directoryDocument()
            #expect(directory.contains("\"externalAccountRequired\": true"), "\(directory)")
        }
    }

    @Test(arguments: [DNSHierarchy.ParentServer.knot, .nsd])
    func parentZoneResolvesThroughUnbound(server: DNSHierarchy.ParentServer) async throws {
        let options = DNSHierarchy.Options(
            zones: [.init(name: "example.test", records: ["_acme-challenge 60 IN TXT \"parent-value\""])],
            parentServer: server)
        try await DNSHierarchy.with(options) { dns in
            let answer = try await dns.resolve("_acme-challenge.example.test", "TXT")
            #expect(answer.status == "NOERROR", "\(answer.output)\n\(dns.logs())")
            #expect(answer.answers.contains { $0.hasSuffix("TXT \"parent-value\"") }, "\(answer.output)")
            #expect(!answer.flags.contains("aa"), "the answer should come from the resolver, not an authority")
        }
    }

    @Test func cnameLeadsIntoAZoneCairnServes() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write(
                "zones/auth.test.zone",
                """
                $ORIGIN auth.test.
                $TTL 60
                @       IN SOA ns1 hostmaster 1 3600 600 86400 30
                        IN NS  ns1
                ns1     IN A   127.0.0.1
                label1  IN TXT "served-by-cairn"

                """)
            let port = try await LoopbackPorts.free()
            try await Daemon.with(
                try CairnBinary.path(),
                [
                    "serve", "--api-listen", "none", "--listen", "127.0.0.1:\(port)", "--state-dir",
                    directory.file("state"), "--zones",
                    directory.file("zones"), "--udp-sockets", "1",
                ],
                logPath: directory.file("cairn.log"),
                ready: {
                    let soa = try? await Dig.query(host: "127.0.0.1", port: port, name: "auth.test", type: "SOA")
                    return soa?.status == "NOERROR"
                }
            ) { _ in
                let options = DNSHierarchy.Options(
                    zones: [
                        .init(
                            name: "example.test",
                            records: DNSHierarchy.cnameDelegation(of: "example.test", to: "label1.auth.test"))
                    ],
                    stubZones: [.init(name: "auth.test", port: port)])
                try await DNSHierarchy.with(options) { dns in
                    let answer = try await dns.resolve("_acme-challenge.example.test", "TXT")
                    #expect(answer.status == "NOERROR", "\(answer.output)\n\(dns.logs())")
                    #expect(
                        answer.answers.contains { $0.contains("CNAME label1.auth.test.") }, "\(answer.output)")
                    #expect(answer.answers.contains { $0.hasSuffix("TXT \"served-by-cairn\"") }, "\(answer.output)")
                }
            }
        }
    }

    @Test func nsDelegationRecordsCarryInBailiwickGlue() async throws {
        let records = DNSHierarchy.nsDelegation(of: "example.test")
        #expect(
            records == [
                "_acme-challenge.example.test. 60 IN NS cairn-ns.example.test.",
                "cairn-ns.example.test. 60 IN A 127.0.0.2",
            ])
        try await DNSHierarchy.with(DNSHierarchy.Options(zones: [.init(name: "example.test", records: records)])) {
            dns in
            let referral = try await dns.askParent("_acme-challenge.example.test", "TXT")
            #expect(
                referral.authority.contains("_acme-challenge.example.test. 60 IN NS cairn-ns.example.test."),
                "\(referral.output)")
        }
    }

    // MARK: - The harness's own bounds

    /// A tool that hangs is stopped at its time limit with everything it started (its process
    /// group), and the run throws instead of waiting.
    @Test func toolPastItsTimeLimitIsStoppedWithWhatItStarted() async throws {
        try await withTemporaryDirectory { directory in
            let pidFile = directory.file("child.pid")
            let error = await #expect(throws: Tool.TimedOut.self) {
                try await Tool.run("sh", ["-c", "sleep 120 & echo $! > \(pidFile); wait"], timeLimit: .seconds(1))
            }
            #expect(error?.timeLimit == .seconds(1))
            let pid = try #require(
                Int32(
                    try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
                ))
            // The signal is delivered asynchronously: look a bounded number of times.
            var gone = false
            for _ in 0..<100 where !gone {
                gone = Self.isGoneOrZombie(pid)
                if !gone { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(gone, "the tool's child \(pid) outlived the run")
        }
    }

    /// Whether `pid` no longer runs (no /proc entry, or a zombie nobody reaped yet).
    static func isGoneOrZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // "pid (comm) S ...": the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// A daemon that never becomes ready fails with ``Daemon/NotReady`` at its readiness
    /// deadline, and the body never runs.
    @Test func daemonThatNeverBecomesReadyFailsAtItsDeadline() async throws {
        try await withTemporaryDirectory { directory in
            let error = await #expect(throws: Daemon.NotReady.self) {
                try await Daemon.with(
                    "sleep", ["120"], logPath: directory.file("sleep.log"), attempts: 1000,
                    readyTimeout: .seconds(1), ready: { false }
                ) { _ in Issue.record("the body ran although the daemon was never ready") }
            }
            #expect(error?.name == "sleep")
        }
    }

    /// Runs `body` with the port of a TCP listener on 127.0.0.1 that accepts connections and
    /// either holds them open, saying nothing, or closes them at once.
    static func withSilentListener<T: Sendable>(
        closingAtOnce: Bool, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                closingAtOnce ? channel.close() : channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        do {
            let value = try await body(server.localAddress?.port ?? 0)
            try await server.close()
            return value
        } catch {
            try? await server.close()
            throw error
        }
    }

    /// Every wait on a ``TCPTestConnection`` is bounded: a server that says nothing and keeps
    /// the connection makes the wait throw `timedOut`, not hang; a close by the test itself is
    /// not mistaken for the server's.
    @Test func tcpConnectionWaitsThrowAtTheirDeadline() async throws {
        try await Self.withSilentListener(closingAtOnce: false) { port in
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: port)
            let noResponse = await #expect(throws: TCPTestConnection.Failure.self) {
                try await connection.ask([0, 1, 2], timeout: .milliseconds(300))
            }
            #expect(noResponse?.kind == .timedOut)
            let notClosed = await #expect(throws: TCPTestConnection.Failure.self) {
                try await connection.closed(timeout: .milliseconds(300))
            }
            #expect(notClosed?.kind == .timedOut)
            await connection.close()
            let closedByTest = await #expect(throws: TCPTestConnection.Failure.self) {
                try await connection.closed(timeout: .seconds(5))
            }
            #expect(closedByTest?.kind == .closedByTest)
        }
    }

    /// A connection the server closes is ``TCPTestConnection/Outcome/closedByPeer``, whether the
    /// query could still be sent or not.
    @Test func tcpConnectionClosedByTheServerIsClosedByPeer() async throws {
        try await Self.withSilentListener(closingAtOnce: true) { port in
            let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: port)
            #expect(try await connection.ask([0, 1, 2]) == .closedByPeer)
            try await connection.closed(timeout: .seconds(5))
            #expect(try await connection.nextResponse() == .closedByPeer)
        }
    }
}
