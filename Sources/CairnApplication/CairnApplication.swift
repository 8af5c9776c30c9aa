import ACMEClient
import CertificateManager
import DNSAuthority
import DNSReplication
import DNSServer
import DNSWire
import Foundation
import HookAPI
package import Logging
package import NIOCore
import Prometheus
import ServiceLifecycle
import Store

/// `cairn serve` as a library, the way Hummingbird's `Application` is one: from settings it
/// builds the authority, the ordered path from the store to the table, the DNS listeners, the
/// hook API, reloads and the store follower, and runs them as one service. The executable adds
/// only argument parsing and signals; tests start it in-process.
package struct CairnApplication<Reloads: AsyncSequence & Sendable>: Service
where Reloads.Failure == Never, Reloads.Element: Sendable {
    package var settings: ServeSettings
    /// Reads the settings again for a reload (the same file, environment and flags).
    package var reloadSettings: @Sendable () async throws -> ServeSettings
    /// Each element asks for a reload (SIGHUP in the executable).
    package var reloads: Reloads
    package var logger: Logger
    /// Told every DNS listening address once all are bound.
    package var onDNSBound: @Sendable ([SocketAddress]) async -> Void
    /// Told the hook API's address once it listens.
    package var onAPIBound: @Sendable (SocketAddress) async -> Void

    /// How long the start waits for the table to be restored before the DNS listener opens
    /// anyway (answering static data, holding negative answers back until the restore ends).
    private static var restoreGrace: Duration { .seconds(1) }

    package init(
        settings: ServeSettings, reloadSettings: @escaping @Sendable () async throws -> ServeSettings,
        reloads: Reloads, logger: Logger,
        onDNSBound: @escaping @Sendable ([SocketAddress]) async -> Void = { _ in },
        onAPIBound: @escaping @Sendable (SocketAddress) async -> Void = { _ in }
    ) {
        self.settings = settings
        self.reloadSettings = reloadSettings
        self.reloads = reloads
        self.logger = logger
        self.onDNSBound = onDNSBound
        self.onAPIBound = onAPIBound
    }

    package func run() async throws {
        let settings = self.settings
        let logger = self.logger
        if let file = settings.configFile { logger.info("configuration read", metadata: ["file": "\(file)"]) }
        // Start-up runs in stages that each use much code once; the pages of the executable a
        // stage used are released before the next (ExecutablePages), so the peak is the largest
        // stage's, not their sum: command line and configuration, the store and the zones, the
        // restore, the listeners and services.
        Self.releaseStartupPages("configuration read", logger: logger)
        let core = try await ServeCore(settings: settings, logger: logger)
        Self.releaseStartupPages("zones loaded", logger: logger)
        let (writer, manager, authority) = (core.writer, core.manager, core.authority)
        let pidFile = core.state.pidFile
        // The table is restored from the store in one pass. A store that takes longer than the
        // grace below (millions of names) is restored while the DNS listener already answers
        // static data, holding negative answers back (SERVFAIL, Not Ready) until it is done.
        let (restored, restoredSink) = AsyncStream.makeStream(of: Never.self)
        let restore = Task {
            defer { restoredSink.finish() }
            try await core.restore(logger: logger)
        }
        // Waiting on the stream, not on the task: a time limit cancels the wait, never the restore.
        let finished = try await withTimeLimit(Self.restoreGrace) {
            for await _ in restored {}
            return true
        }
        if finished == true {
            try await restore.value
            Self.releaseStartupPages("table restored", logger: logger)
        }
        if authority.isRestoring {
            logger.notice("answering DNS while the challenge table is restored; negative answers wait for it")
        }

        let onDNSBound = self.onDNSBound
        let replication = self.replication(authority: authority, writer: writer)
        let server = DNSServer(
            authority: authority, configuration: settings.serverConfiguration, logger: logger,
            transferResponder: replication.responder,
            onBound: { addresses in
                // "ready" (and the callback tests wait for) means every stored name is answered.
                _ = await restore.result
                // Start-up is over: what it alone used of the binary need not stay mapped.
                let released = ExecutablePages.release()
                logger.info("ready", metadata: ["pidFile": "\(pidFile)", "startupPagesReleasedKiB": "\(released)"])
                await onDNSBound(addresses)
            })
        var gated: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: StoreReloadService(
                    writer: writer, reloads: reloads, reloadSettings: reloadSettings,
                    onReload: { settings in await manager.update(settings.acme.declarations) }, logger: logger),
                successTerminationBehavior: .ignore),
            .init(
                service: StoreFollowService(writer: writer, interval: .seconds(1), logger: logger),
                successTerminationBehavior: .ignore),
        ]
        gated.append(.init(service: manager))
        if let service = replication.service { gated.append(.init(service: service)) }
        // The CLI talks to this server through an owner-only socket in the state directory.
        gated.append(
            .init(
                service: ControlSocketService(
                    stateDirectory: settings.stateDirectory, control: manager, logger: logger,
                    // The last service to come up after the restore: its HTTP server's start-up
                    // (time zone data for the Date header, among others) is released too.
                    onListening: { Self.releaseStartupPages("control socket listening", logger: logger) }),
                successTerminationBehavior: .ignore))
        if let api = try await hookAPI(
            writer: writer, server: server, manager: manager,
            replication: replication.service == nil ? nil : replication.status)
        {
            gated.append(api)
        }
        let services: [ServiceGroupConfiguration.ServiceConfiguration] =
            [.init(service: server)] + gated.map { $0.afterRestore(restore) }
        APIEndpointFile.remove(in: settings.stateDirectory)
        defer { APIEndpointFile.remove(in: settings.stateDirectory) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, logger: logger))
        try await group.run()
        logger.info("stopped")
        // The lock is held until here, whatever the optimizer would otherwise do.
        withExtendedLifetime(core) {}
    }

    /// Releases the pages of the executable that start-up used up to `stage` (ExecutablePages).
    private static func releaseStartupPages(_ stage: String, logger: Logger) {
        let released = ExecutablePages.release()
        logger.debug("start-up pages released", metadata: ["stage": "\(stage)", "releasedKiB": "\(released)"])
    }

    /// The declared certificate `name` as the hook API's TLS certificate, loaded now if it is
    /// installed and again each time the manager installs a new version.
    private static func certificateSource(
        _ name: String, manager: CertificateManagerService, logger: Logger
    ) async throws -> ManagedTLSCertificate {
        let source = ManagedTLSCertificate()
        if let installed = manager.installed(name) { try source.load(installed) }
        await manager.observeInstalls { installedName, installed in
            guard installedName == name else { return }
            do {
                try source.load(installed)
                logger.notice(
                    "the hook API presents the renewed certificate",
                    metadata: ["certificate": "\(name)", "version": "\(installed.version)"])
            } catch {
                logger.error("cannot load the hook API's certificate", metadata: ["error": "\(error)"])
            }
        }
        return source
    }

    /// The transfer responder for the DNS listeners, always: it answers a TSIG-signed query
    /// signed, or with BADKEY/BADSIG (RFC 8945 §5.2), and refuses transfers to anyone not a
    /// configured secondary — without it a signed query would be answered unsigned. When
    /// secondaries are configured, Cairn is their primary too: the NOTIFY service, and
    /// acknowledgements held until every secondary serves the change (DESIGN decision 4), at
    /// most `replication.acknowledgeTimeoutMilliseconds`.
    private func replication(
        authority: Authority, writer: ChallengeWriter
    ) -> (responder: TransferResponder, service: ReplicationService?, status: ReplicationStatus) {
        let configuration = settings.replication.configuration
        let logger = self.logger
        let status = ReplicationStatus(
            secondaries: configuration.secondaries, fileZones: { authority.staticZoneApexes },
            allZones: { authority.zoneApexes }, catalogZone: configuration.catalogZone)
        let responder = TransferResponder(
            authority: authority, configuration: configuration, status: status, logger: logger,
            fileZones: { authority.staticZoneApexes })
        guard settings.replication.isEnabled else { return (responder, nil, status) }
        let service = ReplicationService(
            authority: authority, configuration: configuration, status: status, logger: logger)
        if configuration.acknowledgeTimeout == .zero {
            logger.warning(
                "replication.acknowledgeTimeoutMilliseconds is 0: updates are acknowledged before secondaries serve them"
            )
        } else {
            gateAcknowledgements(of: writer, authority: authority, status: status)
        }
        logger.info(
            "feeding secondaries",
            metadata: [
                "secondaries": "\(configuration.secondaries.map(\.description))",
                "journalLength": "\(settings.replication.journalLength)",
            ])
        return (responder, service, status)
    }

    /// Makes the writer's acknowledgements wait until every secondary serves the change, at most
    /// the configured bound; a late one is logged (and counted by `status`).
    private func gateAcknowledgements(of writer: ChallengeWriter, authority: Authority, status: ReplicationStatus) {
        let configuration = settings.replication.configuration
        let logger = self.logger
        writer.gateAcknowledgements { names in
            var targets: [DNSName: UInt32] = [:]
            for name in names {
                if let zone = authority.zone(containing: name) { targets[zone.apex] = zone.serial }
            }
            for (apex, serial) in targets {
                let late = await status.waitUntilServed(
                    apex: apex, serial: serial, timeout: configuration.acknowledgeTimeout)
                if !late.isEmpty {
                    logger.warning(
                        "acknowledged before every secondary serves the change",
                        metadata: [
                            "zone": "\(apex)", "serial": "\(serial)", "lagging": "\(late.map(\.description))",
                            "waited": "\(configuration.acknowledgeTimeout)",
                        ])
                }
            }
        }
    }

    /// The hook API service, unless `api.listen` is `none`.
    private func hookAPI(
        writer: ChallengeWriter, server: DNSServer, manager: CertificateManagerService,
        replication: ReplicationStatus?
    ) async throws -> ServiceGroupConfiguration.ServiceConfiguration? {
        guard let listen = settings.api.listen else { return nil }
        let logger = self.logger
        let stateDirectory = settings.stateDirectory
        let onAPIBound = self.onAPIBound
        let registry = PrometheusCollectorRegistry()
        let dnsMetrics = DNSMetrics(registry: registry)
        let certificateMetrics = CertificateMetrics(registry: registry)
        let replicationMetrics = ReplicationMetrics(registry: registry)
        let authority = writer.authority
        let api = HookAPI(
            configuration: settings.api.hook, writer: writer, logger: logger,
            metrics: registry,
            beforeScrape: {
                dnsMetrics.update(from: await server.statistics())
                certificateMetrics.update(from: await manager.certificates())
                if let replication { replicationMetrics.update(from: replication, authority: authority) }
            })
        let scheme = settings.api.usesTLS ? "https" : "http"
        let onServerRunning: @Sendable (any Channel) async -> Void = { channel in
            logger.info(
                "serving the hook API",
                metadata: ["address": "\(scheme)://\(channel.localAddress.map { "\($0)" } ?? "?")"])
            guard let address = channel.localAddress else { return }
            if let url = APIEndpointFile.url(scheme: scheme, address: address) {
                do {
                    try APIEndpointFile.write(url, in: stateDirectory)
                } catch {
                    logger.warning("could not record the API endpoint", metadata: ["error": "\(error)"])
                }
            }
            await onAPIBound(address)
        }
        let makeApplication: @Sendable () async throws -> any Service
        if let name = settings.api.managedCertificate {
            let source = try await Self.certificateSource(name, manager: manager, logger: logger)
            makeApplication = {
                if !source.isReady {
                    logger.notice("the hook API waits for its certificate", metadata: ["certificate": "\(name)"])
                }
                await source.ready()
                try Task.checkCancellation()
                return api.application(
                    host: listen.host, port: listen.port, server: try HookAPI.tlsServer(source: source.tls),
                    onServerRunning: onServerRunning)
            }
        } else {
            let httpServer =
                if let certificate = settings.api.certificateFile, let key = settings.api.privateKeyFile {
                    try HookAPI.tlsServer(certificateFile: certificate, privateKeyFile: key)
                } else {
                    HookAPI.defaultServer
                }
            let application = api.application(
                host: listen.host, port: listen.port, server: httpServer, onServerRunning: onServerRunning)
            makeApplication = { application }
        }
        return .init(
            service: HookAPIService(
                makeApplication: makeApplication, address: "\(listen)",
                isDefaultAddress: settings.api.listenIsDefault, logger: logger),
            successTerminationBehavior: .ignore)
    }
}
