import DNSAuthority
import HookAPI
import Logging
import ServiceLifecycle
import Store
import UnixSignals

/// Reloads on SIGHUP (what `cairn reload`, `cairn token create` and `cairn register` send): the
/// zone files, the auth zone and the challenge zones in the store, then the names and values
/// the store holds. A reload that fails keeps the running zones and logs every problem
/// (DESIGN decision 7). Takes the place of ``ReloadService`` once a store exists, because a
/// reload of the zone files alone would drop the synthesized zones.
struct StoreReloadService: Service {
    let authority: Authority
    let store: any ChallengeStore
    let signals: UnixSignalsSequence
    let reloadSettings: @Sendable () async throws -> ServeSettings
    let logger: Logger

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        logger.info("reloading configuration, zones and store")
        do {
            let settings = try await reloadSettings()
            let zones = try await ServeZones.load(settings, store: store)
            let released = try await ChallengeRestore.releaseDeleted(store: store, authority: authority, logger: logger)
            if released > 0 { logger.info("released names of deleted credentials", metadata: ["names": "\(released)"]) }
            try authority.replaceZones(zones)
            let summary = try await ChallengeRestore.restore(
                store: store, authority: authority, identity: settings.api.identity, logger: logger)
            logger.info(
                "reloaded zones and store",
                metadata: [
                    "directory": "\(settings.zonesDirectory)",
                    "zones": "\(ZoneDirectory.apexList(zones))",
                    "store": "\(summary)",
                ])
        } catch let failure as ZoneLoadFailure {
            for problem in failure.problems {
                logger.error("reload failed, still serving the previous zones: \(problem)")
            }
        } catch {
            logger.error("reload failed, still serving the previous zones: \(error)")
        }
    }
}
