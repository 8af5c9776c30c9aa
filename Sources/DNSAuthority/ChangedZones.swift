public import DNSWire

/// The zones a change of the ``Authority`` may have changed, as ``Authority/changes()`` delivers
/// them: what a secondary must be brought up to date on (RFC 1996 §3.7: a NOTIFY per zone whose
/// serial changed).
public enum ChangedZones: Sendable, Hashable {
    /// Any zone: a reload or a restore rebuilt them all.
    case all
    /// The zones at these apexes: added, removed, or their serial advanced.
    case zones(Set<DNSName>)

    /// The zones either names.
    public func union(_ other: ChangedZones) -> ChangedZones {
        var union = self
        union.formUnion(other)
        return union
    }

    /// Adds the zones `other` names, in place (the set is not copied).
    public mutating func formUnion(_ other: ChangedZones) {
        guard case .zones(var mine) = self, case .zones(let theirs) = other else {
            self = .all
            return
        }
        self = .all  // `mine` is then the set's only reference
        mine.formUnion(theirs)
        self = .zones(mine)
    }
}
