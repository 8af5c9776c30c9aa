import CairnTestSupport
import DNSWire
import Foundation
import Subprocess
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// "Every acknowledged value is served from its 2xx until it is withdrawn or expires, through any
/// number of reloads, restarts and CLI changes, and a name is released only when its owner was
/// really deleted" — tried as an operator's traffic would try it: four API clients registering
/// and updating while SIGHUP reloads keep coming and the CLI deletes other registrations, each
/// value queried over DNS right after its 2xx, everything checked again at the end and after a
/// restart.
@Suite(.serialized) struct ReloadRaceTests {
    /// What the writers report as they go.
    final class Progress: Sendable {
        let acknowledged = Atomic<Int>(0)
        /// How many registrations the CLI deleted.
        let deletions = Atomic<Int>(0)
        let reloads = Atomic<Int>(0)
        let misses = Mutex<[String]>([])
        /// The value each name must serve at the end.
        let latest = Mutex<[String: String]>([:])
    }

    @Test(.timeLimit(.minutes(3)))
    func acknowledgedValuesStayServedThroughReloadsAndCLIDeletions() async throws {
        let writers = 4
        let updateBudget = 2_000
        let reloadEvery = 10
        try await withTemporaryDirectory { directory in
            let progress = Progress()
            // Registrations come faster than the default per-source limit allows.
            let environment = ["CAIRN_API_REGISTER_PER_MINUTE": "1000000"]
            let deleted: [HookAPIServeTests.Registration] = try await HookAPIServeTests.serve(
                in: directory, environment: environment
            ) { dnsPort, apiPort, pid in
                // Registrations the CLI deletes while the writers run: their names must go, and
                // nobody else's.
                var registered: [HookAPIServeTests.Registration] = []
                for index in 0..<8 {
                    let registration = try await HookAPIServeTests.register(apiPort)
                    let reply = try await HookAPIServeTests.update(
                        apiPort, registration, HookAPIServeTests.digest(index))
                    try #require(reply.status == 200)
                    registered.append(registration)
                }
                let doomed = registered
                let deadline = ContinuousClock.now + .seconds(30)
                let (acknowledgements, acknowledge) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for writer in 0..<writers {
                        group.addTask {
                            var round = 0
                            while progress.acknowledged.load(ordering: .relaxed) < updateBudget,
                                ContinuousClock.now < deadline
                            {
                                round += 1
                                let registration = try await HookAPIServeTests.register(apiPort)
                                for step in 0..<2 {
                                    let value = HookAPIServeTests.digest(writer * 1_000_000 + round * 2 + step)
                                    let reply = try await HookAPIServeTests.update(apiPort, registration, value)
                                    try #require(reply.status == 200, "\(reply.body)")
                                    let (rcode, values) = try await HookAPIServeTests.txt(
                                        dnsPort, registration.fulldomain)
                                    if rcode != .noError || !values.contains(value) {
                                        progress.misses.withLock {
                                            $0.append("\(registration.fulldomain) \(value): \(rcode) \(values)")
                                        }
                                    }
                                    progress.latest.withLock { $0[registration.fulldomain] = value }
                                    progress.acknowledged.add(1, ordering: .relaxed)
                                    acknowledge.yield()
                                }
                            }
                        }
                    }
                    // SIGHUP after every `reloadEvery` acknowledgements, so reloads overlap the
                    // writers throughout (paced by their progress, not by a timer); the CLI deletes
                    // one doomed registration (and signals the server itself) every 25 reloads.
                    group.addTask {
                        var count = 0
                        for await _ in acknowledgements {
                            count += 1
                            guard count % reloadEvery == 0 else { continue }
                            kill(pid.value, SIGHUP)
                            let reloads = progress.reloads.add(1, ordering: .relaxed).newValue
                            let cliDeletions = progress.deletions.load(ordering: .relaxed)
                            if reloads % 25 == 0, cliDeletions < doomed.count {
                                let result = try await Tool.run(
                                    try CairnBinary.path(),
                                    [
                                        "registration", "delete", doomed[cliDeletions].username, "--state-dir",
                                        directory.file("state"),
                                    ], environment: ["CAIRN_API_AUTH_ZONE": HookAPIServeTests.authZone],
                                    timeLimit: .seconds(30))
                                try #require(result.succeeded, "\(result.output)")
                                progress.deletions.add(1, ordering: .relaxed)
                            }
                        }
                    }
                    for _ in 0..<writers { try await group.next() }
                    acknowledge.finish()
                    try await group.waitForAll()
                }
                let deletedCount = progress.deletions.load(ordering: .relaxed)
                // One more change through the API: the server applies everything committed before
                // it (the CLI's deletions included) before acknowledging it.
                let last = try await HookAPIServeTests.register(apiPort)
                try #require(
                    try await HookAPIServeTests.update(apiPort, last, HookAPIServeTests.digest(7)).status == 200)
                progress.latest.withLock { latest in
                    latest[last.fulldomain] = HookAPIServeTests.digest(7)
                    for (index, registration) in doomed.enumerated() where index >= deletedCount {
                        latest[registration.fulldomain] = HookAPIServeTests.digest(index)
                    }
                }
                try await Self.expectServed(progress, dnsPort, when: "at the end")
                for registration in doomed[..<deletedCount] {
                    let (rcode, values) = try await HookAPIServeTests.txt(dnsPort, registration.fulldomain)
                    #expect(rcode == .nameError, "\(registration.fulldomain) deleted by the CLI but serves \(values)")
                }
                return Array(doomed[..<deletedCount])
            }
            let acknowledged = progress.acknowledged.load(ordering: .relaxed)
            print(
                "reload race: \(acknowledged) updates acknowledged, \(progress.reloads.load(ordering: .relaxed)) SIGHUPs, "
                    + "\(deleted.count) CLI deletions, \(progress.misses.withLock { $0.count }) misses")
            #expect(acknowledged >= 100)
            #expect(!deleted.isEmpty, "the CLI deleted no registration while the writers ran")
            let misses = progress.misses.withLock { $0 }
            #expect(
                misses.isEmpty,
                "\(misses.count) acknowledged values not served right after their 2xx: \(misses.prefix(5))")
            // A restart serves the same.
            try await HookAPIServeTests.serve(in: directory, environment: environment) { dnsPort, _, _ in
                try await Self.expectServed(progress, dnsPort, when: "after a restart")
            }
        }
    }

    static func expectServed(_ progress: Progress, _ dnsPort: Int, when: String) async throws {
        let latest = progress.latest.withLock { $0 }
        var wrong: [String] = []
        for (name, value) in latest {
            let (rcode, values) = try await HookAPIServeTests.txt(dnsPort, name)
            if rcode != .noError || !values.contains(value) { wrong.append("\(name): \(rcode) \(values)") }
        }
        #expect(
            wrong.isEmpty,
            "\(wrong.count) of \(latest.count) names \(when) do not serve their value: \(wrong.prefix(5))")
    }
}
