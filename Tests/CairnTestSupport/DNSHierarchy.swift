import Foundation

/// A real DNS hierarchy on loopback for the length of a test body (TESTING.md, "A real DNS
/// hierarchy"): Knot (or NSD) serves the parent zones, unbound resolves recursively with 0x20
/// case randomisation the way Let's Encrypt's resolvers do, and stub zones lead it to other
/// servers such as a `cairn serve` holding the auth zone.
///
/// ```swift
/// let options = DNSHierarchy.Options(
///     zones: [.init(name: "example.test", records: DNSHierarchy.cnameDelegation(of: "example.test", to: "x.auth.test."))],
///     stubZones: [.init(name: "auth.test", host: "127.0.0.1", port: cairnPort)])
/// try await DNSHierarchy.with(options) { dns in
///     // Pebble(-dnsserver: dns.resolverAddress), or: try await dns.resolve("_acme-challenge.example.test", "TXT")
/// }
/// ```
public struct DNSHierarchy: Sendable {
    /// A parent zone served by Knot or NSD.
    public struct Zone: Sendable {
        /// The origin, such as `example.test` (trailing dot optional).
        public var name: String
        /// Master-file lines added after the SOA, the NS (`ns1`) and `ns1 A 127.0.0.1`; relative
        /// names are relative to the origin.
        public var records: [String]

        public init(name: String, records: [String] = []) {
            self.name = name
            self.records = records
        }

        var origin: String { name.hasSuffix(".") ? name : name + "." }

        var masterFile: String {
            ([
                "$ORIGIN \(origin)", "$TTL 60", "@ IN SOA ns1 hostmaster 1 3600 600 86400 30", "@ IN NS ns1",
                "ns1 IN A 127.0.0.1",
            ]
                + records).joined(separator: "\n") + "\n"
        }
    }

    /// A zone unbound asks a given server for directly (a stub zone), such as Cairn's auth zone.
    public struct StubZone: Sendable {
        public var name: String
        public var host: String
        public var port: Int

        public init(name: String, host: String = "127.0.0.1", port: Int) {
            self.name = name
            self.host = host
            self.port = port
        }
    }

    /// The authoritative server for the parent zones.
    public enum ParentServer: Sendable {
        case knot
        /// NSD with response rate limiting off (Debian's default limits 200 queries/s per source).
        case nsd
    }

    public struct Options: Sendable {
        public var zones: [Zone]
        public var stubZones: [StubZone]
        public var parentServer: ParentServer
        /// Extra lines for unbound's `server:` clause, such as `cache-max-negative-ttl: 0`.
        public var resolverSettings: [String]

        public init(
            zones: [Zone] = [Zone(name: "example.test")], stubZones: [StubZone] = [],
            parentServer: ParentServer = .knot, resolverSettings: [String] = []
        ) {
            self.zones = zones
            self.stubZones = stubZones
            self.parentServer = parentServer
            self.resolverSettings = resolverSettings
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The port Knot or NSD answers on, at 127.0.0.1.
    public let parentPort: Int
    /// The port unbound answers recursive queries on, at 127.0.0.1.
    public let resolverPort: Int
    /// Holds the configurations, zone files and logs (`parent.log`, `unbound.log`).
    public let directory: TemporaryDirectory

    /// `127.0.0.1:PORT` of the resolver: Pebble's `-dnsserver`, lego's `--dns.resolvers`.
    public var resolverAddress: String { "127.0.0.1:\(resolverPort)" }

    /// Records in the parent zone that delegate the challenge for `domain` by CNAME:
    /// `_acme-challenge.<domain>. CNAME <target>`.
    public static func cnameDelegation(of domain: String, to target: String) -> [String] {
        ["_acme-challenge.\(absolute(domain)) 60 IN CNAME \(absolute(target))"]
    }

    /// Records in the parent zone that delegate `_acme-challenge.<domain>` by NS to a server on
    /// port 53 of `address`: the NS record and the glue of an in-bailiwick name (with no root
    /// zone here, unbound cannot resolve an out-of-bailiwick name server).
    public static func nsDelegation(
        of domain: String, nameserver: String? = nil, address: String = "127.0.0.2"
    ) -> [String] {
        let server = absolute(nameserver ?? "cairn-ns.\(absolute(domain))")
        let type = address.contains(":") ? "AAAA" : "A"
        return ["_acme-challenge.\(absolute(domain)) 60 IN NS \(server)", "\(server) 60 IN \(type) \(address)"]
    }

    /// Starts the parent server and unbound, waits until both answer for every parent zone, runs
    /// `body`, and stops both whatever happens.
    public static func with<T: Sendable>(
        _ options: Options, _ body: @Sendable (DNSHierarchy) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory(prefix: "dns-hierarchy") { directory in
            let parentPort = try await LoopbackPorts.free()
            var resolverPort = try await LoopbackPorts.free()
            while resolverPort == parentPort { resolverPort = try await LoopbackPorts.free() }
            let hierarchy = DNSHierarchy(parentPort: parentPort, resolverPort: resolverPort, directory: directory)
            for zone in options.zones { try directory.write("zones/\(zone.origin)zone", zone.masterFile) }
            let unboundConfiguration = try directory.write(
                "unbound.conf", hierarchy.unboundConfiguration(options))
            let origins = options.zones.map(\.origin)

            let (parentExecutable, parentArguments) = try hierarchy.parentCommand(options)
            return try await Daemon.with(
                parentExecutable, parentArguments, logPath: directory.file("parent.log"),
                ready: { await hierarchy.answersSOA(origins, port: hierarchy.parentPort, recursive: false) }
            ) { _ in
                try await Daemon.with(
                    try HostSystem.executable("unbound"), ["-d", "-c", unboundConfiguration],
                    logPath: directory.file("unbound.log"),
                    ready: { await hierarchy.answersSOA(origins, port: hierarchy.resolverPort, recursive: true) }
                ) { _ in try await body(hierarchy) }
            }
        }
    }

    /// Asks unbound for `name`/`type` with recursion (dig, 2 tries of 3 s).
    public func resolve(_ name: String, _ type: String, extra: [String] = []) async throws -> Dig {
        try await Dig.run(
            "dig",
            ["@127.0.0.1", "-p", "\(resolverPort)", name, type, "+rec", "+tries=2", "+time=3", "+nocookie"] + extra)
    }

    /// Asks the parent server directly (no recursion).
    public func askParent(_ name: String, _ type: String) async throws -> Dig {
        try await Dig.query(host: "127.0.0.1", port: parentPort, name: name, type: type)
    }

    /// The logs of the parent server and unbound, for failure messages.
    public func logs() -> String {
        ["parent.log", "unbound.log"].map { name in
            "== \(name)\n" + ((try? String(contentsOfFile: directory.file(name), encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
    }

    // MARK: - Configuration

    private func parentCommand(_ options: Options) throws -> (String, [String]) {
        switch options.parentServer {
        case .knot:
            try FileManager.default.createDirectory(
                atPath: directory.file("knot/db"), withIntermediateDirectories: true)
            var lines =
                KnotConfiguration.serverSections(directory: directory, port: parentPort)
                + KnotConfiguration.fileZonesTemplate(storage: directory.file("zones")) + ["zone:"]
            lines += options.zones.map { "  - domain: \($0.origin)" }
            let path = try directory.write("knot.conf", lines.joined(separator: "\n") + "\n")
            return (try HostSystem.executable("knotd"), ["-c", path])
        case .nsd:
            try FileManager.default.createDirectory(atPath: directory.file("nsd"), withIntermediateDirectories: true)
            var lines =
                NSDConfiguration.serverSection(
                    directory: directory, port: parentPort, zonesDirectory: directory.file("zones")) + [
                    "    verbosity: 1",
                    "remote-control:",
                    "    control-enable: no",
                ]
            for zone in options.zones {
                lines += ["zone:", "    name: \"\(zone.origin)\"", "    zonefile: \"\(zone.origin)zone\""]
            }
            let path = try directory.write("nsd.conf", lines.joined(separator: "\n") + "\n")
            return (try HostSystem.executable("nsd"), ["-d", "-c", path])
        }
    }

    private func unboundConfiguration(_ options: Options) -> String {
        var lines = [
            "server:",
            "    interface: 127.0.0.1@\(resolverPort)",
            "    port: \(resolverPort)",
            "    do-ip6: no",
            "    num-threads: 1",
            "    access-control: 127.0.0.0/8 allow",
            "    do-not-query-localhost: no",
            "    module-config: \"iterator\"",
            "    use-caps-for-id: yes",
            "    username: \"\"",
            "    chroot: \"\"",
            "    pidfile: \"\"",
            "    directory: \"\(directory.path)\"",
            "    use-syslog: no",
            "    logfile: \"\"",
            "    verbosity: 1",
            "    local-zone: \"test.\" nodefault",
        ]
        lines += options.resolverSettings.map { "    \($0)" }
        lines += ["remote-control:", "    control-enable: no"]
        for zone in options.zones {
            lines += ["stub-zone:", "    name: \"\(zone.origin)\"", "    stub-addr: 127.0.0.1@\(parentPort)"]
        }
        for stub in options.stubZones {
            lines += [
                "stub-zone:", "    name: \"\(Self.absolute(stub.name))\"", "    stub-addr: \(stub.host)@\(stub.port)",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether the server on `port` answers NOERROR with data to an SOA query for every origin.
    private func answersSOA(_ origins: [String], port: Int, recursive: Bool) async -> Bool {
        for origin in origins {
            let arguments = [
                "@127.0.0.1", "-p", "\(port)", origin, "SOA", recursive ? "+rec" : "+norec", "+tries=1", "+time=1",
                "+nocookie",
            ]
            guard let dig = try? await Dig.run("dig", arguments) else { return false }
            guard dig.status == "NOERROR", !dig.answers.isEmpty else { return false }
        }
        return true
    }

    private static func absolute(_ name: String) -> String { name.hasSuffix(".") ? name : name + "." }
}
