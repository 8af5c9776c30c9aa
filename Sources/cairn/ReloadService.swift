import DNSAuthority
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads zones (and the zones directory from the configuration) on SIGHUP, which
/// `cairn reload` sends. A reload that fails keeps the running zones and logs every problem as
/// `file:line: message` (DESIGN decision 7).
struct ReloadService: Service {
    let authority: Authority
    let signals: UnixSignalsSequence
    let reloadSettings: @Sendable () async throws -> ServeSettings
    let logger: Logger

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            await reload()
        }
    }

    func reload() async {
        logger.info("reloading configuration and zones")
        do {
            let settings = try await reloadSettings()
            let zones = try ZoneDirectory.load(settings.zonesDirectory)
            try authority.replaceZones(zones)
            logger.info(
                "reloaded zones",
                metadata: [
                    "directory": "\(settings.zonesDirectory)",
                    "zones": "\(ZoneDirectory.apexList(zones))",
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
