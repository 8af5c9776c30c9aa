/// What the challenge table holds at one owned name: its owner and the values published there.
public struct ChallengeRecords: Hashable, Sendable {
    public var owner: ChallengeOwner
    /// Values in publication order, oldest first.
    public var values: [ChallengeValue]

    public init(owner: ChallengeOwner, values: [ChallengeValue] = []) {
        self.owner = owner
        self.values = values
    }

    /// The earliest expiry among the values, if any.
    public var earliestExpiry: UnixTime? { values.map(\.expires).min() }
}
