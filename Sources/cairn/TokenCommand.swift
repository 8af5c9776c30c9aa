import ArgumentParser
import CairnApplication
import DNSAuthority
import DNSWire
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
            abstract: "Create a token for one or more domains and print the delegation records to add.",
            discussion: """
                One token owns every domain given, as a multi-domain certificate needs (lego httpreq and \
                certbot hooks use one credential for all its names). NS delegation: Cairn serves the zone \
                _acme-challenge.<domain> itself. CNAME delegation: the token owns a label in the auth zone \
                (api.authZone). The default is both when an auth zone is set, else ns; an NS record is \
                printed only when it would work.
                """)
        @OptionGroup var options: ConfigurationOptions
        @Option(
            name: .customLong("domain"),
            help: "A domain the certificates are for (example.com; covers *.example.com too); repeatable.")
        var domains: [String] = []
        @Option(help: "ns, cname or both.") var delegation: Delegation?

        func validate() throws {
            guard !domains.isEmpty else { throw ValidationError("give at least one --domain") }
        }

        func run() async throws {
            let session = try await StoreSession(options: options)
            var parsed: [String] = []
            for text in domains {
                guard let name = ChallengeName.parse(text) else {
                    throw ValidationError("--domain \(text) is not a domain name")
                }
                let domain = ChallengeName.storeText(name)
                if !parsed.contains(domain) { parsed.append(domain) }
            }
            let served = try ServeZones.load(session.settings)
            let requested = delegation ?? (session.settings.api.hook.authZone == nil ? .ns : .both)
            var notes: [String] = []
            var useNS = requested != .cname
            if useNS, let advice = served.unreachableAdvice {
                guard requested == .both else { throw SettingsError(.zones, key: "dns.nameservers", advice) }
                notes.append("no NS record printed: \(advice)")
                useNS = false
            }
            var made = NewToken(domain: parsed.first)
            var records: [(domain: String, lines: [String])] = []
            for domain in parsed {
                let challenge = "_acme-challenge.\(domain)"
                var lines: [String] = []
                if useNS {
                    let hidden = served.holdsData(atOrBelow: try DNSName(challenge))
                    if hidden, requested == .ns {
                        throw SettingsError(
                            .zones,
                            "\(challenge) holds records in a zone Cairn serves (\(session.settings.zonesDirectory)); "
                                + "a challenge zone there would hide them: remove them, or use --delegation cname")
                    }
                    if hidden {
                        notes.append("no NS record for \(domain): \(challenge) holds records in a zone Cairn serves")
                    } else {
                        made.own(challenge, as: .challengeZone, for: domain)
                        lines += served.identity.nameservers.map { "\(challenge). NS \($0)" }
                    }
                }
                if requested != .ns {
                    let label = made.ownLabel(under: try session.authZone(for: "CNAME delegation"), for: domain)
                    lines.append("\(challenge). CNAME \(label).")
                }
                records.append((domain, lines))
            }
            let existing = Set(try await session.store.ownedNames().map(\.name))
            if let taken = made.names.first(where: { existing.contains($0.name) }) {
                throw ValidationError("\(taken.name) already has an owner; delete its token first")
            }
            try await session.store.apply([made.change])
            print("token:    \(made.token.id)")
            print("key:      \(made.key)   (shown once; only its hash is stored)")
            for (domain, lines) in records {
                print(
                    lines.count > 1 && requested == .both && useNS
                        ? "add ONE of these to the zone of \(domain) (the NS lines together):"
                        : "add to the zone of \(domain):")
                for line in lines { print("  \(line)") }
            }
            for note in notes { print("note:     \(note)") }
            print(
                "lego:     HTTPREQ_USERNAME=\(made.token.id) HTTPREQ_PASSWORD=\(made.key) "
                    + "HTTPREQ_ENDPOINT=\(endpoint(session))")
            print(session.notifyServer())
        }

        /// The running server's API, else the configured one.
        private func endpoint(_ session: StoreSession) -> String {
            if let running = APIEndpointFile.running(in: session.settings.stateDirectory) { return running }
            let api = session.settings.api
            let scheme = api.usesTLS ? "https" : "http"
            return api.listen.map { APIEndpointFile.url(scheme: scheme, $0) }
                ?? "<api.listen is none: the API is off>"
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens and their names (never their keys).")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let session = try await StoreSession(options: options)
            let names = try await session.store.ownedNames()
            for token in try await session.store.tokens() {
                let mine = names.filter { $0.owner == token.owner }
                var domains: [String] = []
                for domain in mine.compactMap(\.domain) + [token.domain].compactMap({ $0 })
                where !domains.contains(domain) {
                    domains.append(domain)
                }
                let owned = mine.map { "\($0.name) (\($0.kind.rawValue))" }
                print(
                    "\(token.id)  \(domains.isEmpty ? "-" : domains.joined(separator: ","))  \(owned.joined(separator: " "))"
                )
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
