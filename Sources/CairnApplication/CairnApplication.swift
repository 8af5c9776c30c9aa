import DNSAuthority
import DNSServer
import DNSWire
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
        let state = try StateDirectory(path: settings.stateDirectory, logger: logger)
        let pidFile = state.pidFile
        let store = try SQLiteStore(path: settings.storePath)
        let served = try ServeZones.load(settings)
        let authority = try Authority(zones: served.zones, configuration: settings.authority)
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
        try await store.apply([.removeExpired(now: UnixTime.now().rawValue)])
        let restored = try await writer.reload(staticZones: nil, identity: served.identity)
        logger.info(
            "challenge table rebuilt from the store",
            metadata: ["store": "\(settings.storePath)", "restored": "\(restored)"])

        let onDNSBound = self.onDNSBound
        let server = DNSServer(
            authority: authority, configuration: settings.serverConfiguration, logger: logger,
            onBound: { addresses in
                logger.info("ready", metadata: ["pidFile": "\(pidFile)"])
                await onDNSBound(addresses)
            })
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server),
            .init(
                service: StoreReloadService(
                    writer: writer, reloads: reloads, reloadSettings: reloadSettings, logger: logger),
                successTerminationBehavior: .ignore),
            .init(
                service: StoreFollowService(writer: writer, interval: .seconds(1), logger: logger),
                successTerminationBehavior: .ignore),
        ]
        if let api = try hookAPI(writer: writer, server: server) { services.append(api) }
        APIEndpointFile.remove(in: settings.stateDirectory)
        defer { APIEndpointFile.remove(in: settings.stateDirectory) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, logger: logger))
        try await group.run()
        logger.info("stopped")
        // The lock is held until here, whatever the optimizer would otherwise do.
        withExtendedLifetime(state) {}
    }

    /// The hook API service, unless `api.listen` is `none`.
    private func hookAPI(
        writer: ChallengeWriter, server: DNSServer
    ) throws -> ServiceGroupConfiguration.ServiceConfiguration? {
        guard let listen = settings.api.listen else { return nil }
        let logger = self.logger
        let stateDirectory = settings.stateDirectory
        let onAPIBound = self.onAPIBound
        let registry = PrometheusCollectorRegistry()
        let dnsMetrics = DNSMetrics(registry: registry)
        let api = HookAPI(
            configuration: settings.api.hook, writer: writer, logger: logger,
            metrics: registry, beforeScrape: { dnsMetrics.update(from: await server.statistics()) })
        let httpServer =
            if let certificate = settings.api.certificateFile, let key = settings.api.privateKeyFile {
                try HookAPI.tlsServer(certificateFile: certificate, privateKeyFile: key)
            } else {
                HookAPI.defaultServer
            }
        let scheme = settings.api.certificateFile == nil ? "http" : "https"
        let application = api.application(
            host: listen.host, port: listen.port, server: httpServer,
            onServerRunning: { channel in
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
            })
        return .init(
            service: HookAPIService(
                application: application, address: "\(listen)", isDefaultAddress: settings.api.listenIsDefault,
                logger: logger),
            successTerminationBehavior: .ignore)
    }
}
