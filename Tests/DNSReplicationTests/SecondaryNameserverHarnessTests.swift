import CairnTestSupport
import DNSWire
import Foundation
import NIOCore
import Testing

/// The harness that runs NSD, Knot and BIND as secondaries, proved against Knot as the primary
/// (until Cairn transfers zones itself): each secondary takes the zone, follows a NOTIFY, catches
/// up after a restart by IXFR from the copy it kept, refreshes on request, and reports a wrong
/// TSIG key in its log.
@Suite(.serialized) struct SecondaryNameserverHarnessTests {
    static let zone = KnotPrimary.zone

    /// The lines of a secondary's log that show a transfer of `harness.test.` and of which kind
    /// (NSD does not say: the primary's log does), and the NOTIFYs it took.
    static func transferLines(_ secondary: SecondaryNameserver) -> [String] {
        switch secondary.kind {
        case .nsd: secondary.logLines(containing: "received update to serial", "notify for harness.test.")
        case .knot: secondary.logLines(containing: "XFR, incoming", "notify, incoming", "refresh, remote")
        case .bind:
            secondary.logLines(
                containing: "requesting", "incremental response", "transferred serial", "received notify")
        }
    }

    static func show(_ title: String, _ lines: [String]) {
        print("== \(title)\n" + lines.joined(separator: "\n"))
    }

    @Test(.timeLimit(.minutes(2)), arguments: SecondaryNameserver.Kind.allCases)
    func followsNotifyOverTSIG(kind: SecondaryNameserver.Kind) async throws {
        let key = SecondaryNameserver.Key.random()
        let secondaryPort = try await LoopbackPorts.free()
        // A refresh of an hour: serial 2 arriving within seconds came by NOTIFY.
        try await KnotPrimary.with(key: key, notify: secondaryPort, refresh: 3600) { primary in
            try await SecondaryNameserver.with(
                kind, zones: [Self.zone], primaryPort: primary.port, key: key, port: secondaryPort
            ) { secondary in
                let first = try await secondary.waitForSerial(1, of: Self.zone)
                let reloading = ContinuousClock.now
                try await primary.publish(serial: 2)
                let published = ContinuousClock.now
                try await secondary.waitForSerial(2, of: Self.zone, timeout: .seconds(20))
                print(
                    "\(kind): serial 1 served \(first) after it answered (AXFR); the primary served serial 2 "
                        + "\(published - reloading) after knotc zone-reload began, the secondary "
                        + "\(ContinuousClock.now - published) later (NOTIFY, IXFR)")
                let lines = Self.transferLines(secondary)
                Self.show("\(kind) secondary", lines)
                Self.show("primary", primary.logLines(containing: "XFR, outgoing, remote", "notify, outgoing"))
                switch kind {
                case .nsd:
                    #expect(lines.contains { $0.contains("serial 2") && $0.contains("TSIG verified with key xfr-key") })
                    #expect(lines.contains { $0.contains("notify for harness.test. from 127.0.0.1 serial 2") })
                case .knot:
                    #expect(lines.contains { $0.contains("IXFR, incoming") && $0.contains("finished") })
                    #expect(lines.contains { $0.contains("AXFR, incoming") && $0.contains("finished") })
                case .bind:
                    #expect(lines.contains { $0.contains("got incremental response") })
                    #expect(lines.contains { $0.contains("transferred serial 2: TSIG 'xfr-key'") })
                }
                #expect(primary.logLines(containing: "AXFR, outgoing").contains { $0.contains("started, serial 1") })
                #expect(primary.logLines(containing: "IXFR, outgoing").contains { $0.contains("serial 1 -> 2") })
            }
        }
    }

    /// Unsigned transfers, and a refresh of 2 s: serial 2 is published while the secondary is
    /// down; after the restart, Knot's NOTIFY retries or the SOA refresh bring it, by IXFR from
    /// the serial the secondary kept on disk.
    @Test(.timeLimit(.minutes(2)), arguments: SecondaryNameserver.Kind.allCases)
    func catchesUpAfterRestart(kind: SecondaryNameserver.Kind) async throws {
        let secondaryPort = try await LoopbackPorts.free()
        try await KnotPrimary.with(key: nil, notify: secondaryPort, refresh: 2) { primary in
            try await SecondaryNameserver.with(
                kind, zones: [Self.zone], primaryPort: primary.port, key: nil, port: secondaryPort
            ) { secondary in
                try await secondary.waitForSerial(1, of: Self.zone)
                try await secondary.whileStopped {
                    #expect(await secondary.serial(of: Self.zone) == nil)
                    try await primary.publish(serial: 2)
                }
                let caughtUp = try await secondary.waitForSerial(2, of: Self.zone)
                print("\(kind): serial 2 \(caughtUp) after the restart")
                Self.show("\(kind) secondary", Self.transferLines(secondary))
                let outgoing = primary.logLines(containing: "XFR, outgoing, remote")
                Self.show("primary", outgoing)
                // The restarted secondary asked from the serial it kept: an IXFR, and one AXFR in all.
                #expect(outgoing.contains { $0.contains("IXFR, outgoing") && $0.contains("started, serial 1 -> 2") })
                #expect(outgoing.filter { $0.contains("AXFR, outgoing") && $0.contains("started") }.count == 1)
            }
        }
    }

    /// No NOTIFY and a refresh of an hour: only the control channel's refresh brings serial 2.
    @Test(.timeLimit(.minutes(2)), arguments: SecondaryNameserver.Kind.allCases)
    func refreshesOnRequest(kind: SecondaryNameserver.Kind) async throws {
        let key = SecondaryNameserver.Key.random()
        try await KnotPrimary.with(key: key, notify: nil, refresh: 3600) { primary in
            try await SecondaryNameserver.with(kind, zones: [Self.zone], primaryPort: primary.port, key: key) {
                secondary in
                try await secondary.waitForSerial(1, of: Self.zone)
                try await primary.publish(serial: 2)
                try await secondary.refresh(Self.zone)
                let refreshed = try await secondary.waitForSerial(2, of: Self.zone, timeout: .seconds(20))
                print("\(kind): serial 2 \(refreshed) after the refresh request")
            }
        }
    }

    /// A secondary with another secret never gets the zone, and its log says why.
    @Test(.timeLimit(.minutes(2)), arguments: SecondaryNameserver.Kind.allCases)
    func reportsAWrongKey(kind: SecondaryNameserver.Kind) async throws {
        let key = SecondaryNameserver.Key.random()
        let wrong = SecondaryNameserver.Key.random(name: key.name)
        try await KnotPrimary.with(key: key, notify: nil, refresh: 3600) { primary in
            try await SecondaryNameserver.with(kind, zones: [Self.zone], primaryPort: primary.port, key: wrong) {
                secondary in
                let fragment =
                    switch kind {
                    case .nsd: "bad tsig signature"
                    case .knot: "failed to verify TSIG"
                    case .bind: "tsig indicates error"
                    }
                let deadline = ContinuousClock.now + .seconds(20)
                while secondary.logLines(containing: fragment).isEmpty, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let lines = secondary.logLines(containing: fragment, "TSIG", "tsig")
                Self.show("\(kind) secondary with the wrong secret", lines)
                #expect(lines.contains { $0.contains(fragment) }, "\(secondary.log())")
                #expect(await secondary.serial(of: Self.zone) == nil)
            }
        }
    }
}

extension SecondaryNameserverHarnessTests {
    struct Stopped: Error {
        var directory: String
    }

    /// Whether anything answers a DNS query on 127.0.0.1:`port`, over UDP or TCP.
    static func answers(port: Int) async -> Bool {
        guard
            let query = try? DNSMessage(questions: [DNSQuestion(name: DNSName(zone), type: .soa)]).encoded()
        else { return false }
        for transport in [DNSTestClient.Transport.udp, .tcp] {
            let response = try? await DNSTestClient.exchange(
                Array(query.readableBytesView), host: "127.0.0.1", port: port, transport: transport,
                timeout: .milliseconds(500))
            if response != nil { return true }
        }
        return false
    }

    /// Whether a process whose command line mentions `directory` (the daemon's configuration
    /// lives there; NSD's children share its command line) still runs.
    static func runs(in directory: String) async throws -> Bool {
        try await Tool.run("pgrep", ["-f", directory]).succeeded
    }

    /// The daemon is gone after `with`, whether the body threw or overran the time limit.
    @Test(.timeLimit(.minutes(2)), arguments: SecondaryNameserver.Kind.allCases)
    func stopsTheDaemonWhateverHappens(kind: SecondaryNameserver.Kind) async throws {
        let primaryPort = try await LoopbackPorts.free()  // nobody there: the secondary only retries
        var port = try await LoopbackPorts.free()
        while port == primaryPort { port = try await LoopbackPorts.free() }
        let thrown = await #expect(throws: Stopped.self) {
            try await SecondaryNameserver.with(
                kind, zones: [Self.zone], primaryPort: primaryPort, key: nil, port: port
            ) { secondary in
                #expect(try await Self.runs(in: secondary.directory.path))
                throw Stopped(directory: secondary.directory.path)
            }
        }
        if let thrown {
            #expect(try await !Self.runs(in: thrown.directory))
        }
        #expect(await !Self.answers(port: port))

        let started = ContinuousClock.now
        await #expect(throws: SecondaryNameserver.Failure.self) {
            try await SecondaryNameserver.with(
                kind, zones: [Self.zone], primaryPort: primaryPort, key: nil, port: port, timeLimit: .seconds(3)
            ) { _ in try await Task.sleep(for: .seconds(100)) }
        }
        print("\(kind): the time limit of 3 s stopped it after \(ContinuousClock.now - started)")
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(await !Self.answers(port: port))
    }
}

/// Knot 3.2 as the primary of `harness.test.`: transfers allowed from 127.0.0.0/8 (with the TSIG
/// key when there is one), NOTIFY to the secondary's port, IXFR from the differences between
/// the zone files it is given (`zonefile-load: difference`, changes kept in its journal).
struct KnotPrimary: Sendable {
    static let zone = "harness.test."

    let port: Int
    let refresh: Int
    let directory: TemporaryDirectory

    static func with<T: Sendable>(
        key: SecondaryNameserver.Key?, notify secondaryPort: Int?, refresh: Int,
        _ body: @Sendable (KnotPrimary) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory(prefix: "knot-primary") { directory in
            var free = try await LoopbackPorts.free()
            while free == secondaryPort { free = try await LoopbackPorts.free() }
            let port = free
            let primary = KnotPrimary(port: port, refresh: refresh, directory: directory)
            try FileManager.default.createDirectory(
                atPath: directory.file("knot/db"), withIntermediateDirectories: true)
            try directory.write("zones/harness.test.zone", primary.zoneFile(serial: 1))
            let configuration = try directory.write("knot.conf", primary.configuration(key: key, notify: secondaryPort))
            return try await Daemon.with(
                try HostSystem.executable("knotd"), ["-c", configuration], logPath: directory.file("knot.log"),
                ready: { await SecondaryNameserver.serial(of: zone, host: "127.0.0.1", port: port) == 1 }
            ) { _ in try await body(primary) }
        }
    }

    func zoneFile(serial: UInt32) -> String {
        """
        $ORIGIN harness.test.
        $TTL 60
        @       IN SOA ns1 hostmaster \(serial) \(refresh) 1 600 30
        @       IN NS  ns1
        ns1     IN A   127.0.0.1
        www     IN A   192.0.2.1
        version IN TXT "\(serial)"

        """
    }

    func configuration(key: SecondaryNameserver.Key?, notify secondaryPort: Int?) -> String {
        var lines = KnotConfiguration.serverSections(directory: directory, port: port)
        if let key {
            lines += ["key:", "  - id: \(key.name)", "    algorithm: \(key.algorithm)", "    secret: \(key.secret)"]
        }
        if let secondaryPort {
            lines += ["remote:", "  - id: secondary", "    address: 127.0.0.1@\(secondaryPort)"]
            if let key { lines.append("    key: \(key.name)") }
        }
        lines += ["acl:", "  - id: transfer", "    address: 127.0.0.0/8", "    action: transfer"]
        if let key { lines.append("    key: \(key.name)") }
        lines += [
            "template:",
            "  - id: default",
            "    storage: \"\(directory.file("zones"))\"",
            "    file: \"%s.zone\"",
            "    zonefile-load: difference",
            "    journal-content: changes",
            "    zonefile-sync: -1",
            "zone:",
            "  - domain: \(Self.zone)",
            "    acl: transfer",
        ]
        if secondaryPort != nil { lines.append("    notify: secondary") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes serial `serial` of the zone and has Knot load it (`knotc -b zone-reload` returns
    /// once it is loaded); Knot then sends its NOTIFY.
    func publish(serial: UInt32) async throws {
        try directory.write("zones/harness.test.zone", zoneFile(serial: serial))
        let result = try await Tool.run(
            try HostSystem.executable("knotc"),
            ["-b", "-s", directory.file("knot/knot.sock"), "zone-reload", Self.zone],
            timeLimit: .seconds(10))
        #expect(result.succeeded, "\(result.output)")
        #expect(await SecondaryNameserver.serial(of: Self.zone, host: "127.0.0.1", port: port) == serial)
    }

    func logLines(containing fragments: String...) -> [String] {
        let log = (try? String(contentsOfFile: directory.file("knot.log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").map(String.init).filter { line in fragments.contains { line.contains($0) } }
    }
}
