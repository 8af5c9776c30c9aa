import DNSAuthority
import HookAPI
import Logging
import ServiceLifecycle

/// Reloads on SIGHUP (what `cairn reload`, `cairn token create` and `cairn register` send): the
/// configuration and zone files, then the challenge table from a snapshot of the store, all
/// through the ``ChallengeWriter``, so a reload is ordered with the API's changes and drops
/// nothing they acknowledged. A reload that fails keeps the running zones and logs every
/// problem (DESIGN decision 7).
struct StoreReloadService<Reloads: AsyncSequence & Sendable>: Service
where Reloads.Failure == Never, Reloads.Element: Sendable {
    let writer: ChallengeWriter
    /// Each element asks for a reload (SIGHUP in `cairn serve`).
    let reloads: Reloads
    let reloadSettings: @Sendable () async throws -> ServeSettings
    /// Told the new settings after zones and store are reloaded (declared certificates).
    var onReload: @Sendable (ServeSettings) async -> Void = { _ in }
    let logger: Logger

    func run() async throws {
        for await _ in reloads.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        logger.info("reloading configuration, zones and store")
        let clock = ContinuousClock()
        let started = clock.now
        do {
            let settings = try await reloadSettings()
            let served = try ServeZones.load(settings)
            let zones = served.zones
            if let advice = served.unreachableAdvice { logger.warning("\(advice)") }
            let summary = try await writer.reload(staticZones: zones, identity: served.identity)
            // A reload that rebuilt the table freed the old one: hundreds of megabytes at millions
            // of names, which glibc otherwise keeps mapped.
            releaseFreedMemory()
            logger.info(
                "reloaded zones and store",
                metadata: [
                    "directory": "\(settings.zonesDirectory)",
                    "zones": "\(ZoneDirectory.apexList(zones))",
                    "store": "\(summary)", "duration": "\(clock.now - started)",
                    // Names the expiry index has still to take in: those of a restore still being
                    // indexed, or of a snapshot rebuild that changed more names than a journal
                    // records; a reload otherwise keeps the index as it was.
                    "unindexed": "\(writer.authority.challengeTable.unindexedNameCount)",
                ])
            await onReload(settings)
        } catch let failure as ZoneLoadFailure {
            for problem in failure.problems {
                logger.error("reload failed, still serving the previous zones: \(problem)")
            }
        } catch {
            logger.error("reload failed, still serving the previous zones: \(error)")
        }
    }
}
