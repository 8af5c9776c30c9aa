import CairnTestSupport
import DNSWire
import Foundation

/// The ports of the running reference servers.
struct PeerPorts: Sendable {
    var knot: Int
    var nsd: Int

    func port(of peer: Peer) -> Int {
        switch peer {
        case .knot: knot
        case .nsd: nsd
        }
    }
}

/// Runs Knot DNS and NSD on 127.0.0.1, serving the same zone files as Cairn, with the
/// settings of /work/survey/start-peers.sh: no journal or database, NSD with RRL off,
/// minimal responses, one server process and no privilege drop. Neither has an NSID
/// configured (and no query asks for one: Knot would then send the host name).
enum PeerServers {
    /// Starts both servers, runs `body`, and stops both whatever happens.
    ///
    /// - Parameters:
    ///   - zones: zone names; the file of zone `z` is `<zoneDirectory>/<z>.zone`.
    static func with<T: Sendable>(
        zoneDirectory: String, zones: [String], in directory: TemporaryDirectory,
        _ body: @escaping @Sendable (PeerPorts) async throws -> T
    ) async throws -> T {
        let knotd = try HostSystem.executable("knotd")
        let nsd = try HostSystem.executable("nsd")
        let ports = PeerPorts(knot: try await LoopbackPorts.free(), nsd: try await LoopbackPorts.free())
        let knotConfiguration = try directory.write(
            "knot.conf",
            knotConfiguration(port: ports.knot, zoneDirectory: zoneDirectory, zones: zones, directory: directory))
        let nsdConfiguration = try directory.write(
            "nsd.conf",
            nsdConfiguration(port: ports.nsd, zoneDirectory: zoneDirectory, zones: zones, directory: directory))
        try FileManager.default.createDirectory(atPath: directory.file("knot/db"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("nsd"), withIntermediateDirectories: true)
        let probes = zones.map { try! DNSName($0) }
        return try await Daemon.with(
            knotd, ["-c", knotConfiguration], logPath: directory.file("knot.log"),
            ready: { await answersSOA(probes, port: ports.knot) }
        ) { _ in
            try await Daemon.with(
                nsd, ["-d", "-c", nsdConfiguration], logPath: directory.file("nsd.log"),
                ready: { await answersSOA(probes, port: ports.nsd) }
            ) { _ in
                try await body(ports)
            }
        }
    }

    /// Whether the server on `port` answers an SOA query for every zone with NOERROR and data.
    static func answersSOA(_ zones: [DNSName], port: Int) async -> Bool {
        for (index, zone) in zones.enumerated() {
            let query =
                DNSQueryWire.header(id: UInt16(0xF000 + index), flags: 0, qd: 1)
                + DNSQueryWire.question(zone.wireBytes, DNSRecordType.soa.rawValue, 1)
            guard
                let bytes = try? await DNSTestClient.exchange(
                    query, host: "127.0.0.1", port: port, transport: .udp, timeout: .milliseconds(300)),
                let message = try? DNSMessage(decoding: bytes),
                message.responseCode == .noError, !message.answers.isEmpty
            else { return false }
        }
        return true
    }

    /// The one address allowed zone transfers, so the differential queries (from 127.0.0.1) keep
    /// being refused them.
    static let transferClient = "127.0.0.2"

    static func knotConfiguration(
        port: Int, zoneDirectory: String, zones: [String], directory: TemporaryDirectory
    )
        -> String
    {
        var lines =
            KnotConfiguration.serverSections(directory: directory, port: port) + [
                // Transfers from 127.0.0.2 only: the differential queries come from 127.0.0.1 and see REFUSED.
                "acl:",
                "  - id: transfer",
                "    address: \(transferClient)",
                "    action: transfer",
            ] + KnotConfiguration.fileZonesTemplate(storage: zoneDirectory) + ["    acl: transfer", "zone:"]
        lines += zones.map { "  - domain: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    static func nsdConfiguration(
        port: Int, zoneDirectory: String, zones: [String], directory: TemporaryDirectory
    )
        -> String
    {
        var lines =
            NSDConfiguration.serverSection(directory: directory, port: port, zonesDirectory: zoneDirectory) + [
                "    minimal-responses: yes",
                "    refuse-any: no",
                "    verbosity: 1",
                "remote-control:",
                "    control-enable: no",
            ]
        for zone in zones {
            lines += [
                "zone:", "    name: \"\(zone)\"", "    zonefile: \"\(zone).zone\"",
                "    provide-xfr: \(transferClient) NOKEY",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
