/// What the challenge table holds at one owned name: its owner and the values published there.
public struct ChallengeRecords: Hashable, Sendable {
    public var owner: ChallengeOwner
    /// Values in publication order, oldest first.
    public var values: ChallengeValues

    public init(owner: ChallengeOwner, values: ChallengeValues = []) {
        self.owner = owner
        self.values = values
    }

    /// The earliest expiry among the values, if any.
    public var earliestExpiry: UnixTime? { values.packed.lazy.map(\.expires).min() }
}
