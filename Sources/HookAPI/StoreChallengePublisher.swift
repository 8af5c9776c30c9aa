public import ACMEClient
public import DNSAuthority
import DNSWire
import Store

/// The ``ChallengePublisher`` for an ACME client inside `cairn serve` (DESIGN decision 3): it
/// publishes through the same ``ChallengeWriter`` as the hook API, so a value is durable and
/// served when `publish` returns, and survives a restart until it expires (decision 4).
///
/// Names are claimed for `owner` by ``prepare(names:)`` or on first use, in the store and then
/// the authority; a name another owner holds is refused.
public struct StoreChallengePublisher: ChallengePublisher {
    let writer: ChallengeWriter
    let owner: ChallengeOwner

    public init(writer: ChallengeWriter, owner: ChallengeOwner) {
        self.writer = writer
        self.owner = owner
    }

    /// Claims each name for `owner` in the store (then the table): as a name inside a zone
    /// served here, or as the apex of a challenge zone synthesized for it when no zone holds it
    /// (NS delegation). A name beside static data is left alone; a name another owner holds
    /// throws ``AuthorityError/Code/ownedByAnother``.
    public func prepare(names: [String]) async throws {
        let mine = Set(try await writer.store.ownedNames(owner: owner.rawValue).map(\.name))
        var claims: [StoreChange] = []
        for name in names {
            let (dnsName, text) = try Self.parse(name)
            guard !mine.contains(text) else { continue }
            guard let kind = Self.kind(of: dnsName, in: writer.authority) else { continue }
            claims.append(.addOwnedName(OwnedName(name: text, owner: owner.rawValue, kind: kind)))
        }
        guard !claims.isEmpty else { return }
        do {
            try await writer.apply(claims)
        } catch let error as StoreError {
            // Most likely a name has another owner; say which rather than the database's words.
            let taken = Set(
                claims.compactMap { change -> String? in
                    if case .addOwnedName(let owned) = change { owned.name } else { nil }
                })
            if let other = try await writer.store.ownedNames().first(where: {
                taken.contains($0.name) && $0.owner != owner.rawValue
            }) {
                throw AuthorityError(.ownedByAnother, name: try DNSName(other.name))
            }
            throw error
        }
    }

    public func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws {
        try await prepare(names: [name])
        let (_, text) = try Self.parse(name)
        let expires = UnixTime.now().adding(seconds: expiresAfterSeconds)
        try await writer.apply([
            .addValue(
                StoredValue(name: text, text: value, expires: expires.rawValue, ttl: ttl),
                keepAtMost: writer.authority.configuration.maximumValuesPerName)
        ])
    }

    public func withdraw(name: String, value: String) async throws {
        let (_, text) = try Self.parse(name)
        try await writer.apply([.removeValue(name: text, text: value)])
    }

    /// How `name` would be owned: inside a zone served here, or as the apex of a synthesized
    /// challenge zone; `nil` when it cannot be (static data there, below a cut).
    private static func kind(of name: DNSName, in authority: Authority) -> OwnedName.Kind? {
        let failure: AuthorityError?
        do {
            try authority.checkClaimable(name)
            failure = nil
        } catch {
            failure = error
        }
        guard let failure else { return .label }
        return failure.code == .nameOutsideZones ? .challengeZone : nil
    }

    private static func parse(_ name: String) throws -> (DNSName, String) {
        guard let dnsName = ChallengeName.parse(name) else {
            throw AuthorityError(.nameOutsideZones, name: (try? DNSName(name)) ?? .root)
        }
        return (dnsName, ChallengeName.storeText(dnsName))
    }
}
