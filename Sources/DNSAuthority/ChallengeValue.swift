/// One TXT value published at a challenge name, with its own TTL and expiry.
public struct ChallengeValue: Hashable, Sendable {
    /// The TXT content, e.g. a dns-01 digest (RFC 8555 §8.4); split into 255-octet
    /// character-strings when longer.
    public var text: [UInt8]
    /// The TTL the value is served with; capped by ``AuthorityConfiguration/maximumChallengeTTL``.
    public var ttl: UInt32
    /// When the value stops being served, even if nobody withdraws it.
    public var expires: UnixTime

    public init(text: [UInt8], ttl: UInt32, expires: UnixTime) {
        self.text = text
        self.ttl = ttl
        self.expires = expires
    }

    /// A value from a string (UTF-8).
    public init(_ text: String, ttl: UInt32, expires: UnixTime) {
        self.init(text: Array(text.utf8), ttl: ttl, expires: expires)
    }
}
