/// Which of a certificate's issuers (ACME CAs, in the declared order of preference) to order
/// from: the first one with fewer than ``attemptsPerIssuer`` consecutive failures, falling back
/// to the next; when every issuer has used its attempts, back to the first for another round.
///
/// Persisted per certificate by the manager (`Codable`). Counts are kept by issuer name, so
/// reordering or editing the issuer list keeps what is known about the issuers that remain.
/// A success clears every count, not only the issuer's that succeeded: the next renewal starts
/// again from the preferred issuer instead of staying on a fallback for good.
package struct IssuerFallback: Hashable, Sendable, Codable {
    /// Consecutive failed orders at one issuer before the next is tried: enough to ride out a
    /// brief outage or a lost race, few enough that a CA that is down or refuses the names does
    /// not hold a certificate back for long (each attempt also waits for ``RetryBackoff``).
    package static let attemptsPerIssuer = 3

    /// Consecutive failed orders per issuer name since the certificate's last success.
    package private(set) var failures: [String: Int] = [:]

    package init() {}

    /// The issuer to order from next, or `nil` when `issuers` is empty.
    package func choose(from issuers: [String]) -> Choice? {
        guard !issuers.isEmpty else { return nil }
        let budget = Self.attemptsPerIssuer
        // Each full pass over the list that ends with every issuer at its budget is a round;
        // within the current round, the first issuer with attempts left is chosen.
        var round = Int.max
        for issuer in issuers { round = min(round, (failures[issuer] ?? 0) / budget) }
        for (index, issuer) in issuers.enumerated() where (failures[issuer] ?? 0) < budget * (round + 1) {
            return Choice(issuer: issuer, index: index, round: round)
        }
        // Unreachable: the issuer with the fewest failures is always below the next round.
        return Choice(issuer: issuers[0], index: 0, round: round)
    }

    /// Counts a failed order at `issuer`.
    package mutating func recordFailure(issuer: String) {
        failures[issuer, default: 0] += 1
    }

    /// Clears the counts after a certificate was issued (by any issuer).
    package mutating func recordSuccess() {
        failures.removeAll()
    }

    /// The issuer ``IssuerFallback`` chose, and whether every issuer had already failed.
    package struct Choice: Hashable, Sendable, CustomStringConvertible {
        /// The issuer's name, as declared.
        package var issuer: String
        /// Its position in the declared list (0 is the preferred issuer).
        package var index: Int
        /// How many times every issuer has used its attempts; above 0, the list started over.
        package var round: Int

        /// Every issuer used its attempts and the list started again from the first.
        package var startedOver: Bool { round > 0 }

        package var description: String {
            var text = issuer
            if index > 0 { text += " (fallback #\(index))" }
            if startedOver {
                let attempts = IssuerFallback.attemptsPerIssuer
                text += " (every issuer used its \(attempts) attempts; starting over, round \(round + 1))"
            }
            return text
        }
    }
}
