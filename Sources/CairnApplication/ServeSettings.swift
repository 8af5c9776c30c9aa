package import Configuration
package import DNSAuthority
import DNSReplication
package import DNSServer
import DNSWire
import Foundation
package import Logging
import NIOCore
import SystemPackage

/// Everything `cairn serve` reads from flags, environment, YAML and defaults (DESIGN decision 7).
///
/// Keys and their environment variables (`dns.tcp.maxConnections` is `CAIRN_DNS_TCP_MAX_CONNECTIONS`):
/// `dns.listen` (list of `address:port`), `dns.udpSockets`, `dns.udpIO` (`direct` or `event-loop`),
/// `dns.udpPinThreads` (`true`: the thread of UDP socket *i* runs on the *i*-th allowed CPU),
/// `dns.udpReceiveBuffer` (octets asked for each UDP socket's receive buffer, `SO_RCVBUF`),
/// `dns.tcp.maxConnections`,
/// `dns.tcp.maxConnectionsPerPrefix`, `dns.tcp.messageTimeoutSeconds`, `dns.negativeTTL`,
/// `dns.challengeTTL`, `dns.udpPayload`, the response-rate limit's `dns.rrl.*` (`responsesPerSecond`,
/// 0 off; `challengeResponsesPerSecond`, `slip`, `ipv4PrefixLength`, `ipv6PrefixLength`,
/// `exemptLoopback`), `zones.directory`, `state.directory`, `log.level`, and
/// the hook API's `api.*` keys (``APISettings``). The store is `<state.directory>/cairn.sqlite`.
package struct ServeSettings: Sendable {
    package static let defaultPort = 10053

    package var configFile: String?
    package var listen: [DNSListenAddress]
    package var udpSockets: Int
    package var udpIO: DNSServerConfiguration.UDPIO
    package var pinsUDPThreads: Bool
    package var udpReceiveBuffer: Int
    package var tcp: DNSServerConfiguration.TCP
    package var rateLimiting: ResponseRateLimiting
    package var authority: AuthorityConfiguration
    package var zonesDirectory: String
    package var stateDirectory: String
    package var logLevel: Logger.Level
    package var api: APISettings
    /// The certificate manager's keys and the declared certificates (``ACMESettings``).
    package var acme: ACMESettings
    /// Secondaries fed by zone transfers and NOTIFY, and their TSIG keys (``ReplicationSettings``).
    package var replication: ReplicationSettings

    /// The store's file in the state directory.
    package var storePath: String { Self.storePath(stateDirectory: stateDirectory) }

    /// The store's file in `stateDirectory`.
    package static func storePath(stateDirectory: String) -> String { "\(stateDirectory)/cairn.sqlite" }

    /// The defaults, which let `cairn serve` run with no configuration at all.
    package static let defaults: [AbsoluteConfigKey: ConfigValue] = [
        "dns.listen": ConfigValue(.stringArray(["127.0.0.1:\(defaultPort)"]), isSecret: false),
        "dns.udpSockets": ConfigValue(.int(AvailableCores.count), isSecret: false),
        "dns.udpIO": ConfigValue(.string(DNSServerConfiguration.UDPIO.direct.rawValue), isSecret: false),
        "dns.udpPinThreads": true,
        "dns.udpReceiveBuffer": 4_194_304,
        "dns.tcp.maxConnections": 1024,
        "dns.tcp.maxConnectionsPerPrefix": 64,
        "dns.tcp.messageTimeoutSeconds": 10,
        "dns.negativeTTL": 30,
        "dns.challengeTTL": 60,
        "dns.udpPayload": 1232,
        "dns.rrl.responsesPerSecond": 200,
        "dns.rrl.challengeResponsesPerSecond": 2000,
        "dns.rrl.slip": 2,
        "dns.rrl.ipv4PrefixLength": 24,
        "dns.rrl.ipv6PrefixLength": 56,
        "dns.rrl.exemptLoopback": true,
        "zones.directory": "zones",
        "state.directory": ".cairn",
        "log.level": "info",
    ]

    /// Reads the layers: `overrides` (from flags) over `CAIRN_…` environment variables over the
    /// YAML file over the defaults.
    ///
    /// - Throws: ``SettingsError`` naming the file or key that is wrong.
    ///
    /// - Parameters:
    ///   - configFile: the YAML file named on the command line, if any; else `CAIRN_CONFIG`, else
    ///     `./cairn.yaml` when it exists.
    ///   - overrides: values from flags, by key.
    package static func read(
        configFile named: String? = nil, overrides: [AbsoluteConfigKey: ConfigValue] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> ServeSettings {
        let explicitFile = named ?? environment["CAIRN_CONFIG"]
        let file = explicitFile ?? "cairn.yaml"
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: overrides),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "cairn"),
        ]
        var configFile: String? = nil
        if explicitFile != nil || FileManager.default.fileExists(atPath: file) {
            providers.append(try ScalarYAMLProvider(path: file))
            configFile = file
        }
        providers.append(
            InMemoryProvider(name: "defaults", values: defaults.merging(APISettings.defaults) { first, _ in first }))
        let reader = ConfigReader(providers: providers)

        func value<T>(_ key: String, _ read: (ConfigKey) throws -> T) throws -> T {
            do {
                return try read(ConfigKey(key))
            } catch {
                throw SettingsError.invalidValue(key, "\(error)")
            }
        }
        func positive(_ key: String) throws -> Int {
            let number = try value(key) { try reader.requiredInt(forKey: $0) }
            guard number > 0 else { throw SettingsError.invalidValue(key, "must be positive, got \(number)") }
            return number
        }

        let listenTexts = try value("dns.listen") { try reader.requiredStringArray(forKey: $0) }
        var listen: [DNSListenAddress] = []
        for text in listenTexts {
            guard let address = DNSListenAddress(parsing: text, defaultPort: defaultPort) else {
                throw SettingsError.invalidValue(
                    "dns.listen",
                    "\"\(text)\" is not an IPv4 or IPv6 address with an optional port "
                        + "(examples: 127.0.0.1:\(defaultPort), [::1]:\(defaultPort))")
            }
            listen.append(address)
        }
        guard !listen.isEmpty else { throw SettingsError.invalidValue("dns.listen", "no address to listen on") }
        let levelText = try value("log.level") { try reader.requiredString(forKey: $0) }
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw SettingsError.invalidValue(
                "log.level", "\"\(levelText)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        let payload = try positive("dns.udpPayload")
        guard (512...65535).contains(payload) else {
            throw SettingsError.invalidValue("dns.udpPayload", "must be between 512 and 65535, got \(payload)")
        }
        let stateDirectory = try value("state.directory") { try reader.requiredString(forKey: $0) }
        let udpIOText = try value("dns.udpIO") { try reader.requiredString(forKey: $0) }
        guard let udpIO = DNSServerConfiguration.UDPIO(rawValue: udpIOText) else {
            throw SettingsError.invalidValue(
                "dns.udpIO",
                "\"\(udpIOText)\" is not one of \(DNSServerConfiguration.UDPIO.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let receiveBuffer = try positive("dns.udpReceiveBuffer")
        guard (4096...(1 << 30)).contains(receiveBuffer) else {
            throw SettingsError.invalidValue(
                "dns.udpReceiveBuffer", "must be between 4096 and 1073741824 octets, got \(receiveBuffer)")
        }
        let replication = try ReplicationSettings.read(reader, configFile: configFile)
        return ServeSettings(
            configFile: configFile,
            listen: listen,
            udpSockets: try positive("dns.udpSockets"),
            udpIO: udpIO,
            pinsUDPThreads: try value("dns.udpPinThreads") { try reader.requiredBool(forKey: $0) },
            udpReceiveBuffer: receiveBuffer,
            tcp: DNSServerConfiguration.TCP(
                maximumConnections: try positive("dns.tcp.maxConnections"),
                maximumConnectionsPerPrefix: try positive("dns.tcp.maxConnectionsPerPrefix"),
                messageTimeout: .seconds(Int64(try positive("dns.tcp.messageTimeoutSeconds")))),
            rateLimiting: try Self.rateLimiting(reader),
            authority: AuthorityConfiguration(
                maximumNegativeTTL: UInt32(try positive("dns.negativeTTL")),
                maximumChallengeTTL: UInt32(try positive("dns.challengeTTL")),
                maximumUDPPayload: payload,
                journalLength: replication.isEnabled ? replication.journalLength : 0,
                catalogZone: replication.configuration.catalogZone),
            zonesDirectory: try value("zones.directory") { try reader.requiredString(forKey: $0) },
            stateDirectory: stateDirectory,
            logLevel: level,
            api: try APISettings.read(reader),
            acme: try ACMESettings.read(reader, stateDirectory: stateDirectory, configFile: configFile),
            replication: replication)
    }

    /// The `dns.rrl.*` keys.
    static func rateLimiting(_ reader: ConfigReader) throws -> ResponseRateLimiting {
        func number(_ key: String, in range: ClosedRange<Int>) throws -> Int {
            let value: Int
            do {
                value = try reader.requiredInt(forKey: ConfigKey(key))
            } catch {
                throw SettingsError.invalidValue(key, "\(error)")
            }
            guard range.contains(value) else {
                throw SettingsError.invalidValue(
                    key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
            }
            return value
        }
        let exempt: Bool
        do {
            exempt = try reader.requiredBool(forKey: "dns.rrl.exemptLoopback")
        } catch {
            throw SettingsError.invalidValue("dns.rrl.exemptLoopback", "\(error)")
        }
        return ResponseRateLimiting(
            responsesPerSecond: try number("dns.rrl.responsesPerSecond", in: 0...1_000_000),
            challengeResponsesPerSecond: try number("dns.rrl.challengeResponsesPerSecond", in: 1...1_000_000),
            slip: try number("dns.rrl.slip", in: 0...100),
            ipv4PrefixLength: try number("dns.rrl.ipv4PrefixLength", in: 8...32),
            ipv6PrefixLength: try number("dns.rrl.ipv6PrefixLength", in: 16...128), exemptsLoopback: exempt)
    }

    package var serverConfiguration: DNSServerConfiguration {
        DNSServerConfiguration(
            listenAddresses: listen, udpSocketsPerAddress: udpSockets, udpIO: udpIO, pinsUDPThreads: pinsUDPThreads,
            udpReceiveBufferSize: udpReceiveBuffer, tcp: tcp, rateLimiting: rateLimiting)
    }
}
