package import Configuration
package import DNSAuthority
package import DNSWire
package import HookAPI

/// The `api.*` keys of the configuration: the hook API's listener and what it trusts.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `api.listen` | `127.0.0.1:8053` | address:port of the HTTP API; `none` turns it off. When the default address is taken, `serve` logs a warning and runs without the API; a configured one that cannot be bound stops it |
/// | `api.authZone` | none | acme-dns's `general.domain`; registrations get `<uuid>.<authZone>`. Served from `zones/<authZone>.zone` if present, else synthesized |
/// | `api.registerNetworks` | `127.0.0.0/8, ::1/128` | who may `POST /register` without the admin token; a loopback peer sending `X-Forwarded-For`/`Forwarded` is a proxy and matches only if trusted |
/// | `api.adminToken` | none | bearer token that opens `/register` from anywhere (secret) |
/// | `api.trustedProxies` | none | peers whose `X-Forwarded-For` (else `Forwarded: for=`) is believed; name a reverse proxy on this host here |
/// | `api.registerPerMinute` | `10` | `POST /register` calls per source (IPv4 address, IPv6 /64) per minute, then 429 |
/// | `api.updatesPerMinute` | `600` | writes (`/update`, `/present`, `/cleanup`) per credential per minute, then 429 with `Retry-After` |
/// | `api.maxRegistrations` | `10000` | registrations in the store past which `POST /register` answers 403 (`cairn register` is not limited) |
/// | `api.tls.certificate`, `api.tls.privateKey` | none | PEM files; both set means HTTPS. `api.tls.certificate: acme:NAME` (no key) serves declared certificate NAME, renewed without dropping connections |
/// | `api.valueLifetimeSeconds` | `86400` | how long a published TXT value is served |
/// | `api.maxBodyBytes` | `4096` | larger request bodies get 413 |
/// | `api.authFailuresPerMinute` | `30` | failures per client address and per credential, then 429 for further failures (a correct key always passes) |
/// | `api.bodyTimeoutSeconds` | `10` | time to send a request body, then 408 |
/// | `dns.nameservers` | the NS names of `zones/<authZone>.zone`, else `ns.<authZone>` (else `localhost`) | NS names of synthesized zones; each must have an address in a zone Cairn serves unless it is outside them all |
/// | `dns.hostmaster` | `hostmaster.<authZone>` (else `hostmaster.localhost`) | SOA RNAME of synthesized zones |
package struct APISettings: Sendable {
    package static let defaultPort = 8053

    /// `nil` when the API is off.
    package var listen: HostPort?
    /// Whether `listen` is the default rather than configured.
    package var listenIsDefault: Bool
    package var hook: HookAPIConfiguration
    package var certificateFile: String?
    package var privateKeyFile: String?
    /// `api.tls.certificate: acme:NAME`: the API serves declared certificate NAME, issued through
    /// Cairn's own DNS and swapped in on renewal.
    package var managedCertificate: String?
    /// Whether the API speaks HTTPS.
    package var usesTLS: Bool { certificateFile != nil || managedCertificate != nil }
    package var identity: NameserverIdentity
    /// Whether `dns.nameservers` was given; otherwise the names come from the auth zone's file
    /// when there is one (``ServeZones``).
    package var nameserversConfigured: Bool

    package static let defaults: [AbsoluteConfigKey: ConfigValue] = [
        "api.registerNetworks": ConfigValue(.stringArray(["127.0.0.0/8", "::1/128"]), isSecret: false),
        "api.trustedProxies": ConfigValue(.stringArray([]), isSecret: false),
        "api.valueLifetimeSeconds": 86_400,
        "api.maxBodyBytes": 4096,
        "api.authFailuresPerMinute": 30,
        "api.registerPerMinute": 10,
        "api.updatesPerMinute": 600,
        "api.maxRegistrations": 10_000,
        "api.bodyTimeoutSeconds": 10,
    ]

    package static func read(_ reader: ConfigReader) throws -> APISettings {
        func fail(_ key: String, _ message: String, line: UInt = #line) -> SettingsError {
            SettingsError.invalidValue(key, message, line: line)
        }
        func networks(_ key: String) throws -> [IPNetwork] {
            try (reader.stringArray(forKey: ConfigKey(key)) ?? []).map { text in
                guard let network = IPNetwork(text) else {
                    throw fail(key, "\"\(text)\" is not an address or CIDR prefix (examples: 10.0.0.0/8, ::1)")
                }
                return network
            }
        }
        func positive(_ key: String) throws -> Int {
            guard let number = reader.int(forKey: ConfigKey(key)), number > 0 else {
                throw fail(key, "must be a positive number")
            }
            return number
        }
        func name(_ key: String, _ text: String) throws -> DNSName {
            do {
                return try DNSName(text).lowercased
            } catch {
                throw fail(key, "\"\(text)\" is not a domain name (\(error))")
            }
        }

        let configuredListen = reader.string(forKey: "api.listen")
        let listenText = configuredListen ?? "127.0.0.1:\(defaultPort)"
        var listen: HostPort? = nil
        if listenText != "none" {
            guard let address = HostPort(parsing: listenText, defaultPort: nil) else {
                if !listenText.hasPrefix("["), listenText.filter({ $0 == ":" }).count > 1 {
                    throw fail("api.listen", "write an IPv6 address in brackets: [\(listenText)]:port")
                }
                throw fail(
                    "api.listen",
                    "\"\(listenText)\" is not an IPv4 or IPv6 address with a port (example: 127.0.0.1:\(defaultPort))")
            }
            listen = address
        }
        let authZoneText = reader.string(forKey: "api.authZone") ?? ""
        let authZone = authZoneText.isEmpty ? nil : try name("api.authZone", authZoneText)
        let nameserverTexts =
            reader.stringArray(forKey: "dns.nameservers")
            ?? [authZone.map { "ns.\($0)" } ?? "localhost."]
        let nameservers = try nameserverTexts.map { try name("dns.nameservers", $0) }
        guard !nameservers.isEmpty else { throw fail("dns.nameservers", "needs at least one name") }
        let hostmaster = try name(
            "dns.hostmaster",
            reader.string(forKey: "dns.hostmaster") ?? "hostmaster.\(authZone?.description ?? "localhost.")")
        let identity = NameserverIdentity(nameservers: nameservers, hostmaster: hostmaster)
        let adminToken = reader.string(forKey: "api.adminToken", isSecret: true)
        let certificate = reader.string(forKey: "api.tls.certificate")
        let privateKey = reader.string(forKey: "api.tls.privateKey")
        var managedCertificate: String? = nil
        if let certificate, certificate.hasPrefix("acme:") {
            let name = String(certificate.dropFirst("acme:".count))
            guard !name.isEmpty, privateKey == nil else {
                throw fail(
                    "api.tls.certificate",
                    "acme:NAME names a declared certificate (its key comes with it): leave api.tls.privateKey unset")
            }
            managedCertificate = name
        } else if (certificate == nil) != (privateKey == nil) {
            throw fail("api.tls", "set both api.tls.certificate and api.tls.privateKey, or neither")
        }
        return APISettings(
            listen: listen,
            listenIsDefault: configuredListen == nil,
            hook: HookAPIConfiguration(
                authZone: authZone,
                registerNetworks: try networks("api.registerNetworks"),
                adminTokenHash: adminToken.flatMap { $0.isEmpty ? nil : HookAPI.hashAdminToken($0) },
                trustedProxies: try networks("api.trustedProxies"),
                valueLifetime: Int64(try positive("api.valueLifetimeSeconds")),
                maximumBodySize: try positive("api.maxBodyBytes"),
                authFailuresPerMinute: try positive("api.authFailuresPerMinute"),
                registerPerMinute: try positive("api.registerPerMinute"),
                updatesPerMinute: try positive("api.updatesPerMinute"),
                maximumRegistrations: try positive("api.maxRegistrations"),
                bodyTimeout: .seconds(try positive("api.bodyTimeoutSeconds"))),
            certificateFile: managedCertificate == nil ? certificate : nil,
            privateKeyFile: privateKey,
            managedCertificate: managedCertificate,
            identity: identity,
            nameserversConfigured: reader.stringArray(forKey: "dns.nameservers") != nil)
    }
}
