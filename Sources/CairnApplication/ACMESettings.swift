package import CertificateManager
package import Configuration
import DNSLookup
package import DNSWire

/// The `acme.*` and `certificates.*` keys: how declared certificates are issued (their lists,
/// `certificates` and `issuers`, are read from the same YAML file by ``CertificateDeclarations``).
///
/// | key | default | meaning |
/// |---|---|---|
/// | `acme.resolver` | the first nameserver of /etc/resolv.conf | recursive resolver for CNAME discovery and preflight, `address[:port]` |
/// | `acme.preflight` | `true` | check each delegation with a canary before a certificate's first order |
/// | `acme.concurrency` | `4` | certificates ordered at the same time |
/// | `acme.certificatesDirectory` | `<state.directory>/certificates` | where `live/NAME/` and `archive/NAME/` are kept |
package struct ACMESettings: Sendable {
    package var resolver: HostPort
    package var preflight: Bool
    /// The port preflight asks nameservers on (53; only tests change it: `acme.preflightNameserverPort`).
    package var preflightNameserverPort: Int
    package var concurrency: Int
    package var certificatesDirectory: String
    /// The declared certificates and issuers, from the configuration file.
    package var declarations: CertificateDeclarations

    package static func read(
        _ reader: ConfigReader, stateDirectory: String, configFile: String?
    ) throws -> ACMESettings {
        let resolverText = reader.string(forKey: "acme.resolver")
        let resolver: HostPort
        do {
            resolver = try HostPort.resolver(resolverText)
        } catch {
            throw SettingsError(
                "configuration acme.resolver: \"\(resolverText ?? "")\" is not an address with an optional port "
                    + "(example: 127.0.0.1:53)")
        }
        let concurrency = reader.int(forKey: "acme.concurrency") ?? 4
        guard concurrency > 0 else { throw SettingsError("configuration acme.concurrency: must be positive") }
        let port = reader.int(forKey: "acme.preflightNameserverPort") ?? 53
        guard (1...65535).contains(port) else {
            throw SettingsError("configuration acme.preflightNameserverPort: must be a port number")
        }
        let declarations: CertificateDeclarations
        do {
            declarations =
                try configFile.map { try CertificateDeclarations.load(fromYAMLFile: $0) }
                ?? CertificateDeclarations(issuers: [], certificates: [])
        } catch {
            throw SettingsError("\(error)")
        }
        return ACMESettings(
            resolver: resolver, preflight: reader.bool(forKey: "acme.preflight") ?? true,
            preflightNameserverPort: port, concurrency: concurrency,
            certificatesDirectory: reader.string(forKey: "acme.certificatesDirectory")
                ?? "\(stateDirectory)/certificates",
            declarations: declarations)
    }
}
