public import DNSWire

/// What one challenge name must hold, as the store says (DESIGN decision 4: the in-memory table
/// follows the store): its owner, or none, and its values.
///
/// ``Authority/apply(_:identity:now:)`` makes the table hold exactly this, whatever it held
/// before, so applying the same state twice, or a state older writers never saw, converges.
public struct ChallengeState: Hashable, Sendable {
    public var name: DNSName
    /// `nil`: nobody owns the name; it is released where it is still held.
    public var owner: ChallengeOwner?
    /// Whether the name is the apex of a challenge zone Cairn synthesizes (NS delegation of
    /// `_acme-challenge.<domain>`), rather than a name inside a zone served already.
    public var isZoneApex: Bool
    /// Values in publication order, oldest first.
    public var values: ChallengeValues

    public init(name: DNSName, owner: ChallengeOwner?, isZoneApex: Bool = false, values: ChallengeValues = []) {
        self.name = name
        self.owner = owner
        self.isZoneApex = isZoneApex
        self.values = values
    }
}
