import CairnTestSupport
import DNSAuthority
import DNSReplication
import DNSWire
import Foundation
import NIOCore
import Testing

/// Cairn's answers compared with Knot DNS and NSD serving the same zones (DESIGN.md
/// decision 1: libldns is a weak oracle, so answers are checked differentially).
///
/// The same few hundred queries, built octet by octet, go to Knot and NSD over loopback and
/// straight into `Authority.answer`. Every field on which Cairn differs from a peer must be
/// listed in ``ExpectedDifferences/table`` with its justification; an entry that matches
/// nothing fails the test too, so the table cannot go stale.
@Suite struct DifferentialTests {
    static let zones = ["diff.test", "kid.diff.test"]
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/differential").path

    @Test(.timeLimit(.minutes(2)))
    func cairnAnswersLikeKnotAndNSD() async throws {
        let started = ContinuousClock.now
        let queries = DifferentialQueries.all()
        #expect(queries.count >= 300)
        #expect(Set(queries.map(\.id)).count == queries.count, "query IDs are unique")

        try await withTemporaryDirectory(prefix: "cairn-differential") { directory in
            // The peers read their own copy of the zone files.
            let zoneDirectory = directory.file("zones")
            try FileManager.default.createDirectory(atPath: zoneDirectory, withIntermediateDirectories: true)
            for zone in Self.zones {
                try FileManager.default.copyItem(
                    atPath: "\(Self.fixtures)/\(zone).zone", toPath: "\(zoneDirectory)/\(zone).zone")
            }

            // Negative TTLs uncapped, so they are min(SOA TTL, MINIMUM) as at the peers.
            let authority = try Authority(
                zones: try Self.zones.map { try Zone.load(file: "\(Self.fixtures)/\($0).zone", origin: DNSName($0)) },
                configuration: AuthorityConfiguration(maximumNegativeTTL: .max))
            let cairn: [Outcome] = queries.map { query in
                guard
                    let (response, _) = authority.answer(
                        query: ByteBuffer(bytes: query.bytes), transport: query.transport == .udp ? .udp : .tcp,
                        now: nil, output: ByteBuffer())
                else { return .dropped("Cairn drops it") }
                return .response(Array(response.readableBytesView))
            }

            let peers = try await PeerServers.with(zoneDirectory: zoneDirectory, zones: Self.zones, in: directory) {
                ports in
                async let knot = Self.ask(queries, port: ports.knot)
                async let nsd = Self.ask(queries, port: ports.nsd)
                return [Peer.knot: await knot, Peer.nsd: await nsd]
            }

            let report = Self.compare(queries: queries, cairn: cairn, peers: peers)
            for line in report.unexpected { Issue.record(Comment(rawValue: line)) }
            for entry in report.unusedEntries {
                Issue.record("expected difference \"\(entry.name)\" never matched: remove it or fix its predicate")
            }
            let elapsed = ContinuousClock.now - started
            print(
                """
                Differential test: \(queries.count) queries (\(queries.filter { $0.transport == .tcp }.count) over TCP), \
                \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))
                """)
            for peer in Peer.allCases {
                let counts = report.counts[peer, default: Report.Counts()]
                print(
                    """
                      \(peer): \(counts.queriesDiffering) queries differ (\(counts.fieldsDiffering) fields); \
                    \(counts.unexpected) fields not in the table
                    """)
            }
            for entry in ExpectedDifferences.table {
                print("  [\(report.matchCounts[entry.name, default: 0])] \(entry.name)")
            }
        }
    }

    /// An AXFR of each fixture zone from Cairn (as a primary allowing 127.0.0.2) holds the same
    /// records as Knot's and NSD's serving the same files, as `dig` prints them.
    @Test(.timeLimit(.minutes(2)))
    func transfersHoldWhatKnotAndNSDTransfer() async throws {
        try await withTemporaryDirectory(prefix: "cairn-differential-axfr") { directory in
            let zoneDirectory = directory.file("zones")
            try FileManager.default.createDirectory(atPath: zoneDirectory, withIntermediateDirectories: true)
            for zone in Self.zones {
                try FileManager.default.copyItem(
                    atPath: "\(Self.fixtures)/\(zone).zone", toPath: "\(zoneDirectory)/\(zone).zone")
            }
            let authority = try Authority(
                zones: try Self.zones.map { try Zone.load(file: "\(Self.fixtures)/\($0).zone", origin: DNSName($0)) })
            let transfers = ReplicationConfiguration(secondaries: [Secondary(address: PeerServers.transferClient)])
            try await withDNSServer(authority: authority, transfers: transfers) { cairn in
                try await PeerServers.with(zoneDirectory: zoneDirectory, zones: Self.zones, in: directory) { ports in
                    for zone in Self.zones {
                        let mine = try await Self.transfer(zone, port: cairn.ipv4Port)
                        #expect(mine.count > 10, "Cairn's AXFR of \(zone): \(mine)")
                        for (peer, port) in [("knot", ports.knot), ("nsd", ports.nsd)] {
                            let theirs = try await Self.transfer(zone, port: port)
                            #expect(
                                mine == theirs,
                                """
                                \(zone): only Cairn's: \(mine.subtracting(theirs).sorted())
                                only \(peer)'s: \(theirs.subtracting(mine).sorted())
                                """)
                        }
                    }
                }
            }
        }
    }

    /// The records of an AXFR of `zone` from the server on `port`, asked from 127.0.0.2, one
    /// line each as `dig` prints them (the closing SOA left out), owner names lowercased: Knot and
    /// NSD keep names in lower case, Cairn as the file writes them (RFC 4343 §2.1 lets both be).
    static func transfer(_ zone: String, port: Int) async throws -> Set<String> {
        let result = try await Tool.run(
            "dig",
            [
                "@127.0.0.1", "-p", "\(port)", "-b", PeerServers.transferClient, zone, "AXFR", "+onesoa", "+nocmd",
                "+nocomments", "+nostats", "+time=5", "+tries=1",
            ])
        return Set(
            result.output.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix(";") }.map { line in
                let fields = line.split(whereSeparator: \.isWhitespace)
                return ([fields[0].lowercased()] + fields.dropFirst().map(String.init)).joined(separator: " ")
            })
    }

    /// Sends every query to the server on `port`, several at a time so the ones a server
    /// drops wait out their 2 s timeouts together.
    static func ask(_ queries: [DifferentialQuery], port: Int) async -> [Outcome] {
        await withTaskGroup(of: (Int, Outcome).self) { group in
            var results = Array(repeating: Outcome.dropped("not sent"), count: queries.count)
            var next = 0
            func launch(_ index: Int) {
                let query = queries[index]
                group.addTask {
                    do {
                        let bytes = try await DNSTestClient.exchange(
                            query.bytes, host: "127.0.0.1", port: port,
                            transport: query.transport == .udp ? .udp : .tcp,
                            timeout: .seconds(2))
                        return (index, .response(bytes))
                    } catch is DNSTestClient.Timeout {
                        return (index, .dropped("no response within 2 s"))
                    } catch {
                        return (index, .dropped("\(error)"))
                    }
                }
            }
            while next < min(48, queries.count) {
                launch(next)
                next += 1
            }
            while let (index, outcome) = await group.next() {
                results[index] = outcome
                if next < queries.count {
                    launch(next)
                    next += 1
                }
            }
            return results
        }
    }

    struct Report {
        struct Counts {
            var queriesDiffering = 0
            var fieldsDiffering = 0
            var unexpected = 0
        }
        var unexpected: [String] = []
        var counts: [Peer: Counts] = [:]
        var matchCounts: [String: Int] = [:]
        var unusedEntries: [ExpectedDifference] = []
    }

    /// Compares Cairn with each peer query by query; a difference is accepted by the first
    /// table entry that covers it.
    static func compare(queries: [DifferentialQuery], cairn: [Outcome], peers: [Peer: [Outcome]]) -> Report {
        var report = Report()
        let table = ExpectedDifferences.table
        for (index, query) in queries.enumerated() {
            for peer in Peer.allCases {
                guard let outcomes = peers[peer] else { continue }
                let differences = ResponseComparison.compare(cairn: cairn[index], peer: outcomes[index])
                if !differences.isEmpty { report.counts[peer, default: Report.Counts()].queriesDiffering += 1 }
                for difference in differences {
                    report.counts[peer, default: Report.Counts()].fieldsDiffering += 1
                    if let entry = table.first(where: { $0.covers(query, peer: peer, field: difference.field) }) {
                        report.matchCounts[entry.name, default: 0] += 1
                    } else {
                        report.counts[peer, default: Report.Counts()].unexpected += 1
                        report.unexpected.append(
                            """
                            \(peer) differs on \(difference.field) for \(query)
                                Cairn: \(difference.cairn)
                                \(peer): \(difference.peer)
                            """)
                    }
                }
            }
        }
        report.unusedEntries = table.filter { report.matchCounts[$0.name, default: 0] == 0 }
        return report
    }
}
