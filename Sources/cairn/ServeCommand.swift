import ArgumentParser
import Configuration
import DNSAuthority
import DNSServer
import DNSWire
import HookAPI
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Store
import UnixSignals

/// `cairn serve`: the authoritative DNS server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the zones over UDP and TCP until SIGTERM or SIGINT; SIGHUP reloads them.")

    @OptionGroup var options: ConfigurationOptions

    @Option(
        name: .long,
        help: "Address to listen on, UDP and TCP, repeatable: 127.0.0.1:10053, [::1]:10053 (key dns.listen).")
    var listen: [String] = []

    @Option(
        name: .customLong("udp-sockets"),
        help: "UDP sockets per address; default: one per core this process may run on (key dns.udpSockets)."
    )
    var udpSockets: Int?

    @Option(
        name: .customLong("api-listen"),
        help: "Address of the HTTP hook API, 127.0.0.1:8053 by default; none turns it off (key api.listen).")
    var apiListen: String?

    func run() async throws {
        let options = self.options
        let overrides = flagOverrides()
        let settings = try await ServeSettings.read(options: options, overrides: overrides)
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cairn")
        if let file = settings.configFile { logger.info("configuration read", metadata: ["file": "\(file)"]) }

        let state = try StateDirectory(path: settings.stateDirectory)
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
        let writer = ChallengeWriter(
            store: store, authority: authority, identity: served.identity, logger: logger)
        try await store.apply([.removeExpired(now: UnixTime.now().rawValue)])
        let restored = try await writer.reload(staticZones: nil, identity: served.identity)
        logger.info(
            "challenge table rebuilt from the store",
            metadata: ["store": "\(settings.storePath)", "restored": "\(restored)"])

        // Trap SIGHUP before anything listens, so a reload request is never fatal.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let server = DNSServer(
            authority: authority, configuration: settings.serverConfiguration, logger: logger,
            onBound: { _ in logger.info("ready", metadata: ["pidFile": "\(pidFile)"]) })
        let reloader = StoreReloadService(
            writer: writer, signals: hangups,
            reloadSettings: { try await ServeSettings.read(options: options, overrides: overrides) },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: server),
            .init(service: reloader, successTerminationBehavior: .ignore),
            .init(
                service: StoreFollowService(writer: writer, interval: .seconds(1), logger: logger),
                successTerminationBehavior: .ignore),
        ]
        if let listen = settings.api.listen {
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
                    guard let address = channel.localAddress,
                        let url = APIEndpointFile.url(scheme: scheme, address: address)
                    else { return }
                    do {
                        try APIEndpointFile.write(url, in: settings.stateDirectory)
                    } catch {
                        logger.warning("could not record the API endpoint", metadata: ["error": "\(error)"])
                    }
                })
            services.append(
                .init(
                    service: HookAPIService(
                        application: application, address: "\(listen.host):\(listen.port)",
                        isDefaultAddress: settings.api.listenIsDefault, logger: logger),
                    successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [],
                logger: logger))
        APIEndpointFile.remove(in: settings.stateDirectory)
        defer { APIEndpointFile.remove(in: settings.stateDirectory) }
        try await group.run()
        logger.info("stopped")
        // The lock is held until here, whatever the optimizer would otherwise do.
        withExtendedLifetime(state) {}
    }

    private func flagOverrides() -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if !listen.isEmpty { values["dns.listen"] = ConfigValue(.stringArray(listen), isSecret: false) }
        if let udpSockets { values["dns.udpSockets"] = ConfigValue(.int(udpSockets), isSecret: false) }
        if let apiListen { values["api.listen"] = ConfigValue(.string(apiListen), isSecret: false) }
        return values
    }
}
