public import ACMEClient
public import DNSAuthority
import DNSWire
import Store

/// The ``ChallengePublisher`` for an ACME client inside `cairn serve` (DESIGN decision 3): it
/// publishes through the same ``ChallengeWriter`` as the hook API, so a value is durable and
/// served when `publish` returns, and survives a restart until it expires (decision 4).
///
/// Names are claimed for `owner` on first use, in the store and the authority; a name another
/// owner holds is refused.
public struct StoreChallengePublisher: ChallengePublisher {
    let writer: ChallengeWriter
    let owner: ChallengeOwner

    public init(writer: ChallengeWriter, owner: ChallengeOwner) {
        self.writer = writer
        self.owner = owner
    }

    public func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws {
        let (dnsName, text) = try Self.parse(name)
        var changes: [StoreChange] = []
        // The store decides ownership: its primary key refuses a second owner for a name.
        if try await !writer.store.ownedNames(owner: owner.rawValue).contains(where: { $0.name == text }) {
            changes.append(.addOwnedName(OwnedName(name: text, owner: owner.rawValue, kind: .label)))
        }
        let expires = UnixTime.now().adding(seconds: expiresAfterSeconds)
        changes.append(
            .addValue(
                StoredValue(name: text, text: value, expires: expires.rawValue, ttl: ttl),
                keepAtMost: writer.authority.configuration.maximumValuesPerName))
        do {
            try await writer.apply(changes)
        } catch let error as StoreError where changes.count == 2 {
            // Most likely the name has another owner; say so rather than the database's words.
            if try await writer.store.ownedNames().contains(where: { $0.name == text && $0.owner != owner.rawValue }) {
                throw AuthorityError(.ownedByAnother, name: dnsName)
            }
            throw error
        }
    }

    public func withdraw(name: String, value: String) async throws {
        let (_, text) = try Self.parse(name)
        try await writer.apply([.removeValue(name: text, text: value)])
    }

    private static func parse(_ name: String) throws -> (DNSName, String) {
        guard let dnsName = ChallengeName.parse(name) else {
            throw AuthorityError(.nameOutsideZones, name: (try? DNSName(name)) ?? .root)
        }
        return (dnsName, ChallengeName.storeText(dnsName))
    }
}
