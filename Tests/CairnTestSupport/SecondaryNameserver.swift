import DNSWire
import Foundation
import NIOCore

/// NSD, Knot or BIND as a secondary of a primary on loopback, for the length of a test body
/// (TESTING.md, "Secondaries fed over TSIG"): each pulls the zones from the primary (IXFR when it
/// holds a copy, AXFR to begin with), signs its transfers with the TSIG key, and accepts NOTIFY
/// from 127.0.0.0/8 signed with that key. It never asks anyone but the primary: no resolver, no
/// root servers, no NOTIFY of its own.
///
/// ```swift
/// let key = SecondaryNameserver.Key.random()
/// try await SecondaryNameserver.with(.bind, zones: ["auth.example.net."], primaryHost: "127.0.0.1",
///                                    primaryPort: primaryPort, key: key) { secondary in
///     try await secondary.waitForSerial(2, of: "auth.example.net.")
///     print(secondary.log())   // IXFR or AXFR, TSIG errors
/// }
/// ```
///
/// Each daemon keeps its files (configuration, copy of the zones, journal, log) in a temporary
/// directory of its own, removed at the end.
public struct SecondaryNameserver: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// NSD 4.6: `nsd -d`, its log in `nsd.log`, a control socket for ``refresh(_:)``.
        case nsd
        /// Knot DNS 3.2: `knotd` in the foreground, logging to standard error at `info`.
        case knot
        /// BIND 9.18: `named -f`, its log on standard error (zone transfers at `debug 3`).
        case bind
    }

    /// A TSIG key (RFC 8945), spelled the same way in the three daemons' configurations.
    public struct Key: Sendable, Hashable {
        /// The key name, such as `xfr-key`.
        public var name: String
        /// `hmac-sha256`, `hmac-sha512`, …
        public var algorithm: String
        /// The secret, base64.
        public var secret: String

        public init(name: String, algorithm: String = "hmac-sha256", secret: String) {
            self.name = name
            self.algorithm = algorithm
            self.secret = secret
        }

        /// A key with a fresh secret of 32 random octets.
        public static func random(name: String = "xfr-key", algorithm: String = "hmac-sha256") -> Key {
            var generator = SystemRandomNumberGenerator()
            let octets = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            return Key(name: name, algorithm: algorithm, secret: Data(octets).base64EncodedString())
        }
    }

    /// The daemon did not serve the expected serial in time, or ran past the time limit.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let kind: Kind
    /// Where the daemon answers: `127.0.0.1`.
    public let host: String
    /// The daemon's port (UDP and TCP), the same across ``whileStopped(_:)``.
    public let port: Int
    /// The zones it is a secondary for, absolute.
    public let zones: [String]
    public let primaryHost: String
    public let primaryPort: Int
    public let key: Key?
    /// A catalog zone (RFC 9432) it consumes from the primary, absolute: its members become zones
    /// of this secondary (Knot's `catalog-role: interpret`, BIND's `catalog-zones`; NSD 4.6 has none).
    public let catalog: String?
    /// Holds the configuration, the daemon's copy of the zones, its journal and its log.
    public let directory: TemporaryDirectory
    /// BIND's control channel (rndc), for ``refresh(_:)``; 0 for NSD and Knot (Unix sockets).
    let controlPort: Int
    /// Requests to the task that runs the daemon: stop it, start it again.
    private let runs: AsyncStream<Run.Request>.Continuation

    /// Runs `kind` as a secondary for `zones` (absolute names, such as `auth.example.net.`),
    /// pulling from `primaryHost`:`primaryPort` (IXFR preferred, the daemons' default) with `key`
    /// on transfers and accepting NOTIFY from 127.0.0.0/8 signed with that key (no key: unsigned
    /// transfers, NOTIFY from 127.0.0.0/8 unsigned).
    ///
    /// Returns when the daemon answers on its port; the zones may not be loaded yet (see
    /// ``waitForSerial(_:of:timeout:)``). `port` is picked free when `nil`; pass one picked with
    /// ``LoopbackPorts`` to configure the primary's NOTIFY target first. The daemon is stopped
    /// after `body` (SIGTERM, SIGKILL 5 s later), also when it throws or is cancelled, and
    /// everything is bounded by `timeLimit` (`body` is cancelled then, and ``Failure`` thrown).
    public static func with<T: Sendable>(
        _ kind: Kind, zones: [String], primaryHost: String = "127.0.0.1", primaryPort: Int, key: Key?,
        catalog: String? = nil, port: Int? = nil, timeLimit: Duration = .seconds(120),
        _ body: @Sendable (SecondaryNameserver) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory(prefix: "secondary-\(kind.rawValue)") { directory in
            var taken = [primaryPort]
            let port = if let port { port } else { try await freePort(besides: taken) }
            taken.append(port)
            let controlPort = kind == .bind ? try await freePort(besides: taken) : 0
            let (requests, runs) = AsyncStream<Run.Request>.makeStream()
            let server = SecondaryNameserver(
                kind: kind, host: "127.0.0.1", port: port, zones: zones.map(absolute), primaryHost: primaryHost,
                primaryPort: primaryPort, key: key, catalog: catalog.map(absolute), directory: directory,
                controlPort: controlPort, runs: runs)
            let launch = try await server.writeConfiguration()
            return try await withoutActuallyEscaping(body) { body in
                try await withThrowingTaskGroup(of: T?.self) { group in
                    let (started, startedSignal) = AsyncThrowingStream<Void, any Error>.makeStream()
                    group.addTask {
                        await Run.supervise(server, launch, requests: requests, firstStart: startedSignal)
                        return nil
                    }
                    group.addTask {
                        guard (try? await Task.sleep(for: timeLimit)) != nil else { return nil }
                        throw Failure(
                            description: "\(kind.rawValue) secondary: time limit \(timeLimit) passed\n\(server.log())")
                    }
                    group.addTask {
                        defer { runs.finish() }  // stops the daemon
                        try await Run.wait(for: started)
                        return try await body(server)
                    }
                    do {
                        var value: T? = nil
                        while let result = try await group.next() {
                            guard let result else { continue }
                            value = result
                            group.cancelAll()  // the time limit; the daemon is already being stopped
                        }
                        guard let value else { throw CancellationError() }
                        return value
                    } catch {
                        runs.finish()
                        group.cancelAll()
                        throw error
                    }
                }
            }
        }
    }

    /// The SOA serial `zone` has at `host`:`port` (UDP, no recursion), `nil` when the server
    /// answers without one (SERVFAIL before the first transfer, REFUSED) or not at all.
    public static func serial(
        of zone: String, host: String, port: Int, timeout: Duration = .seconds(1)
    ) async -> UInt32? {
        guard let name = try? DNSName(absolute(zone)),
            let query = try? DNSMessage(
                header: DNSHeader(id: .random(in: 0...UInt16.max)), questions: [DNSQuestion(name: name, type: .soa)],
                edns: EDNS()
            ).encoded(),
            let bytes = try? await DNSTestClient.exchange(
                Array(query.readableBytesView), host: host, port: port, transport: .udp, timeout: timeout),
            let response = try? DNSMessage(decoding: bytes), response.responseCode == .noError
        else { return nil }
        for record in response.answers where record.name == name {
            if case .soa(let soa) = record.rdata { return soa.serial }
        }
        return nil
    }

    /// The SOA serial this secondary serves for `zone`, `nil` when it serves none (SERVFAIL
    /// before the first transfer) or does not answer.
    public func serial(of zone: String) async -> UInt32? {
        await Self.serial(of: zone, host: host, port: port)
    }

    /// Polls ``serial(of:)`` every 50 ms until it is `serial`, and returns how long that took;
    /// throws ``Failure`` with the daemon's log after `timeout`.
    @discardableResult
    public func waitForSerial(
        _ serial: UInt32, of zone: String, timeout: Duration = .seconds(30)
    ) async throws -> Duration {
        let started = ContinuousClock.now
        var last: UInt32? = nil
        while ContinuousClock.now - started < timeout {
            last = await self.serial(of: zone)
            if last == serial { return ContinuousClock.now - started }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure(
            description: """
                \(kind.rawValue) secondary on port \(port) still serves serial \(last.map(String.init) ?? "none") \
                of \(zone) after \(timeout), not \(serial); its log:
                \(log())
                """)
    }

    /// The daemon's log so far, every run of it (NSD's `logfile`, Knot's standard error at
    /// `info`, BIND's standard error): tests read it to tell IXFR from AXFR and to see TSIG
    /// errors. See TESTING.md for the lines each writes.
    public func log() -> String {
        var files = Run.logFiles(in: directory)
        if kind == .nsd { files.insert(directory.file("nsd.log"), at: 0) }
        return files.compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }.filter { !$0.isEmpty }
            .joined(separator: "\n")
    }

    /// The lines of ``log()`` that contain any of `fragments` (case-sensitive).
    public func logLines(containing fragments: String...) -> [String] {
        log().split(separator: "\n").map(String.init).filter { line in fragments.contains { line.contains($0) } }
    }

    /// Stops the daemon (SIGTERM), runs `body`, then starts it again on the same port with the
    /// same directory — its copy of the zones and its journal kept, so it asks for an IXFR from
    /// the serial it had — and returns once it answers. NSD is first told to write its zones
    /// to disk (`nsd-control write`): it does not on SIGTERM. Not to be called concurrently.
    public func whileStopped<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if kind == .nsd { _ = try await control(["write"]) }
        let (stopped, stoppedSignal) = AsyncStream<Void>.makeStream()
        guard case .enqueued = runs.yield(.stop(stoppedSignal)) else {
            throw Failure(description: "\(kind.rawValue) secondary: whileStopped outside its with body")
        }
        for await _ in stopped {}
        try Task.checkCancellation()
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        let (started, startedSignal) = AsyncThrowingStream<Void, any Error>.makeStream()
        guard case .enqueued = runs.yield(.start(startedSignal)) else { throw CancellationError() }
        try await Run.wait(for: started)
        return try outcome.get()
    }

    /// Asks the secondary to check the primary's serial now and transfer if it is behind, over
    /// its control channel: `nsd-control transfer`, `knotc zone-refresh`, `rndc refresh`. The
    /// transfer happens afterwards; wait with ``waitForSerial(_:of:timeout:)``.
    public func refresh(_ zone: String) async throws {
        let zone = Self.absolute(zone)
        switch kind {
        case .nsd: try await control(["transfer", zone])
        case .knot: try await control(["zone-refresh", zone])
        case .bind: try await control(["refresh", zone])
        }
    }

    /// Runs the daemon's control tool with `arguments`; throws ``Failure`` when it fails.
    @discardableResult
    func control(_ arguments: [String]) async throws -> String {
        let (tool, prefix): (String, [String]) =
            switch kind {
            case .nsd: (try HostSystem.executable("nsd-control"), ["-c", directory.file("nsd.conf")])
            case .knot: (try HostSystem.executable("knotc"), ["-s", directory.file("knot/knot.sock")])
            case .bind: (try HostSystem.executable("rndc"), ["-c", directory.file("rndc.conf")])
            }
        let result = try await Tool.run(tool, prefix + arguments, timeLimit: .seconds(10))
        guard result.succeeded else {
            throw Failure(description: "\(tool) \(arguments.joined(separator: " ")) failed: \(result.output)")
        }
        return result.output
    }

    /// Whether the daemon answers a query on its port at all (any response code).
    func answers() async -> Bool {
        guard let zone = zones.first ?? catalog, let name = try? DNSName(zone),
            let query = try? DNSMessage(questions: [DNSQuestion(name: name, type: .soa)]).encoded()
        else { return false }
        let response = try? await DNSTestClient.exchange(
            Array(query.readableBytesView), host: host, port: port, transport: .udp, timeout: .milliseconds(200))
        return response != nil
    }

    static func absolute(_ name: String) -> String { name.hasSuffix(".") ? name : name + "." }

    private static func freePort(besides taken: [Int]) async throws -> Int {
        var port = try await LoopbackPorts.free()
        while taken.contains(port) { port = try await LoopbackPorts.free() }
        return port
    }
}

extension SecondaryNameserver {
    /// How the daemon's runs are started and stopped: one task (``supervise``) runs the daemon
    /// with ``Daemon/with(_:_:environment:logPath:attempts:readyTimeout:ready:_:)`` and takes
    /// requests from ``SecondaryNameserver/whileStopped(_:)``; one-shot signals are streams that
    /// are finished once.
    enum Run {
        enum Request: Sendable {
            /// Stop the daemon, then finish the signal.
            case stop(AsyncStream<Void>.Continuation)
            /// Start it again; the signal finishes when it answers, or with the error that stopped it.
            case start(AsyncThrowingStream<Void, any Error>.Continuation)
        }

        /// The command line of the daemon and the check its configuration gets first.
        struct Launch: Sendable {
            var executable: String
            var arguments: [String]
            /// A configuration checker whose output explains a daemon that would not start (BIND
            /// logs nothing to standard error before it has read its configuration).
            var check: (executable: String, arguments: [String])?
        }

        /// Runs the daemon until `requests` ends: run after run, each stopped by a `.stop` request
        /// and started again by a `.start`.
        static func supervise(
            _ server: SecondaryNameserver, _ launch: Launch, requests: AsyncStream<Request>,
            firstStart: AsyncThrowingStream<Void, any Error>.Continuation
        ) async {
            var iterator = requests.makeAsyncIterator()
            var start: AsyncThrowingStream<Void, any Error>.Continuation? = firstStart
            var number = 0
            while let started = start {
                start = nil
                number += 1
                let (stop, stopSignal) = AsyncStream<Void>.makeStream()
                let logPath = server.directory.file("run-\(number).log")
                let request = await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            try await runOnce(server, launch, logPath: logPath, started: started, until: stop)
                            started.finish(throwing: Failure(description: "stopped before it answered"))
                        } catch {
                            started.finish(throwing: error)
                        }
                    }
                    let request = await iterator.next()
                    stopSignal.finish()
                    await group.waitForAll()
                    return request
                }
                guard case .stop(let stopped) = request else { return }
                stopped.finish()
                // Stopped: wait for the start (or the end); a second stop is already satisfied.
                while start == nil {
                    switch await iterator.next() {
                    case .start(let next): start = next
                    case .stop(let alsoStopped): alsoStopped.finish()
                    case nil: return
                    }
                }
            }
        }

        private static func runOnce(
            _ server: SecondaryNameserver, _ launch: Launch, logPath: String,
            started: AsyncThrowingStream<Void, any Error>.Continuation, until stop: AsyncStream<Void>
        ) async throws {
            if let check = launch.check {
                let result = try await Tool.run(check.executable, check.arguments, timeLimit: .seconds(10))
                guard result.succeeded else {
                    throw Failure(
                        description: "\(check.executable) rejected the configuration: \(result.output)")
                }
            }
            try await Daemon.with(
                launch.executable, launch.arguments, logPath: logPath, attempts: 300, readyTimeout: .seconds(30),
                ready: { await server.answers() }
            ) { _ in
                started.finish()
                for await _ in stop {}
            }
        }

        /// Waits for a one-shot start signal: returns when it finished, throws what it finished with.
        static func wait(for started: AsyncThrowingStream<Void, any Error>) async throws {
            for try await _ in started {}
            try Task.checkCancellation()
        }

        /// The standard output and error of every run, in order.
        static func logFiles(in directory: TemporaryDirectory) -> [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let runs = names.compactMap { name -> Int? in
                guard name.hasPrefix("run-"), name.hasSuffix(".log") else { return nil }
                return Int(name.dropFirst("run-".count).dropLast(".log".count))
            }
            return runs.sorted().map { directory.file("run-\($0).log") }
        }
    }
}
