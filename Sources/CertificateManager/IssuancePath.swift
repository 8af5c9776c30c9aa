package import ACMEClient
package import AsyncHTTPClient
package import DNSLookup
package import Logging

/// The one way Cairn gets a certificate, for `cairn issue`, `cairn renew` and the certificate
/// manager alike: make each `_acme-challenge` name answerable where the publisher puts values,
/// follow its CNAME (or `aliases`), make the targets answerable too, prove with a canary that
/// every nameserver of each delegation serves them (preflight), then order, solve every
/// authorization at once and download (RFC 8555 §7.4).
package struct IssuancePath: Sendable {
    /// The recursive resolver CNAMEs are followed and canaries read back through.
    package var resolver: ResolverAddress
    /// `_acme-challenge.<name>` → the name to publish at instead of following a CNAME.
    package var aliases: [String: String]
    /// Whether the delegation is checked before ordering.
    package var preflight: Bool
    /// The port nameservers are asked on by preflight (53; tests that cannot bind it use another).
    package var nameserverPort: Int
    package var logger: Logger

    package init(
        resolver: ResolverAddress, aliases: [String: String] = [:], preflight: Bool = true, nameserverPort: Int = 53,
        logger: Logger
    ) {
        self.resolver = resolver
        self.aliases = aliases
        self.preflight = preflight
        self.nameserverPort = nameserverPort
        self.logger = logger
    }

    /// What one issuance reports besides the certificate.
    package enum Step: Sendable {
        /// The targets found (challenge name → where values are published).
        case targets([(challenge: String, target: String)])
        case preflightPassed
        case account(url: String, keyCreated: Bool, keyPath: String)
        case order(IssuanceEvent)
    }

    /// Gets the certificate `request` describes through `publisher`.
    ///
    /// - Parameters:
    ///   - existingOrder: an order placed earlier for this request, continued instead of placing
    ///     another (see ``CertificateIssuer/issue(_:resumingOrderAt:)``).
    ///   - orderPlaced: awaited with a new order's URL before it is used, to make it durable.
    package func issue(
        _ request: CertificateRequest, account: ACMEAccountSettings, http: HTTPClient,
        publisher: any ChallengePublisher, existingOrder: String? = nil,
        orderPlaced: @escaping @Sendable (String) async throws -> Void = { _ in },
        step: @escaping @Sendable (Step) -> Void = { _ in }
    ) async throws -> IssuedCertificate {
        let targets = try await findTargets(for: request.names, publisher: publisher)
        step(.targets(targets.pairs))
        if preflight {
            let check = DelegationPreflight(
                resolver: resolver, nameserverPort: nameserverPort,
                readsBackThroughResolver: publisher.servesGivenTTL, logger: logger)
            try await check.check(targets: targets, publisher: publisher)
            step(.preflightPassed)
        }
        let (client, registered, created) = try await account.client(http: http, logger: logger)
        step(.account(url: registered.url, keyCreated: created, keyPath: account.keyFile.path))
        var issuer = CertificateIssuer(
            client: client, publisher: publisher, target: { targets.target(of: $0) },
            progress: { step(.order($0)) }, logger: logger)
        issuer.orderPlaced = orderPlaced
        return try await issuer.issue(request, resumingOrderAt: existingOrder)
    }

    /// Where each name's challenge is published. The challenge names are made answerable first:
    /// the resolver may need this server's own answers (an NS delegation to it) to tell there is
    /// no CNAME.
    package func findTargets(
        for names: [String], publisher: any ChallengePublisher
    ) async throws
        -> ChallengeTargets
    {
        let challengeNames = Set(names.map { DNS01.challengeName(for: $0) }).sorted()
        try await publisher.prepare(names: challengeNames.filter { aliases[$0] == nil })
        let lookup = preflight || !aliases.isEmpty ? resolver : nil
        let targets = try await ChallengeTargets.find(for: names, aliases: aliases, resolver: lookup, logger: logger)
        let moved = targets.publishNames.filter { !challengeNames.contains($0) }.sorted()
        if !moved.isEmpty { try await publisher.prepare(names: moved) }
        return targets
    }
}
