public import DNSWire

/// Limits and defaults of the answer logic.
public struct AuthorityConfiguration: Hashable, Sendable {
    /// The most seconds a negative answer may be cached: the SOA in the authority section
    /// carries min(SOA TTL, SOA MINIMUM, this) (RFC 2308 §3, §5). Short, so a resolver does
    /// not keep "no such TXT" while a challenge is being published.
    public var maximumNegativeTTL: UInt32
    /// The most seconds a challenge TXT value may be cached.
    public var maximumChallengeTTL: UInt32
    /// The largest UDP response Cairn sends, whatever a client advertises; also the size it
    /// advertises in its own OPT record (1232: DNS Flag Day 2020, RFC 9715).
    public var maximumUDPPayload: Int
    /// The most values one challenge name holds; publishing one more drops the oldest.
    public var maximumValuesPerName: Int
    /// The most CNAMEs followed inside a zone for one answer (RFC 1034 §4.3.2 step 3a).
    public var maximumCNAMEChain: Int
    /// How many changes each zone's journal keeps for incremental transfers (IXFR, RFC 1995): a
    /// secondary further behind gets the whole zone. 0 keeps no journal (no secondaries).
    public var journalLength: Int
    /// The apex of a catalog zone (RFC 9432) listing every other zone served, kept up to date as
    /// zones are loaded, synthesized and removed; `nil`: none. Must satisfy
    /// ``CatalogZone/isUsableApex(_:)`` and be no zone's apex.
    public var catalogZone: DNSName?

    public init(
        maximumNegativeTTL: UInt32 = 30, maximumChallengeTTL: UInt32 = 60, maximumUDPPayload: Int = 1232,
        maximumValuesPerName: Int = 16, maximumCNAMEChain: Int = 8, journalLength: Int = 0,
        catalogZone: DNSName? = nil
    ) {
        self.catalogZone = catalogZone.flatMap { CatalogZone.isUsableApex($0) ? $0 : nil }
        self.maximumNegativeTTL = maximumNegativeTTL
        self.maximumChallengeTTL = maximumChallengeTTL
        self.maximumUDPPayload = max(512, min(maximumUDPPayload, 65535))
        self.maximumValuesPerName = max(1, maximumValuesPerName)
        self.maximumCNAMEChain = max(0, maximumCNAMEChain)
        self.journalLength = max(0, journalLength)
    }
}
