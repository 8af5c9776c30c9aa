import ArgumentParser
import CairnApplication
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
        let settings = try await options.settings(overrides)
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cairn")
        // Trap SIGHUP before anything listens, so a reload request is never fatal.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let application = CairnApplication(
            settings: settings, reloadSettings: { try await options.settings(overrides) }, reloads: hangups,
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [application], gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
                logger: logger))
        try await group.run()
    }

    private func flagOverrides() -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        if !listen.isEmpty { values["dns.listen"] = ConfigValue(.stringArray(listen), isSecret: false) }
        if let udpSockets { values["dns.udpSockets"] = ConfigValue(.int(udpSockets), isSecret: false) }
        if let apiListen { values["api.listen"] = ConfigValue(.string(apiListen), isSecret: false) }
        return values
    }
}
