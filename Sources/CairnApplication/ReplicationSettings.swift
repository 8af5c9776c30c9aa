package import Configuration
import DNSAuthority
package import DNSReplication
import DNSWire
import Foundation
import NIOCore
import Yams

/// Cairn as a primary (DESIGN decision 8): the `secondaries` and `tsigKeys` lists of the
/// configuration file (lists of mappings, decoded with Yams as the `certificates` list is) and the
/// `replication.*` keys.
///
/// ```yaml
/// tsigKeys:                      # or replication.keyFiles: files holding one key each, mode 0600
///   - name: xfr-key
///     algorithm: hmac-sha256     # hmac-sha256 (default), hmac-sha384, hmac-sha512, hmac-sha224, hmac-sha1
///     secret: "base64…"          # `cairn tsig generate xfr-key` prints one
/// secondaries:
///   - address: 192.0.2.53        # where it listens and transfers from
///     port: 53
///     key: xfr-key               # omit for unsigned transfers allowed by address alone
///     zones: [auth.example.net]  # omit: every zone served from files
///   - address: 192.0.2.54
///     key: xfr-key
///     catalog: true              # consumes the catalog zone (RFC 9432; Knot, BIND): carries
///                                # every zone, synthesized challenge zones included
/// replication:
///   catalogZone: catalog.cairn.invalid.    # served when a secondary consumes it
///   acknowledgeTimeoutMilliseconds: 5000   # 0: acknowledge without waiting (a CA may then ask a
///                                          # secondary too early)
///   notifyIntervalMilliseconds: 20
///   journalLength: 1000
/// ```
package struct ReplicationSettings: Sendable {
    package var configuration: ReplicationConfiguration
    /// How many changes each zone's journal keeps for IXFR.
    package var journalLength: Int

    package var isEnabled: Bool { !configuration.secondaries.isEmpty }

    package static func read(_ reader: ConfigReader, configFile: String?) throws -> ReplicationSettings {
        let document = try configFile.map { try Document.load(fromYAMLFile: $0) } ?? Document()
        var keys: [TSIGKey] = []
        for (index, entry) in (document.tsigKeys ?? []).enumerated() {
            keys.append(try entry.key(at: "tsigKeys[\(index)]"))
        }
        for file in reader.stringArray(forKey: "replication.keyFiles") ?? [] {
            keys.append(try Self.readKeyFile(file))
        }
        let keyring: TSIGKeyring
        do {
            keyring = try TSIGKeyring(keys)
        } catch {
            throw SettingsError.invalidValue("tsigKeys", "\(error)")
        }
        var secondaries: [Secondary] = []
        for (index, entry) in (document.secondaries ?? []).enumerated() {
            let context = "secondaries[\(index)]"
            // In the form the kernel reports a peer's address, which transfer permissions compare with.
            guard let address = (try? SocketAddress(ipAddress: entry.address, port: entry.port ?? 53))?.ipAddress
            else {
                throw SettingsError.invalidValue(context, "address \"\(entry.address)\" is not an IPv4 or IPv6 address")
            }
            let port = entry.port ?? 53
            guard (1...65535).contains(port) else {
                throw SettingsError.invalidValue(context, "port \(port) is not a port number")
            }
            var keyName: DNSName? = nil
            if let key = entry.key {
                guard let name = try? DNSName(key), keyring[name] != nil else {
                    throw SettingsError.invalidValue(
                        context, "key \"\(key)\" is not one of tsigKeys or replication.keyFiles")
                }
                keyName = name
            }
            let zones = try entry.zones.map { names in
                Set(
                    try names.map { name in
                        guard let zone = try? DNSName(name) else {
                            throw SettingsError.invalidValue(context, "zone \"\(name)\" is not a domain name")
                        }
                        return zone
                    })
            }
            if entry.catalog == true, zones != nil {
                throw SettingsError.invalidValue(
                    context, "a secondary consuming the catalog carries every zone: leave zones out")
            }
            secondaries.append(
                Secondary(
                    address: address, port: port, keyName: keyName, zones: zones,
                    consumesCatalog: entry.catalog ?? false))
        }
        let catalogText = reader.string(forKey: "replication.catalogZone") ?? Self.defaultCatalogZone
        guard let catalogZone = try? DNSName(catalogText), CatalogZone.isUsableApex(catalogZone) else {
            throw SettingsError.invalidValue(
                "replication.catalogZone", "\"\(catalogText)\" is not a domain name with room for members below it")
        }
        func milliseconds(_ key: String, default value: Int, allowingZero: Bool = false) throws -> Duration {
            let number = reader.int(forKey: ConfigKey(key)) ?? value
            guard number > 0 || (allowingZero && number == 0) else {
                throw SettingsError.invalidValue(key, "must be positive, got \(number)")
            }
            return .milliseconds(number)
        }
        let journalLength = reader.int(forKey: "replication.journalLength") ?? 1000
        guard journalLength >= 0 else {
            throw SettingsError.invalidValue("replication.journalLength", "must not be negative")
        }
        return ReplicationSettings(
            configuration: ReplicationConfiguration(
                secondaries: secondaries, keys: keyring,
                acknowledgeTimeout: try milliseconds(
                    "replication.acknowledgeTimeoutMilliseconds", default: 5000, allowingZero: true),
                notifyInterval: try milliseconds("replication.notifyIntervalMilliseconds", default: 20),
                catalogZone: secondaries.contains(where: \.consumesCatalog) ? catalogZone : nil),
            journalLength: journalLength)
    }

    /// Under `.invalid` (RFC 6761 §6.4), as RFC 9432 §4.1 suggests: no resolver asks for it.
    package static let defaultCatalogZone = "catalog.cairn.invalid."

    /// One key from a file of mode 0600 (or stricter): a mapping with `name`, `algorithm` and
    /// `secret`, or Knot's `key:` list with one entry (`id`, `algorithm`, `secret`).
    private static func readKeyFile(_ path: String) throws -> TSIGKey {
        let key = "replication.keyFiles"
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw SettingsError.invalidValue(key, "\(path): cannot read it")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value, mode & 0o077 != 0 {
            throw SettingsError.invalidValue(
                key, "\(path): mode \(String(mode, radix: 8)) lets others read the secret; chmod 600 it")
        }
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let file = try YAMLDecoder().decode(KeyFile.self, from: text)
            guard let entry = file.key?.first ?? file.entry else {
                throw SettingsError.invalidValue(key, "\(path): no key in it (name, algorithm, secret)")
            }
            return try entry.key(at: path)
        } catch let error as SettingsError {
            throw error
        } catch {
            throw SettingsError.invalidValue(key, "\(path): \(error)")
        }
    }

    private struct Document: Decodable {
        var secondaries: [SecondaryEntry]?
        var tsigKeys: [KeyEntry]?

        init() {}

        static func load(fromYAMLFile path: String) throws -> Document {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return Document() }
            do {
                return try YAMLDecoder().decode(Document.self, from: text)
            } catch {
                throw SettingsError.invalidValue("secondaries", "\(path): \(error)")
            }
        }
    }

    private struct SecondaryEntry: Decodable {
        var address: String
        var port: Int?
        var key: String?
        var zones: [String]?
        var catalog: Bool?
    }

    private struct KeyEntry: Decodable {
        var name: String?
        var id: String?
        var algorithm: String?
        var secret: String

        func key(at context: String) throws -> TSIGKey {
            guard let name = name ?? id else { throw SettingsError.invalidValue(context, "a key needs a name") }
            do {
                return try TSIGKey(name: name, algorithm: algorithm ?? "hmac-sha256", base64Secret: secret)
            } catch {
                throw SettingsError.invalidValue(context, "\(error)")
            }
        }
    }

    private struct KeyFile: Decodable {
        var key: [KeyEntry]?
        var entry: KeyEntry?

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = try container.decodeIfPresent([KeyEntry].self, forKey: .key)
            entry = key == nil ? try KeyEntry(from: decoder) : nil
        }

        private enum CodingKeys: String, CodingKey { case key }
    }
}
