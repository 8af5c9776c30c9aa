import ACMEClient
import ArgumentParser
import AsyncHTTPClient
import CairnApplication
import CertificateManager
import DNSAuthority
import DNSLookup
import DNSServer
import DNSWire
import Foundation
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// `cairn issue`: one certificate, now, with Cairn answering the dns-01 challenges from its
/// own DNS listener for the duration (agnos style).
struct IssueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Get one certificate now, answering the dns-01 challenges from a DNS listener of its own.",
        discussion: """
            Each name's challenge lives at _acme-challenge.<name> (without "*."). Delegate that name to \
            this host once: by NS (Cairn serves a zone at _acme-challenge.<name>) or by CNAME to a name \
            Cairn serves (--alias, or found through --resolver). Before ordering, a canary value is read \
            back through the resolver and from every nameserver of the delegation.
            """)

    @Option(
        name: [.short, .customLong("domain")],
        help: "A name for the certificate, repeatable; wildcards as '*.example.com'.")
    var domains: [String] = []

    @OptionGroup var acme: ACMEServerOptions

    @Option(help: "Contact e-mail for the account.")
    var email: String?

    @Option(name: .customLong("eab-kid"), help: "External Account Binding key ID.")
    var eabKeyID: String?

    @Option(
        name: .customLong("eab-hmac-key-file"),
        help: "File holding the EAB HMAC key (base64url); or set CAIRN_EAB_HMAC_KEY. Never a flag: it would show in ps."
    )
    var eabKeyFile: String?

    @Option(name: .customLong("key-type"), help: "Certificate key: ec256 (default), ec384, rsa2048, rsa3072, rsa4096.")
    var keyType: String = "ec256"

    @Option(
        name: .customLong("account-key-type"), help: "Account key for a new account: ec256 (default), ec384, rsa2048.")
    var accountKeyType: String = "ec256"

    @Flag(name: .customLong("reuse-key"), help: "Keep the certificate key in the output directory if there is one.")
    var reuseKey = false

    @Option(help: "ACME profile to ask for, when the CA offers it.")
    var profile: String?

    @Option(name: .customLong("preferred-chain"), help: "Prefer the chain with an issuer of this common name.")
    var preferredChain: String?

    @Option(help: "Directory for <name>/cert.pem, chain.pem, fullchain.pem, privkey.pem.")
    var out: String = "certificates"

    @Option(help: "Address for the DNS listener, UDP and TCP, repeatable (default 0.0.0.0:53).")
    var listen: [String] = []

    @Option(
        name: .customLong("nameserver"),
        help:
            "Name of this server in the SOA and NS of the zones it synthesizes, repeatable: the NS names the parent delegates to."
    )
    var nameservers: [String] = []

    @Option(
        help:
            "Publish through another Cairn's httpreq API at this URL instead of a DNS listener here (token in CAIRN_PUBLISH_TOKEN as id:key)."
    )
    var publish: String?

    @Option(help: "Recursive resolver for preflight and CNAME lookup, host or host:port (default: /etc/resolv.conf).")
    var resolver: String?

    @Option(
        help:
            "Publish <name>'s challenge at <target> instead of following its CNAME: 'example.com=example-com.auth.example.net'. Repeatable."
    )
    var alias: [String] = []

    @Flag(name: .customLong("skip-preflight"), help: "Do not check the delegation before ordering.")
    var skipPreflight = false

    @Option(name: .customLong("preflight-nameserver-port"), help: .hidden)
    var preflightNameserverPort: Int = 53

    @OptionGroup var options: ConfigurationOptions

    func validate() throws {
        if domains.isEmpty { throw ValidationError("give at least one name with -d") }
        for name in domains {
            let bare = name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
            guard (try? DNSName(bare)) != nil, !bare.contains("*"), bare.contains(".") else {
                throw ValidationError("'\(name)' is not a domain name")
            }
        }
        if ACMEKeyType(parsing: keyType) == nil { throw ValidationError("unknown --key-type '\(keyType)'") }
        guard let account = ACMEKeyType(parsing: accountKeyType), [.p256, .p384, .rsa2048].contains(account) else {
            throw ValidationError("--account-key-type must be ec256, ec384 or rsa2048")
        }
        if eabKeyFile != nil && eabKeyID == nil { throw ValidationError("--eab-hmac-key-file needs --eab-kid") }
    }

    var directoryURL: String { acme.directoryURL }

    func run() async throws {
        let level = Logger.Level(rawValue: options.logLevel ?? "notice") ?? .notice
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cairn.issue")
        let started = ContinuousClock.now
        let names = domains.map { $0.lowercased() }
        let stateDirectory = options.stateDirectory ?? ".cairn"

        // With cairn serve running on this state directory, it answers the challenges (DESIGN
        // decision 9): never two processes on port 53 or the table.
        if let server = ControlClient.connect(stateDirectory: stateDirectory) {
            try await issueThroughServer(server, names: names, stateDirectory: stateDirectory)
            Self.say("done in \(Self.format(ContinuousClock.now - started))")
            return
        }

        let binding = try readExternalAccountBinding()
        try await acme.withHTTPClient { http in
            try await issue(names: names, binding: binding, http: http, stateDirectory: stateDirectory, logger: logger)
        }
        Self.say("done in \(Self.format(ContinuousClock.now - started))")
    }

    private func issue(
        names: [String], binding: ExternalAccountBinding?, http: HTTPClient, stateDirectory: String, logger: Logger
    ) async throws {
        let files = CertificateFiles(outputDirectory: out, primaryName: names[0])
        let certificateKey: ACMEKey
        if reuseKey, let pem = try? String(contentsOfFile: files.privateKey, encoding: .utf8) {
            certificateKey = try ACMEKey(pemRepresentation: pem)
        } else {
            certificateKey = try ACMEKey.generate(ACMEKeyType(parsing: keyType)!)
        }
        let resolver: ResolverAddress
        do {
            resolver = try HostPort.resolver(self.resolver)
        } catch {
            throw ValidationError("--resolver '\(self.resolver ?? "")' is not an address or address:port")
        }
        let path = IssuancePath(
            resolver: resolver, aliases: try parseAliases(), preflight: !skipPreflight,
            nameserverPort: preflightNameserverPort, logger: logger)
        let account = ACMEAccountSettings(
            directoryURL: directoryURL, email: email, binding: binding,
            keyType: ACMEKeyType(parsing: accountKeyType)!, stateDirectory: stateDirectory)
        // A certificate already in the output directory is the one this order replaces (ARI).
        let previous = (try? String(contentsOfFile: files.certificate, encoding: .utf8))
            .flatMap { try? Certificate(pemEncoded: $0) }
        let request = CertificateRequest(
            names: names, key: certificateKey, profile: profile,
            replaces: previous.flatMap { try? ARICertificateID($0) }, preferredChain: preferredChain)
        let startedOrder = ContinuousClock.now
        let step: @Sendable (IssuancePath.Step) -> Void = { step in
            Self.report(step, resolver: resolver, since: startedOrder)
        }

        if let publish {
            // Another Cairn serves the values; this process only runs the ACME side.
            let (user, key) = try remoteCredentials()
            let publisher = HTTPRequestPublisher(endpoint: publish, username: user, password: key, httpClient: http)
            let issued = try await path.issue(request, account: account, http: http, publisher: publisher, step: step)
            try write(issued, to: files)
            return
        }

        let fileZones = try options.zones.map { try ZoneDirectory.load($0) } ?? []
        let authority = try Authority(zones: fileZones)
        let listenAddresses = try (listen.isEmpty ? ["0.0.0.0:53"] : listen).map { text in
            guard let address = DNSListenAddress(parsing: text, defaultPort: 53) else {
                throw ValidationError("--listen '\(text)' is not address:port")
            }
            return address
        }
        let identity = NameserverIdentity(
            nameservers: try (nameservers.isEmpty ? ["ns.cairn.invalid"] : nameservers).map { try DNSName($0) },
            hostmaster: "hostmaster.cairn.invalid")
        let publisher = LocalChallengePublisher(
            authority: authority, owner: ChallengeOwner(rawValue: "cairn-issue"), identity: identity)
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Void.self)
        let server = DNSServer(
            authority: authority,
            configuration: DNSServerConfiguration(listenAddresses: listenAddresses, udpSocketsPerAddress: 1),
            logger: logger, onBound: { _ in boundContinuation.yield() })

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { boundContinuation.finish() }
                try await server.run()
            }
            for await _ in bound { break }
            Self.say("answering dns-01 on \(listenAddresses.map(\.description).joined(separator: ", "))")
            let issued = try await path.issue(request, account: account, http: http, publisher: publisher, step: step)
            try write(issued, to: files)
            group.cancelAll()
        }
    }

    /// Sends the order to the running server through its control socket, prints its progress
    /// as it comes, and writes the files it returns where this command was told to.
    private func issueThroughServer(_ server: ControlClient, names: [String], stateDirectory: String) async throws {
        let standalone = [
            ("--listen", !listen.isEmpty), ("--nameserver", !nameservers.isEmpty), ("--publish", publish != nil),
            ("--zones", options.zones != nil), ("--preflight-nameserver-port", preflightNameserverPort != 53),
        ]
        .filter(\.1).map(\.0)
        guard standalone.isEmpty else {
            throw SettingsError(
                .invalidValue,
                "cairn serve is running with state directory \(stateDirectory) and answers the challenges itself; "
                    + "\(standalone.joined(separator: ", ")) only apply when cairn issue runs on its own: drop "
                    + "\(standalone.count == 1 ? "it" : "them"), or give another --state-dir")
        }
        if let resolver, (try? HostPort.resolver(resolver)) == nil {
            throw ValidationError("--resolver '\(resolver)' is not an address or address:port")
        }
        let files = CertificateFiles(outputDirectory: out, primaryName: names[0])
        let binding = try readExternalAccountBinding()
        let request = OneShotIssueRequest(
            names: names, directory: directoryURL,
            caBundle: acme.caBundle.map { URL(fileURLWithPath: $0).standardizedFileURL.path }, email: email,
            eabKeyID: binding?.keyID, eabMACKey: binding?.encodedMACKey, keyType: keyType,
            accountKeyType: accountKeyType,
            keyPEM: reuseKey ? try? String(contentsOfFile: files.privateKey, encoding: .utf8) : nil,
            profile: profile, preferredChain: preferredChain,
            // A certificate already in the output directory is the one this order replaces (ARI).
            replacesPEM: try? String(contentsOfFile: files.certificate, encoding: .utf8),
            aliases: try parseAliases(), resolver: resolver, preflight: !skipPreflight)
        Self.say("cairn serve (state directory \(stateDirectory)) answers the dns-01 challenges")
        let result = try await server.issue(request) { Self.say($0) }
        try files.write(result)
        Self.say("wrote \(files.fullChain) and \(files.privateKey)")
        if let leaf = try? Certificate(pemEncoded: result.certificatePEM) { Self.describe(leaf) }
    }

    private func write(_ issued: IssuedCertificate, to files: CertificateFiles) throws {
        try files.write(issued)
        Self.say("wrote \(files.fullChain) and \(files.privateKey)")
        Self.describe(issued.chain.leaf)
    }

    private func remoteCredentials() throws -> (String, String) {
        guard let text = ProcessInfo.processInfo.environment["CAIRN_PUBLISH_TOKEN"] else {
            throw ValidationError("--publish needs the token in CAIRN_PUBLISH_TOKEN as <id>:<key> (cairn token create)")
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw ValidationError("CAIRN_PUBLISH_TOKEN must be <id>:<key>") }
        return (parts[0], parts[1])
    }

    private func parseAliases() throws -> [String: String] {
        var result: [String: String] = [:]
        for item in alias {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, (try? DNSName(parts[1])) != nil else {
                throw ValidationError("--alias '\(item)' is not name=target")
            }
            result[DNS01.challengeName(for: parts[0])] = parts[1].lowercased().trimmingCharacters(in: ["."])
        }
        return result
    }

    private func readExternalAccountBinding() throws -> ExternalAccountBinding? {
        guard let eabKeyID else { return nil }
        let text: String
        if let eabKeyFile {
            do {
                text = try String(contentsOfFile: eabKeyFile, encoding: .utf8)
            } catch {
                throw SettingsError(.file, "--eab-hmac-key-file \(eabKeyFile): \(error)")
            }
        } else if let value = ProcessInfo.processInfo.environment["CAIRN_EAB_HMAC_KEY"] {
            text = value
        } else {
            throw ValidationError("--eab-kid needs the HMAC key: --eab-hmac-key-file FILE or CAIRN_EAB_HMAC_KEY")
        }
        return try ExternalAccountBinding(keyID: eabKeyID, encodedMACKey: text)
    }

    private static func report(
        _ step: IssuancePath.Step, resolver: ResolverAddress, since start: ContinuousClock.Instant
    ) {
        switch step {
        case .targets: break
        case .preflightPassed:
            Self.say("preflight: every challenge name leads here (resolver \(resolver))")
        case .account(let url, let created, let keyPath):
            Self.say("account \(url)\(created ? " (new key \(keyPath))" : "")")
        case .order(.orderPlaced(let url, let pending, let total)):
            Self.say("order \(url): \(pending) of \(total) authorizations to validate")
        case .order(.published(let records)):
            for record in records { Self.say("  \(record.identifier): pending (TXT at \(record.name))") }
        case .order(.authorization(let identifier, let status, let problem)):
            let reason = problem.map { " — \($0)" } ?? ""
            Self.say("  \(identifier): \(status)\(reason) (\(format(ContinuousClock.now - start)))")
        case .order(.finalizing):
            Self.say("finalizing")
        case .order(.issued(let url)):
            Self.say("issued \(url) (\(format(ContinuousClock.now - start)))")
        }
    }

    static func describe(_ certificate: Certificate) {
        let names = (try? certificate.extensions.subjectAlternativeNames)?.map { name -> String in
            if case .dnsName(let dns) = name { return dns }
            return "\(name)"
        }
        Self.say("subject:  \(certificate.subject)")
        Self.say("names:    \((names ?? []).joined(separator: ", "))")
        Self.say("issuer:   \(certificate.issuer)")
        Self.say("valid:    \(certificate.notValidBefore) — \(certificate.notValidAfter)")
    }

    /// Writes a progress line at once (print would buffer it when stdout is a pipe or a log).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s", seconds)
    }
}
