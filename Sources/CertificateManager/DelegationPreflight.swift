package import ACMEClient
package import DNSLookup
import DNSWire
import Foundation
package import Logging

/// Proves, before any order, that the CA will find Cairn's values: a canary value is
/// published at each target and read back through the recursive resolver (following the
/// CNAME, if any) and from every IPv4 and IPv6 address of every nameserver of the zone that
/// holds the target. A CA allows few failed authorizations per hour; a broken delegation
/// fails here instead, naming the record or address to fix.
package struct DelegationPreflight: Sendable {
    let resolver: ResolverAddress
    /// Port to ask nameservers on (53; tests that cannot bind 53 use another).
    let nameserverPort: Int
    let logger: Logger
    var client = DNSLookupClient()

    /// Whether the canary is also read through the resolver. Only when it is published with
    /// TTL 0: a resolver caches a TXT RRset for its TTL, and a cached canary-only RRset would
    /// hide the real values from a CA asking the same resolver. Publishing through another
    /// Cairn's httpreq API carries no TTL, so there the resolver's part is checked by the CNAME
    /// and NS lookups alone.
    let readsBackThroughResolver: Bool

    package init(resolver: ResolverAddress, nameserverPort: Int, readsBackThroughResolver: Bool = true, logger: Logger)
    {
        self.resolver = resolver
        self.readsBackThroughResolver = readsBackThroughResolver
        self.nameserverPort = nameserverPort
        self.logger = logger
    }

    package func check(targets: ChallengeTargets, publisher: any ChallengePublisher) async throws {
        // Shaped like a real dns-01 digest; TTL 0 so no resolver keeps it past this check.
        let canary = DNS01.txtValue(token: UUID().uuidString, thumbprint: "preflight")
        for name in targets.publishNames {
            try await publisher.publish(name: name, value: canary, ttl: 0, expiresAfterSeconds: 300)
        }
        do {
            for (challenge, target) in targets.pairs {
                if readsBackThroughResolver {
                    try await checkResolver(challenge: challenge, target: target, canary: canary)
                }
                try await checkNameservers(challenge: challenge, target: target, canary: canary)
            }
        } catch {
            await withdraw(canary, from: targets, publisher: publisher)
            throw error
        }
        await withdraw(canary, from: targets, publisher: publisher)
    }

    private func withdraw(_ canary: String, from targets: ChallengeTargets, publisher: any ChallengePublisher) async {
        for name in targets.publishNames { try? await publisher.withdraw(name: name, value: canary) }
    }

    private func checkResolver(challenge: String, target: String, canary: String) async throws {
        let response: DNSMessage
        do {
            response = try await client.query(try DNSName(challenge), .txt, server: resolver, recursive: true)
        } catch {
            throw CertificateManagerError(.preflight, "preflight: the resolver \(resolver) does not answer: \(error)")
        }
        if Self.values(in: response).contains(canary) { return }
        let fix =
            target == challenge
            ? "delegate it to this server: '\(challenge). NS <this server's name>' with glue, or a CNAME to a name Cairn serves"
            : "'\(challenge).' leads to \(target), which should be served here"
        throw CertificateManagerError(
            .preflight,
            """
            preflight: \(challenge) TXT through the resolver \(resolver) does not return Cairn's canary \
            (rcode \(response.responseCode), \(response.answers.count) answers: \(Self.describe(response.answers))); \
            \(fix)
            """)
    }

    private func checkNameservers(challenge: String, target: String, canary: String) async throws {
        let (zone, nameservers) = try await delegation(of: try DNSName(target))
        var addresses: [(nameserver: DNSName, address: String)] = []
        for nameserver in nameservers {
            var found = 0
            for type in [DNSRecordType.a, .aaaa] {
                let response = try await client.query(nameserver, type, server: resolver, recursive: true)
                for record in response.answers {
                    switch record.rdata {
                    case .a(let a):
                        addresses.append((nameserver, a.address.description))
                        found += 1
                    case .aaaa(let aaaa):
                        addresses.append((nameserver, aaaa.address.description))
                        found += 1
                    default: break
                    }
                }
            }
            if found == 0 {
                throw CertificateManagerError(
                    .preflight,
                    "preflight: nameserver \(nameserver) of \(zone) has no A or AAAA record; add one")
            }
        }
        for (nameserver, address) in addresses {
            let response: DNSMessage
            do {
                response = try await client.query(
                    try DNSName(target), .txt, server: HostPort(host: address, port: nameserverPort), recursive: false)
            } catch {
                throw CertificateManagerError(
                    .preflight,
                    """
                    preflight: nameserver \(nameserver) of \(zone) at \(address) port \(nameserverPort) does not \
                    answer \(target) TXT: \(error). It must be this Cairn (or hold its values) and be reachable
                    """)
            }
            guard Self.values(in: response).contains(canary) else {
                throw CertificateManagerError(
                    .preflight,
                    """
                    preflight: nameserver \(nameserver) of \(zone) at \(address) does not serve Cairn's canary at \
                    \(target) (rcode \(response.responseCode)); every NS of \(zone) must be this server
                    """)
            }
        }
        logger.info(
            "preflight passed",
            metadata: ["name": "\(challenge)", "zone": "\(zone)", "addresses": "\(addresses.map(\.address))"])
    }

    /// The closest enclosing zone cut of `name`, found through the resolver: the first name
    /// upwards with an NS RRset of its own.
    private func delegation(of name: DNSName) async throws -> (DNSName, [DNSName]) {
        var current = name
        while current.labelCount > 0 {
            let response = try await client.query(current, .ns, server: resolver, recursive: true)
            let nameservers = response.answers.compactMap { record -> DNSName? in
                guard record.name == current, case .ns(let ns) = record.rdata else { return nil }
                return ns.nameserver
            }
            if !nameservers.isEmpty { return (current, nameservers) }
            current = current.suffix(labelCount: current.labelCount - 1)
        }
        throw CertificateManagerError(
            .preflight, "preflight: no zone with NS records encloses \(name) through \(resolver)")
    }

    static func values(in response: DNSMessage) -> [String] {
        response.answers.compactMap { record in
            if case .txt(let txt) = record.rdata { return String(decoding: txt.joined, as: UTF8.self) }
            return nil
        }
    }

    static func describe(_ records: [DNSRecord]) -> String {
        records.isEmpty ? "none" : records.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
    }
}
