import CairnTestSupport
import DNSWire
import Foundation
import Testing

/// `cairn serve` as an operator runs it: a real process, configuration from flags, environment
/// and YAML, a second instance refused, SIGHUP reloads.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ServeCommandTests {
    static let repositoryZones = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("zones").path

    static func zoneFile(serial: Int, address: String) -> String {
        """
        $ORIGIN reload.test.
        $TTL 60
        @    IN SOA ns1 hostmaster \(serial) 3600 600 86400 30
             IN NS  ns1
        ns1  IN A   127.0.0.1
        www  IN A   \(address)

        """
    }

    /// Asks for `name`/`type` over UDP; `nil` if no answer came.
    static func ask(
        _ port: Int, _ name: DNSName, _ type: DNSRecordType, timeout: Duration = .seconds(2)
    ) async -> DNSMessage? {
        guard let query = try? queryBytes(name, type),
            let bytes = try? await DNSTestClient.exchange(
                query, host: "127.0.0.1", port: port, transport: .udp, timeout: timeout)
        else { return nil }
        return try? DNSMessage(decoding: bytes)
    }

    static func serve<T: Sendable>(
        in directory: TemporaryDirectory, arguments: [String] = [], environment: [String: String] = [:],
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let port = try await LoopbackPorts.free()
        let arguments =
            [
                "serve", "--api-listen", "none", "--listen", "127.0.0.1:\(port)", "--state-dir",
                directory.file("state"), "--udp-sockets", "2",
            ]
            + arguments
        return try await Daemon.with(
            try CairnBinary.path(), arguments, environment: environment, logPath: directory.file("cairn.log"),
            ready: {
                if await ask(port, "reload.test", .soa, timeout: .milliseconds(200)) != nil { return true }
                return await ask(port, "example.test", .soa, timeout: .milliseconds(200)) != nil
            }
        ) { _ in try await body(port) }
    }

    @Test func servesTheRepositoryExampleZones() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.serve(in: directory, arguments: ["--zones", Self.repositoryZones]) { port in
                let www = try #require(await Self.ask(port, "www.example.test", .a))
                #expect(www.header.isAuthoritative)
                #expect(www.answers.count == 1)
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(log.contains("serving DNS"))
                #expect(log.contains("127.0.0.1:\(port)"))
            }
        }
    }

    /// Run as an unprivileged user (what the systemd unit does), TCP answers too: setting a
    /// socket option that needs CAP_NET_ADMIN (SO_DEBUG, once passed by mistake for
    /// TCP_NODELAY) closed every accepted connection.
    @Test func anUnprivilegedServerAnswersOverTCP() async throws {
        try await withTemporaryDirectory { directory in
            let port = try await LoopbackPorts.free()
            let state = directory.file("state")
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            // The state directory belongs to the user cairn runs as; everything else is readable.
            try FileManager.default.setAttributes(
                [.ownerAccountID: 65534, .posixPermissions: 0o700], ofItemAtPath: state)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            try await Daemon.with(
                "setpriv",
                [
                    "--reuid=65534", "--regid=65534", "--clear-groups", "--", try CairnBinary.path(), "serve",
                    "--api-listen", "none", "--listen", "127.0.0.1:\(port)", "--state-dir", state, "--zones",
                    Self.repositoryZones,
                ],
                logPath: directory.file("cairn.log"),
                ready: { await Self.ask(port, "example.test", .soa, timeout: .milliseconds(200)) != nil }
            ) { _ in
                let bytes = try await DNSTestClient.exchange(
                    try queryBytes("www.example.test", .a), host: "127.0.0.1", port: port, transport: .tcp)
                #expect(try DNSMessage(decoding: bytes).answers.count == 1)
            }
        }
    }

    @Test func defaultUDPSocketCountFollowsTheCPUAffinity() async throws {
        // Pinned to one core with taskset, the default is one UDP socket, not one per machine core.
        try await withTemporaryDirectory { directory in
            let port = try await LoopbackPorts.free()
            try await Daemon.with(
                "taskset",
                [
                    "-c", "0", try CairnBinary.path(), "serve", "--api-listen", "none", "--listen", "127.0.0.1:\(port)",
                    "--state-dir",
                    directory.file("state"), "--zones", Self.repositoryZones,
                ],
                logPath: directory.file("cairn.log"),
                ready: { await Self.ask(port, "example.test", .soa, timeout: .milliseconds(200)) != nil }
            ) { _ in
                let log = try String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)
                #expect(log.contains("udp (1 sockets, direct)"), "\(log)")
            }
        }
    }

    @Test func secondServerOnTheSameAddressExitsWithAMessage() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("zones/reload.test.zone", Self.zoneFile(serial: 1, address: "192.0.2.1"))
            try await Self.serve(in: directory, arguments: ["--zones", directory.file("zones")]) { port in
                // Another state directory, so only the address is shared.
                let second = try await Tool.run(
                    try CairnBinary.path(),
                    [
                        "serve", "--api-listen", "none", "--listen", "127.0.0.1:\(port)", "--state-dir",
                        directory.file("state2"),
                        "--zones", directory.file("zones"),
                    ])
                #expect(!second.succeeded)
                #expect(second.output.contains("127.0.0.1:\(port)"), "\(second.output)")
                #expect(second.output.contains("already in use"), "\(second.output)")
                // The same state directory is refused too, naming the running server.
                let third = try await Tool.run(
                    try CairnBinary.path(),
                    [
                        "serve", "--api-listen", "none", "--listen", "127.0.0.1:\(try await LoopbackPorts.free())",
                        "--state-dir",
                        directory.file("state"), "--zones", directory.file("zones"),
                    ])
                #expect(!third.succeeded)
                #expect(third.output.contains("another cairn (pid"), "\(third.output)")
                // The first one answers every query.
                for _ in 0..<50 {
                    let response = await Self.ask(port, "www.reload.test", .a)
                    #expect(response?.answers.count == 1)
                }
            }
        }
    }

    @Test func reloadServesTheChangedZoneAndKeepsTheOldOneWhenBroken() async throws {
        try await withTemporaryDirectory { directory in
            let zonePath = try directory.write(
                "zones/reload.test.zone", Self.zoneFile(serial: 1, address: "192.0.2.1"))
            let state = directory.file("state")
            try await Self.serve(in: directory, arguments: ["--zones", directory.file("zones")]) { port in
                // Queries keep flowing through every reload; each must be answered. The load runs
                // in a task group, so it stops when the steps finish or throw.
                try await withThrowingTaskGroup(of: (sent: Int, unanswered: Int).self) { group in
                    group.addTask { await Self.queryUntilCancelled(port) }
                    defer { group.cancelAll() }

                    try directory.write("zones/reload.test.zone", Self.zoneFile(serial: 2, address: "192.0.2.2"))
                    let reload = try await Tool.run(try CairnBinary.path(), ["reload", "--state-dir", state])
                    #expect(reload.succeeded, "\(reload.output)")
                    var changed = false
                    for _ in 0..<100 where !changed {
                        let answer = await Self.ask(port, "www.reload.test", .a)
                        changed = answer?.answers.first?.rdata == .a(DNSRData.A(address: IPv4Address(192, 0, 2, 2)))
                    }
                    #expect(changed, "the changed zone was not served after the reload")

                    // A broken file: the reload fails, the previous zone stays, the log names file:line.
                    try directory.write(
                        "zones/reload.test.zone",
                        Self.zoneFile(serial: 3, address: "192.0.2.3") + "broken IN A 192.0.2.999\n")
                    #expect(try await Tool.run(try CairnBinary.path(), ["reload", "--state-dir", state]).succeeded)
                    // The log is checked between queries, which pace the loop and must keep getting
                    // the old answer while the reload runs.
                    var logged = false
                    for _ in 0..<500 where !logged {
                        let log = (try? String(contentsOfFile: directory.file("cairn.log"), encoding: .utf8)) ?? ""
                        logged = log.contains("\(zonePath):7:")
                        if !logged {
                            let during = await Self.ask(port, "www.reload.test", .a)
                            #expect(during?.answers.first?.rdata == .a(DNSRData.A(address: IPv4Address(192, 0, 2, 2))))
                        }
                    }
                    #expect(logged, "the failed reload did not log file:line")
                    let kept = await Self.ask(port, "www.reload.test", .a)
                    #expect(kept?.answers.first?.rdata == .a(DNSRData.A(address: IPv4Address(192, 0, 2, 2))))

                    group.cancelAll()
                    let (sent, unanswered) = try #require(try await group.next())
                    #expect(sent > 0)
                    #expect(unanswered == 0, "\(unanswered) of \(sent) queries went unanswered during reloads")
                }
            }
        }
    }

    /// Asks for `www.reload.test` over and over until cancelled (at most 200 000 times); a query
    /// the cancellation cut short is not counted.
    static func queryUntilCancelled(_ port: Int) async -> (sent: Int, unanswered: Int) {
        var sent = 0
        var unanswered = 0
        while !Task.isCancelled, sent < 200_000 {
            let answer = await ask(port, "www.reload.test", .a)
            if Task.isCancelled { break }
            sent += 1
            if answer == nil { unanswered += 1 }
        }
        return (sent, unanswered)
    }

    @Test func configurationLayersFlagsOverEnvironmentOverYAML() async throws {
        try await withTemporaryDirectory { directory in
            try directory.write("zones/reload.test.zone", Self.zoneFile(serial: 1, address: "192.0.2.1"))
            try directory.write("other/reload.test.zone", Self.zoneFile(serial: 1, address: "192.0.2.9"))
            // YAML names a zones directory that does not exist; the environment overrides it with a
            // real one, and the listen flag (added by serve()) overrides the YAML's address.
            let config = try directory.write(
                "cairn.yaml",
                """
                dns:
                  listen: ["127.0.0.1:1"]
                  negativeTTL: 5
                zones:
                  directory: \(directory.file("missing"))
                """)
            try await Self.serve(
                in: directory, arguments: ["--config", config],
                environment: ["CAIRN_ZONES_DIRECTORY": directory.file("other")]
            ) { port in
                let www = try #require(await Self.ask(port, "www.reload.test", .a))
                #expect(www.answers.first?.rdata == .a(DNSRData.A(address: IPv4Address(192, 0, 2, 9))))
                // dns.negativeTTL from the YAML caps the negative TTL.
                let negative = try #require(await Self.ask(port, "nothere.reload.test", .a))
                #expect(negative.authority.first?.ttl == 5)
            }
        }
    }

    @Test(arguments: [
        ("dns:\n  listen: [\"not-an-address\"]\n", "configuration dns.listen: \"not-an-address\""),
        ("dns:\n  udpSockets: many\n", "configuration dns.udpSockets"),
        ("dns:\n  listen: [unclosed\n", "cairn.yaml: "),
        ("log:\n  level: loud\n", "configuration log.level: \"loud\""),
    ])
    func badConfigurationFailsWithAClearMessage(yaml: String, expected: String) async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write("cairn.yaml", yaml)
            let result = try await Tool.run(
                try CairnBinary.path(),
                ["serve", "--api-listen", "none", "--config", config, "--state-dir", directory.file("state")])
            #expect(!result.succeeded)
            #expect(result.output.contains(expected), "\(result.output)")
        }
    }

    @Test func brokenZoneAtStartExitsWithFileAndLine() async throws {
        try await withTemporaryDirectory { directory in
            let path = try directory.write("zones/bad.test.zone", "$ORIGIN bad.test.\n@ 60 IN SOA ns1 h 1 2 3 4 5\n")
            let result = try await Tool.run(
                try CairnBinary.path(),
                [
                    "serve", "--api-listen", "none", "--zones", directory.file("zones"), "--state-dir",
                    directory.file("state"),
                    "--listen", "127.0.0.1:\(try await LoopbackPorts.free())",
                ])
            #expect(!result.succeeded)
            #expect(result.output.contains("\(path)"), "\(result.output)")
            #expect(result.output.contains("no NS records at the zone apex"), "\(result.output)")
            let check = try await Tool.run(
                try CairnBinary.path(), ["check-zones", "--zones", directory.file("zones")])
            #expect(!check.succeeded)
        }
    }
}
