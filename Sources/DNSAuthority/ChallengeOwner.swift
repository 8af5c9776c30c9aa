/// Who may publish at a challenge name: a registration, a token, or Cairn's own ACME client.
///
/// Every challenge name has exactly one owner; only that owner publishes or withdraws there.
public struct ChallengeOwner: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}
