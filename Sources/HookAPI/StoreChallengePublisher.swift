public import ACMEClient
public import DNSAuthority
import DNSWire
public import Store

/// The ``ChallengePublisher`` for an ACME client inside `cairn serve` (DESIGN decision 3): it
/// publishes through the same ``ChallengeWriter`` as the hook API, so a value is durable and
/// served when `publish` returns, and survives a restart until it expires (decision 4).
///
/// Names are claimed for `owner` on first use, in the store and the authority; a name another
/// owner holds is refused.
public struct StoreChallengePublisher: ChallengePublisher {
    let writer: ChallengeWriter
    let store: any ChallengeStore
    let authority: Authority
    let owner: ChallengeOwner

    public init(writer: ChallengeWriter, store: any ChallengeStore, authority: Authority, owner: ChallengeOwner) {
        self.writer = writer
        self.store = store
        self.authority = authority
        self.owner = owner
    }

    public func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws {
        let (dnsName, text) = try Self.parse(name)
        let owner = self.owner
        var changes: [StoreChange] = []
        switch authority.challengeTable.owner(of: dnsName) {
        case owner:
            break
        case nil:
            if try await !store.ownedNames(owner: owner.rawValue).contains(where: { $0.name == text }) {
                changes.append(.addOwnedName(OwnedName(name: text, owner: owner.rawValue, kind: .label)))
            }
        default:
            throw AuthorityError(.ownedByAnother, name: dnsName)
        }
        let expires = UnixTime.now().adding(seconds: expiresAfterSeconds)
        changes.append(
            .addValue(
                StoredValue(name: text, text: value, expires: expires.rawValue),
                keepAtMost: authority.configuration.maximumValuesPerName))
        try await writer.apply(
            ChallengeWriter.Change(
                store: changes,
                authority: { authority in
                    if authority.challengeTable.owner(of: dnsName) == nil { try authority.claim(dnsName, owner: owner) }
                    try authority.publish(ChallengeValue(value, ttl: ttl, expires: expires), at: dnsName, owner: owner)
                }))
    }

    public func withdraw(name: String, value: String) async throws {
        let (dnsName, text) = try Self.parse(name)
        let owner = self.owner
        try await writer.apply(
            ChallengeWriter.Change(
                store: [.removeValue(name: text, text: value)],
                authority: { authority in
                    try authority.withdraw(text: Array(value.utf8), at: dnsName, owner: owner)
                }))
    }

    private static func parse(_ name: String) throws -> (DNSName, String) {
        guard let dnsName = ChallengeName.parse(name) else {
            throw AuthorityError(.nameOutsideZones, name: (try? DNSName(name)) ?? .root)
        }
        return (dnsName, ChallengeName.storeText(dnsName))
    }
}
