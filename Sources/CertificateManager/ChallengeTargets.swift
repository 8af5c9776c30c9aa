import ACMEClient
package import DNSLookup
import DNSWire
import Foundation
package import Logging

/// Where each `_acme-challenge` name's value is published: at the name itself (NS
/// delegation), at the end of its CNAME chain (CNAME delegation), or where `--alias` says.
package struct ChallengeTargets: Sendable {
    /// `_acme-challenge.<name>` → the name to publish at (both lower case, no trailing dot).
    private(set) var targets: [String: String]

    package func target(of challengeName: String) -> String { targets[challengeName] ?? challengeName }

    package var publishNames: [String] { Array(Set(targets.values)) }

    /// Pairs of (challenge name, publish name), sorted.
    package var pairs: [(challenge: String, target: String)] {
        targets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static let maximumChain = 8

    /// Looks up each challenge name's CNAME chain through `resolver` (when given and no alias
    /// applies).
    package static func find(
        for names: [String], aliases: [String: String], resolver: ResolverAddress?, logger: Logger
    ) async throws -> ChallengeTargets {
        var targets: [String: String] = [:]
        let client = DNSLookupClient()
        for challenge in Set(names.map { DNS01.challengeName(for: $0) }).sorted() {
            if let alias = aliases[challenge] {
                targets[challenge] = alias
                continue
            }
            guard let resolver else {
                targets[challenge] = challenge
                continue
            }
            var current = try DNSName(challenge)
            for _ in 0..<maximumChain {
                let response: DNSMessage
                do {
                    response = try await client.query(current, .cname, server: resolver, recursive: true)
                } catch {
                    throw CertificateManagerError(
                        .preflight,
                        "preflight: cannot look up \(current) CNAME through the resolver \(resolver) "
                            + "(\(error)); set --resolver, or name the target with --alias")
                }
                let next = response.answers.lazy.compactMap { record -> DNSName? in
                    guard record.name == current, case .cname(let cname) = record.rdata else { return nil }
                    return cname.target
                }.first
                guard let next else { break }
                current = next
            }
            let target = current.description.lowercased().trimmingCharacters(in: ["."])
            if target != challenge {
                logger.info("challenge name is a CNAME", metadata: ["name": "\(challenge)", "target": "\(target)"])
            }
            targets[challenge] = target
        }
        return ChallengeTargets(targets: targets)
    }
}
