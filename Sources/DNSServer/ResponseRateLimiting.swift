/// Response-rate limiting (RRL) of UDP answers, as BIND, Knot and NSD have it: per client prefix
/// and kind of response, so that Cairn is not an amplifier for floods with a spoofed source.
///
/// Each kind has its own budget per prefix and second: answers to one name and type, NXDOMAIN,
/// REFUSED, other errors. Past the budget, every ``slip``th response is sent truncated (TC, no
/// records: a real resolver retries over TCP, which cannot be spoofed) and the others are
/// dropped. Answers that serve challenge values have a far larger budget
/// (``challengeResponsesPerSecond``): a CA's resolvers must always get through. TCP is never
/// limited.
public struct ResponseRateLimiting: Hashable, Sendable {
    /// Responses per second one prefix gets per kind (and, for answers, per name and type);
    /// 0 turns rate limiting off.
    public var responsesPerSecond: Int
    /// The budget of answers that carry challenge values, per prefix, name and second.
    public var challengeResponsesPerSecond: Int
    /// Every `slip`th limited response is sent truncated; 0 drops them all, 1 truncates them all.
    public var slip: Int
    public var ipv4PrefixLength: Int
    public var ipv6PrefixLength: Int
    /// Whether clients on loopback (a resolver on this host, monitoring) are never limited.
    public var exemptsLoopback: Bool
    /// Buckets kept at most; a flood of distinct prefixes and names reuses the oldest.
    public var tableSize: Int

    public init(
        responsesPerSecond: Int = 200, challengeResponsesPerSecond: Int = 2000, slip: Int = 2,
        ipv4PrefixLength: Int = 24, ipv6PrefixLength: Int = 56, exemptsLoopback: Bool = true,
        tableSize: Int = 1 << 16
    ) {
        self.responsesPerSecond = max(0, responsesPerSecond)
        self.challengeResponsesPerSecond = max(self.responsesPerSecond, challengeResponsesPerSecond)
        self.slip = max(0, slip)
        self.ipv4PrefixLength = min(32, max(0, ipv4PrefixLength))
        self.ipv6PrefixLength = min(128, max(0, ipv6PrefixLength))
        self.exemptsLoopback = exemptsLoopback
        self.tableSize = max(64, tableSize)
    }

    /// Rate limiting off.
    public static let off = ResponseRateLimiting(responsesPerSecond: 0)

    public var isEnabled: Bool { responsesPerSecond > 0 }
}
