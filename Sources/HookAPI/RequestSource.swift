import Foundation

/// Where a request comes from, as far as the API can tell: the address that address-based
/// privileges are checked against, and the address its failures and registrations are counted
/// against. The two differ only when a proxy forwards for clients it cannot vouch for.
struct RequestSource: Sendable, Hashable, CustomStringConvertible {
    /// The client, for what an address grants (`api.registerNetworks`, `allowfrom`); `nil` when
    /// it cannot be known, and then no address-based check passes.
    var address: IPAddress?
    /// Whom failures and registrations are counted against; `nil` only without a peer address.
    var countedAs: IPAddress?
    /// A proxy on this host that forwards for others but is not in `api.trustedProxies`.
    var untrustedProxy: IPAddress?

    var description: String {
        if let untrustedProxy {
            let client = countedAs.flatMap { $0 == untrustedProxy ? nil : "\($0)" } ?? "?"
            return "\(client) via untrusted proxy \(untrustedProxy)"
        }
        if let address { return "\(address)" }
        return countedAs.map { "? via \($0)" } ?? "?"
    }

    /// Resolves the client of a request from `peer`.
    ///
    /// - A peer in `trustedProxies`: the right-most address of `chain` that is not itself a
    ///   trusted proxy (entries to its left were written by the client and prove nothing). An
    ///   entry that is not an address stops the walk: the client is then unknown for privileges
    ///   and counted as the proxy that wrote it, so the failure limit still holds.
    /// - A loopback peer that sends `X-Forwarded-For` or `Forwarded` (`forwarding`) but is not
    ///   trusted: a reverse proxy on this host the operator has not named. Its clients come from
    ///   anywhere, so they get no loopback privilege (`/register` is not opened to the world,
    ///   `allowfrom` matches nothing); each is counted as the right-most address the proxy wrote,
    ///   so one client's failures do not lock the others out. (A local process that forges the
    ///   header only spreads its own failures over addresses; the per-credential count holds.)
    /// - Any other peer is the client, whatever it sends.
    ///
    /// - Parameters:
    ///   - chain: the `X-Forwarded-For` entries in order, or without that header the `for=`
    ///     values of `Forwarded` (RFC 7239).
    ///   - forwarding: whether the request carried either header.
    static func resolve(
        peer: IPAddress?, chain: [String], forwarding: Bool, trustedProxies: [IPNetwork]
    ) -> RequestSource {
        guard let peer else { return RequestSource() }
        if trustedProxies.containsAddress(peer) {
            var hop = peer
            for entry in chain.reversed() {
                guard let address = IPAddress(forwarded: entry) else {
                    return RequestSource(address: nil, countedAs: hop)
                }
                if !trustedProxies.containsAddress(address) {
                    return RequestSource(address: address, countedAs: address)
                }
                hop = address
            }
            return RequestSource(address: hop, countedAs: hop)
        }
        if peer.isLoopback, forwarding {
            let claimed = chain.last.flatMap { IPAddress(forwarded: $0) }
            return RequestSource(address: nil, countedAs: claimed ?? peer, untrustedProxy: peer)
        }
        return RequestSource(address: peer, countedAs: peer)
    }

    /// The entries of `X-Forwarded-For` field values, left to right.
    static func forwardedForEntries(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The `for=` values of `Forwarded` field values (RFC 7239 §4), left to right, quotes kept
    /// for ``IPAddress/init(forwarded:)`` to remove.
    static func forwardedFor(_ values: [String]) -> [String] {
        values.flatMap { split($0, on: ",") }.compactMap { element in
            for pair in split(element, on: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                if parts[0].trimmingCharacters(in: .whitespaces).lowercased() == "for" {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    /// `text` split at `separator` outside quoted strings.
    private static func split(_ text: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                escaped = false
            } else if quoted, character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == separator, !quoted {
                parts.append(current)
                current = ""
                continue
            }
            current.append(character)
        }
        parts.append(current)
        return parts
    }
}
