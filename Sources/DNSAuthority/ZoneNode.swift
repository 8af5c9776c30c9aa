package import DNSWire

/// Everything at one name of a zone: static RRsets and how many child names exist below it
/// (so empty non-terminals can be kept and removed). Owned challenge names have no node of
/// their own unless they are an apex or an empty non-terminal: the challenge table holds them.
package struct ZoneNode: Hashable, Sendable {
    /// Static RRsets from a zone file or built in code, at most one per type.
    package var rrsets: [RRSet]
    /// The number of names whose parent is this name: nodes, and owned challenge names without one.
    package var childCount: Int

    package init(rrsets: [RRSet] = [], childCount: Int = 0) {
        self.rrsets = rrsets
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
    package var isEmpty: Bool { rrsets.isEmpty }

    /// Whether an owned challenge name may sit here: no data, or only the SOA and NS of an apex
    /// (a zone cut is refused before this is asked).
    @inline(__always)
    package var mayBeOwned: Bool {
        for rrset in rrsets where rrset.type != .soa && rrset.type != .ns { return false }
        return true
    }
}
