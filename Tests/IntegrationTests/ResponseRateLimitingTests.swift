import CairnTestSupport
import DNSWire
import Foundation
import Testing

/// Response-rate limiting in a real `cairn serve`, with bursts of UDP queries from loopback
/// addresses standing for client prefixes (loopback's exemption turned off): one prefix's NXDOMAIN
/// flood is cut to the configured rate, with truncated slips, while another prefix and a CA
/// asking for a challenge value are answered in full.
@Suite(.serialized) struct ResponseRateLimitingTests {
    static func queries(_ names: [String], _ type: DNSRecordType = .txt) throws -> [[UInt8]] {
        try names.enumerated().map { index, name in
            try queryBytes(try DNSName(name), type, id: UInt16(index))
        }
    }

    static func decoded(_ responses: [[UInt8]]) throws -> (full: [DNSMessage], truncated: [DNSMessage]) {
        let messages = try responses.map { try DNSMessage(decoding: $0) }
        return (messages.filter { !$0.header.isTruncated }, messages.filter(\.header.isTruncated))
    }

    @Test(.timeLimit(.minutes(2)))
    func aFloodFromOnePrefixIsCutWhileOthersAreAnswered() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "cairn.yaml", "dns:\n  rrl:\n    responsesPerSecond: 5\n    exemptLoopback: false\n")
            try await HookAPIServeTests.serve(in: directory, arguments: ["--config", config]) { dnsPort, apiPort, _ in
                // NXDOMAIN bait: 60 random names from one /24.
                let bait = try Self.queries((0..<60).map { "bait\($0).\(HookAPIServeTests.authZone)" })
                let flood = try Self.decoded(
                    try await DNSTestClient.burst(bait, host: "127.0.0.1", port: dnsPort, from: "127.0.80.1"))
                // 5 a second: the burst spans at most a few seconds on a slow machine.
                #expect(flood.full.count <= 15, "\(flood.full.count) full answers to the flood")
                #expect(flood.full.allSatisfy { $0.responseCode == .nameError })
                #expect(!flood.truncated.isEmpty, "no slip")
                #expect(flood.truncated.allSatisfy { $0.answers.isEmpty && $0.questions.count == 1 })
                #expect(flood.full.count + flood.truncated.count < 60, "nothing was dropped")

                // Another prefix within its own budget, right after: every query answered in full.
                let other = try Self.decoded(
                    try await DNSTestClient.burst(
                        try Self.queries((0..<5).map { "other\($0).\(HookAPIServeTests.authZone)" }), host: "127.0.0.1",
                        port: dnsPort, from: "127.0.81.1"))
                #expect(other.full.count == 5 && other.truncated.isEmpty)

                // A challenge value is answered in full however often it is asked (up to 2,000/s).
                let registration = try await HookAPIServeTests.register(apiPort)
                let value = HookAPIServeTests.digest(3)
                #expect(try await HookAPIServeTests.update(apiPort, registration, value).status == 200)
                let asked = try Self.decoded(
                    try await DNSTestClient.burst(
                        try Self.queries(Array(repeating: registration.fulldomain, count: 60)), host: "127.0.0.1",
                        port: dnsPort, from: "127.0.82.1"))
                #expect(asked.full.count == 60, "\(asked.full.count) of 60 challenge answers in full")

                // Over TCP, where a slipped resolver goes, the flooding prefix is not limited.
                let tcp = try await DNSTestClient.pipeline(Array(bait.prefix(20)), host: "127.0.0.1", port: dnsPort)
                #expect(tcp.count == 20)

                let metrics = try await HookAPIServeTests.request(apiPort, "GET", "/metrics")
                let limited = metrics.body.split(separator: "\n").first { $0.hasPrefix("cairn_dns_rate_limited ") }
                #expect(limited.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0 >= 45, "\(limited ?? "")")
            }
        }
    }

    /// Rate limiting off (`responsesPerSecond: 0`): the same flood is answered in full.
    @Test(.timeLimit(.minutes(2)))
    func offAnswersEverything() async throws {
        try await withTemporaryDirectory { directory in
            let config = try directory.write(
                "cairn.yaml", "dns:\n  rrl:\n    responsesPerSecond: 0\n    exemptLoopback: false\n")
            try await HookAPIServeTests.serve(in: directory, arguments: ["--config", config]) { dnsPort, _, _ in
                let bait = try Self.queries((0..<60).map { "bait\($0).\(HookAPIServeTests.authZone)" })
                let flood = try Self.decoded(
                    try await DNSTestClient.burst(bait, host: "127.0.0.1", port: dnsPort, from: "127.0.80.1"))
                #expect(flood.full.count == 60)
            }
        }
    }
}
