package import DNSWire

/// Everything at one name of a zone: static RRsets, challenge values if the name is owned,
/// and how many child names exist below it (so empty non-terminals can be kept and removed).
package struct ZoneNode: Hashable, Sendable {
    /// Static RRsets from a zone file or built in code, at most one per type.
    package var rrsets: [RRSet]
    /// Set when the name is an owned challenge name.
    package var challenge: ChallengeRecords?
    /// The number of nodes whose parent is this name.
    package var childCount: Int

    package init(rrsets: [RRSet] = [], challenge: ChallengeRecords? = nil, childCount: Int = 0) {
        self.rrsets = rrsets
        self.challenge = challenge
        self.childCount = childCount
    }

    /// The RRset of `type`, if present.
    @inline(__always)
    package func rrset(_ type: DNSRecordType) -> RRSet? {
        for rrset in rrsets where rrset.type == type { return rrset }
        return nil
    }

    /// Whether the name holds no data of its own (an empty non-terminal, RFC 8020 §2, if it
    /// has children).
    package var isEmpty: Bool { rrsets.isEmpty && challenge == nil }
}
