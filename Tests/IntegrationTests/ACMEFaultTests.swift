import CairnTestSupport
import Foundation
import Testing

/// `cairn issue` through a CA that fails the way real ones do: Pebble rejecting half of all
/// nonces (`PEBBLE_WFE_NONCEREJECT=50`) behind ``ACMEFaultProxy``, which answers 500 and 503,
/// closes connections unanswered, answers late and cuts bodies short. The certificate is issued
/// within the retry budgets, from exactly one order, and every kind of fault was really injected.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ACMEFaultTests {
    @Test func issueCompletesThroughAFaultyCAWithOneOrder() async throws {
        let port = try await LoopbackPorts.free()
        try await Pebble.with(
            Pebble.Options(dnsServer: "127.0.0.1:\(port)", environment: ["PEBBLE_WFE_NONCEREJECT": "50"])
        ) { pebble in
            let upstream = String(pebble.directoryURL.dropLast("/dir".count))
            try await ACMEFaultProxy.with(upstream: upstream, upstreamRoots: pebble.caCertificatePath) { proxy in
                try await withTemporaryDirectory(prefix: "cairn-faults") { directory in
                    let names = ["example.test", "*.example.test", "other.test"]
                    var arguments = [
                        "issue", "--server", proxy.url + "/dir", "--ca-bundle", proxy.trustedRootsFile, "--listen",
                        "127.0.0.1:\(port)", "--out", directory.file("certificates"), "--state-dir",
                        directory.file("state"), "--skip-preflight",
                    ]
                    for name in names { arguments += ["-d", name] }
                    let result = try await Tool.run(try CairnBinary.path(), arguments, timeLimit: .seconds(240))
                    let counts = proxy.counts
                    // The figures the closing note reports.
                    print(
                        "ACMEFaultTests: \(counts.forwarded) requests forwarded, injected "
                            + ACMEFaultProxy.Fault.allCases.map { "\($0): \(counts.injected[$0, default: 0])" }
                            .joined(separator: ", ") + ", orders created \(counts.ordersCreated)")
                    #expect(result.succeeded, "cairn issue failed:\n\(result.output)\nPebble:\n\(pebble.log())")
                    #expect(
                        FileManager.default.fileExists(
                            atPath: directory.file("certificates/example.test/fullchain.pem")))
                    for fault in ACMEFaultProxy.Fault.allCases {
                        #expect(counts.injected[fault, default: 0] > 0, "no \(fault) injected: \(counts.injected)")
                    }
                    // The one order's answer was cut off: the client found it in the account's orders.
                    #expect(counts.orderAnswersLost == 1)
                    #expect(counts.ordersCreated == 1, "\(counts.ordersCreated) orders created:\n\(result.output)")
                    #expect(result.output.contains("the order it placed is in the account's orders"))
                    #expect(result.output.contains("trying again"), "no retry logged:\n\(result.output)")
                }
            }
        }
    }
}
