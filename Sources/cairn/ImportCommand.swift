import ArgumentParser
import CairnApplication
import DNSAuthority
import HookAPI
import Store

/// `cairn import acme-dns PATH`: moves acme-dns registrations into Cairn. Their bcrypt hashes
/// are kept until each key's first successful use, then replaced by SHA-256.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import credentials from another server.", subcommands: [AcmeDNS.self])

    struct AcmeDNS: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "acme-dns",
            abstract: "Import registrations and live TXT values from an acme-dns SQLite database.",
            discussion: """
                Each registration keeps its username, key, subdomain and allowfrom, under api.authZone \
                (set it to acme-dns's general.domain so existing CNAMEs keep working). Registrations \
                already present are skipped.
                """)
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The acme-dns database file (acme-dns.db).") var path: String

        func run() async throws {
            let session = try await StoreSession(options: options)
            let authZone = ChallengeName.storeText(try session.authZone(for: "cairn import acme-dns"))
            let records = try AcmeDNSDatabase.read(path: path)
            let now = UnixTime.now().rawValue
            let lifetime = session.settings.api.hook.valueLifetime
            let keep = session.settings.authority.maximumValuesPerName
            var changes: [StoreChange] = []
            var imported = 0
            var skipped = 0
            var values = 0
            let existing = Set(try await session.store.registrations().map(\.username))
            for record in records {
                guard !existing.contains(record.username), record.passwordHash.hasPrefix("$2"),
                    ChallengeName.parse(record.subdomain) != nil
                else {
                    skipped += 1
                    continue
                }
                let registration = Registration(
                    username: record.username, keyHash: record.passwordHash, subdomain: record.subdomain,
                    allowFrom: record.allowFrom, created: now)
                let name = "\(record.subdomain.lowercased()).\(authZone)"
                changes.append(
                    .addRegistration(registration, OwnedName(name: name, owner: registration.owner, kind: .label)))
                for value in record.values where value.lastUpdate + lifetime > now {
                    changes.append(
                        .addValue(
                            StoredValue(name: name, text: value.text, expires: value.lastUpdate + lifetime),
                            keepAtMost: keep))
                    values += 1
                }
                imported += 1
            }
            try await session.store.apply(changes)
            print("imported \(imported) registrations and \(values) live values from \(path); skipped \(skipped)")
            print(session.notifyServer())
        }
    }
}
