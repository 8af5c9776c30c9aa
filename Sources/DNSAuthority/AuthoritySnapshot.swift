package import DNSWire

/// The immutable state the answer path reads: every zone served, challenge values merged in.
///
/// Built by a writer and swapped in whole (DESIGN decision 2), so a query sees one
/// consistent state and readers never wait.
package final class AuthoritySnapshot: Sendable {
    /// Zones by apex.
    package let zones: [DNSName: Zone]
    package let configuration: AuthorityConfiguration
    /// Bit n set when some zone's apex has n labels (n < 128), so suffixes of a query name
    /// that cannot be an apex are not hashed.
    private let apexLabelCounts: (UInt64, UInt64)

    package init(zones: [DNSName: Zone], configuration: AuthorityConfiguration) {
        self.zones = zones
        self.configuration = configuration
        var counts: (UInt64, UInt64) = (0, 0)
        for zone in zones.values {
            let labels = zone.apexLabelCount
            if labels < 64 { counts.0 |= 1 << UInt64(labels) } else { counts.1 |= 1 << UInt64(labels - 64) }
        }
        self.apexLabelCounts = counts
    }

    @inline(__always)
    private func mayBeApex(labelCount: Int) -> Bool {
        labelCount < 64
            ? apexLabelCounts.0 & (1 << UInt64(labelCount)) != 0
            : apexLabelCounts.1 & (1 << UInt64(labelCount - 64)) != 0
    }

    /// The zone with the longest apex that `name` is in or below, if any.
    package func zone(containing name: DNSName) -> Zone? {
        var labels = name.labelCount
        var current = name
        while true {
            if mayBeApex(labelCount: labels), let zone = zones[current] { return zone }
            guard let parent = current.parent else { return nil }
            current = parent
            labels -= 1
        }
    }
}
