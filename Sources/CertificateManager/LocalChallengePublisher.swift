import ACMEClient
package import DNSAuthority
import DNSWire

/// Publishes dns-01 values straight into this process's challenge table (DESIGN decision 3):
/// once `publish` returns, the next query already sees the value. What `cairn issue` uses with
/// its own DNS listener.
package struct LocalChallengePublisher: ChallengePublisher {
    let authority: Authority
    let owner: ChallengeOwner
    /// The SOA and NS names of zones synthesized for names outside every zone served.
    let identity: NameserverIdentity

    package init(authority: Authority, owner: ChallengeOwner, identity: NameserverIdentity) {
        self.authority = authority
        self.owner = owner
        self.identity = identity
    }

    /// Claims each name, synthesizing a zone at it (NS delegation) when no zone served holds
    /// it; a name beside static data is left alone.
    package func prepare(names: [String]) async throws {
        for text in names {
            let name = try DNSName(text)
            if authority.challengeTable.owner(of: name) == owner { continue }
            if authority.zone(containing: name) == nil {
                try authority.addZone(Zone.synthesized(apex: name, identity: identity, at: .now()))
            }
            // A name beside static data (a CNAME in a zone file, say) is not this publisher's to hold.
            if (try? authority.checkClaimable(name)) == nil, authority.zone(containing: name) != nil { continue }
            try authority.claim(name, owner: owner)
        }
    }

    package func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws {
        let owned = try DNSName(name)
        if authority.challengeTable.owner(of: owned) == nil { try authority.claim(owned, owner: owner) }
        let expires = UnixTime.now().adding(seconds: expiresAfterSeconds)
        try authority.publish(ChallengeValue(value, ttl: ttl, expires: expires), at: owned, owner: owner)
    }

    package func withdraw(name: String, value: String) async throws {
        _ = try authority.withdraw(text: Array(value.utf8), at: try DNSName(name), owner: owner)
    }
}
