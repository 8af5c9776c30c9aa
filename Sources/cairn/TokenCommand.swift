import ArgumentParser
import DNSAuthority
import Foundation
import HookAPI
import Store

/// `cairn token create|list|delete`: lego httpreq credentials and the names they own.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list or delete httpreq tokens (HTTP Basic credentials).",
        subcommands: [Create.self, List.self, Delete.self])

    enum Delegation: String, ExpressibleByArgument, CaseIterable {
        case ns, cname, both
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token for a domain and print the delegation record to add.",
            discussion: """
                NS delegation: Cairn serves the zone _acme-challenge.<domain> itself. CNAME delegation: \
                the token owns a label in the auth zone (api.authZone). The default is both when an \
                auth zone is set, else ns.
                """)
        @OptionGroup var options: ConfigurationOptions
        @Option(help: "The domain certificates are for (example.com; covers *.example.com too).") var domain: String
        @Option(help: "ns, cname or both.") var delegation: Delegation?

        func run() async throws {
            let session = try await StoreSession(options: options)
            guard let parsed = ChallengeName.parse(domain) else {
                throw ValidationError("--domain \(domain) is not a domain name")
            }
            let domain = ChallengeName.storeText(parsed)
            let delegation = delegation ?? (session.settings.api.hook.authZone == nil ? .ns : .both)
            let key = Credential.generateKey()
            let token = Token(
                id: UUID().uuidString.lowercased(), keyHash: Credential.hash(key), domain: domain,
                created: UnixTime.now().rawValue)
            let challenge = "_acme-challenge.\(domain)"
            var names: [OwnedName] = []
            var records: [String] = []
            if delegation != .cname {
                names.append(OwnedName(name: challenge, owner: token.owner, kind: .challengeZone, domain: domain))
                for nameserver in session.settings.api.identity.nameservers {
                    records.append("\(challenge). NS \(nameserver)")
                }
            }
            if delegation != .ns {
                let authZone = try session.authZone(for: "CNAME delegation")
                let label = "\(UUID().uuidString.lowercased()).\(authZone)"
                names.append(OwnedName(name: label, owner: token.owner, kind: .label, domain: domain))
                records.append("\(challenge). CNAME \(label).")
            }
            let existing = Set(try await session.store.ownedNames().map(\.name))
            if let taken = names.first(where: { existing.contains($0.name) }) {
                throw ValidationError("\(taken.name) already has an owner; delete its token first")
            }
            try await session.store.apply([.addToken(token, names)])
            print("token:    \(token.id)")
            print("key:      \(key)   (shown once; only its hash is stored)")
            print(
                delegation == .both
                    ? "add ONE of these records to the zone of \(domain):" : "add to the zone of \(domain):")
            for record in records { print("  \(record)") }
            let api = session.settings.api
            let scheme = api.certificateFile == nil ? "http" : "https"
            let endpoint =
                api.listen.map { listen in
                    "\(scheme)://\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(listen.port)"
                } ?? "<api.listen>"
            print("lego:     HTTPREQ_USERNAME=\(token.id) HTTPREQ_PASSWORD=\(key) HTTPREQ_ENDPOINT=\(endpoint)")
            print(session.notifyServer())
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens and their names (never their keys).")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let session = try await StoreSession(options: options)
            let names = try await session.store.ownedNames()
            for token in try await session.store.tokens() {
                let owned = names.filter { $0.owner == token.owner }.map { "\($0.name) (\($0.kind.rawValue))" }
                print("\(token.id)  \(token.domain ?? "-")  \(owned.joined(separator: " "))")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a token, its names and their values (a running server stops serving them at once).")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The token id.") var id: String

        func run() async throws {
            let session = try await StoreSession(options: options)
            guard try await session.store.token(id: id) != nil else { throw ValidationError("no token \(id)") }
            try await session.store.apply([.deleteToken(id: id)])
            print("deleted token \(id)")
            print(session.notifyServer())
        }
    }
}
