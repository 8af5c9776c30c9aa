/// One dns-01 TXT value the issuer publishes: for `identifier`, at `name` (the
/// `_acme-challenge` name, or where its CNAME leads).
public struct ChallengeRecord: Hashable, Sendable {
    /// The name as ordered (`*.example.com` for a wildcard).
    public var identifier: String
    /// Where the TXT value is published, no trailing dot.
    public var name: String
    public var value: String

    public init(identifier: String, name: String, value: String) {
        self.identifier = identifier
        self.name = name
        self.value = value
    }
}
