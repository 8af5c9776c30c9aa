import ACMEClient
package import DNSAuthority
import DNSWire

/// Publishes dns-01 values straight into this process's challenge table (DESIGN decision 3):
/// once `publish` returns, the next query already sees the value.
package struct LocalChallengePublisher: ChallengePublisher {
    let authority: Authority
    let owner: ChallengeOwner

    package init(authority: Authority, owner: ChallengeOwner) {
        self.authority = authority
        self.owner = owner
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
