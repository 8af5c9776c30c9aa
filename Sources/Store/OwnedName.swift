/// A challenge name and the one credential that may publish there.
public struct OwnedName: Hashable, Sendable {
    /// How the name reaches Cairn.
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A name inside a zone Cairn serves, such as `<uuid>.auth.example.net` (CNAME delegation).
        public static let label = Self(rawValue: "label")
        /// The apex of a zone Cairn synthesizes, `_acme-challenge.<domain>` (NS delegation).
        public static let challengeZone = Self(rawValue: "zone")
    }

    /// The name in lowercase presentation form without the trailing dot.
    public var name: String
    /// ``Registration/owner`` or ``Token/owner``.
    public var owner: String
    public var kind: Kind
    /// The domain whose `_acme-challenge` name this one stands for, when it is a CNAME target.
    public var domain: String?

    public init(name: String, owner: String, kind: Kind, domain: String? = nil) {
        self.name = name
        self.owner = owner
        self.kind = kind
        self.domain = domain
    }
}
