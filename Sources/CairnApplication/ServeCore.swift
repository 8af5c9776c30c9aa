import ACMEClient
import CertificateManager
import DNSAuthority
import DNSServer
import DNSWire
import Foundation
import HookAPI
import Logging
import Store

/// What `cairn serve` and an in-process `cairn renew` share: the state directory's lock, the
/// store, the zones and authority, the ordered path from the store to the table, and the
/// certificate manager publishing through it.
final class ServeCore: Sendable {
    let state: StateDirectory
    let store: SQLiteStore
    let authority: Authority
    let writer: ChallengeWriter
    let manager: CertificateManagerService
    private let identity: NameserverIdentity
    private let storePath: String
    private let stateDirectory: String
    /// `CAIRN_FAILPOINT`: where a test asks the process to stop or wait.
    private let failpoint = ProcessInfo.processInfo.environment["CAIRN_FAILPOINT"]

    init(settings: ServeSettings, logger: Logger) async throws {
        if let file = settings.configFile { logger.info("configuration read", metadata: ["file": "\(file)"]) }
        state = try StateDirectory(path: settings.stateDirectory, logger: logger)
        store = try SQLiteStore(path: settings.storePath)
        let served = try ServeZones.load(settings)
        authority = try Authority(zones: served.zones, configuration: settings.authority, restoring: true)
        logger.info(
            "zones loaded",
            metadata: [
                "directory": "\(settings.zonesDirectory)",
                "zones": "\(ZoneDirectory.apexList(served.zones))",
                "nameservers": "\(served.identity.nameservers.map(\.description).joined(separator: " "))",
            ])
        if let advice = served.unreachableAdvice { logger.warning("\(advice)") }
        // The one ordered path from the store to the table (DESIGN decision 4): the API, reloads
        // and changes made by the CLI all go through it.
        let writer = ChallengeWriter(store: store, authority: authority, identity: served.identity, logger: logger)
        self.writer = writer
        self.identity = served.identity
        self.storePath = settings.storePath
        self.stateDirectory = settings.stateDirectory
        manager = CertificateManagerService(
            settings: CertificateManagerService.Settings(
                certificatesDirectory: settings.acme.certificatesDirectory, stateDirectory: settings.stateDirectory,
                resolver: settings.acme.resolver, preflight: settings.acme.preflight,
                preflightNameserverPort: settings.acme.preflightNameserverPort,
                concurrency: settings.acme.concurrency,
                failpoint: failpoint),
            declarations: settings.acme.declarations, store: store,
            publisher: { certificate in
                // Through the store, so values are durable and follow the ordered path.
                StoreChallengePublisher(writer: writer, owner: ChallengeOwner(rawValue: "certificate:\(certificate)"))
            },
            logger: logger)
        if !settings.acme.declarations.certificates.isEmpty {
            logger.info(
                "declared certificates",
                metadata: [
                    "certificates": "\(settings.acme.declarations.certificates.map(\.name))",
                    "directory": "\(settings.acme.certificatesDirectory)",
                ])
        }
    }

    /// Rebuilds the challenge table from the store in one pass (start-up). Until it returns,
    /// the authority answers static data and holds negative answers back (SERVFAIL, Not Ready).
    func restore(logger: Logger) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        try await holdIfAsked(logger: logger)
        try await store.apply([.removeExpired(now: UnixTime.now().rawValue)])
        let restored = try await writer.reload(staticZones: nil, identity: identity)
        // The store's rows and the intermediate states are garbage now; glibc keeps freed
        // memory mapped unless told, which at a million names is hundreds of megabytes of RSS.
        releaseFreedMemory()
        logger.info(
            "challenge table rebuilt from the store",
            metadata: [
                "store": "\(storePath)", "restored": "\(restored)", "duration": "\(clock.now - started)",
            ])
    }
}

extension ServeCore {
    /// The file whose creation ends the `holdRestore` failpoint.
    static func restoreReleaseFile(stateDirectory: String) -> String { "\(stateDirectory)/release-restore" }

    /// `CAIRN_FAILPOINT=holdRestore`: the restore waits until `<state>/release-restore` exists,
    /// so a test can watch what the server answers while a large store is being restored.
    private func holdIfAsked(logger: Logger) async throws {
        guard failpoint == "holdRestore" else { return }
        let file = Self.restoreReleaseFile(stateDirectory: stateDirectory)
        logger.notice("failpoint holdRestore: the restore waits for \(file)")
        while !FileManager.default.fileExists(atPath: file) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

#if canImport(Glibc)
    /// glibc's `malloc_trim(3)`, which the Glibc module does not export.
    @_silgen_name("malloc_trim")
    private func malloc_trim(_ pad: Int) -> Int32
#endif

/// Returns memory freed to the allocator to the system (glibc keeps it otherwise).
func releaseFreedMemory() {
    #if canImport(Glibc)
        _ = malloc_trim(0)
    #endif
}
