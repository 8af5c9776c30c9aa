import DNSAuthority
import Logging
import ServiceLifecycle
import Store

/// Removes expired TXT values once a minute: from the challenge table (they already stopped
/// being served at their expiry) and from the store, so neither grows with values clients never
/// clean up.
struct ExpirySweepService: Service {
    let authority: Authority
    let store: any ChallengeStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            let now = UnixTime.now()
            let names = authority.removeExpiredValues(now: now)
            do {
                try await store.apply([.removeExpired(now: now.rawValue)])
            } catch {
                logger.warning("could not remove expired values from the store", metadata: ["error": "\(error)"])
            }
            if names > 0 { logger.debug("expired values removed", metadata: ["names": "\(names)"]) }
        }
    }
}
