import DNSAuthority
import HookAPI
import Logging
import NIOPosix
import ServiceLifecycle
import Store

/// Every `interval`: applies changes other processes committed to the store (the CLI, other
/// instances sharing the database) through the ``ChallengeWriter``, indexes a slice of the
/// expiries a restore left unindexed, and removes expired TXT values from the challenge table
/// (Cairn stopped serving them at their expiry; the sweep is what takes them off secondaries)
/// and, once a minute, from the store, so neither grows with values clients never clean up.
struct StoreFollowService: Service {
    let writer: ChallengeWriter
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let clock = ContinuousClock()
        var lastSweep = clock.now
        // Since when, and how many names, the expiry index has been filled after a restore.
        var indexing: (since: ContinuousClock.Instant, names: Int)? = nil
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                if let summary = try await writer.catchUp() {
                    logger.info("applied changes committed by another process", metadata: ["store": "\(summary)"])
                }
            } catch {
                logger.warning("could not read changes from the store", metadata: ["error": "\(error)"])
            }
            // A restore leaves the expiry index to be filled here, 50,000 names a tick (about
            // 0.1 s of the writer lock at 2.4 M names), so start-up is not slowed by it.
            let slice = writer.authority.indexDeferredExpiries(limit: 50_000)
            if slice.indexed > 0 {
                let names = (indexing?.names ?? 0) + slice.indexed
                indexing = (indexing?.since ?? clock.now, names)
                if slice.left == 0 {
                    logger.info(
                        "expiry index built",
                        metadata: ["names": "\(names)", "duration": "\(clock.now - (indexing?.since ?? clock.now))"])
                    indexing = nil
                    // The table and its index are built: a large one gets huge pages. Collapsing
                    // blocks in the kernel (1.4 s at 2.4 M names), so on NIO's thread pool, not on
                    // a thread of the concurrency pool the API's handlers share.
                    let started = clock.now
                    let collapsed = (try? await NIOThreadPool.singleton.runIfActive { HeapHugePages.collapse() }) ?? 0
                    if collapsed > 0 {
                        logger.info(
                            "heap backed with huge pages",
                            metadata: ["KiB": "\(collapsed)", "duration": "\(clock.now - started)"])
                    }
                }
            }
            // Every tick from the table, so secondaries stop serving a value within about a
            // second of its expiry, as Cairn does (the index makes it O(values expired)); once a
            // minute from the store, which costs a transaction.
            let now = UnixTime.now()
            let names = writer.authority.removeExpiredValues(now: now)
            if names > 0 { logger.debug("expired values removed", metadata: ["names": "\(names)"]) }
            guard clock.now - lastSweep >= .seconds(60) else { continue }
            lastSweep = clock.now
            do {
                try await writer.store.apply([.removeExpired(now: now.rawValue)])
            } catch {
                logger.warning("could not remove expired values from the store", metadata: ["error": "\(error)"])
            }
        }
    }
}
