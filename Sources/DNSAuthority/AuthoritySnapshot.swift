package import DNSWire
package import HashTreeCollections

/// The immutable state the answer path reads: every zone served and the challenge table.
///
/// Built by a writer and swapped in whole (DESIGN decision 2), so a query sees one
/// consistent state and readers never wait.
package final class AuthoritySnapshot: Sendable {
    /// Zones by apex: a persistent map, as each zone's nodes are, so the next snapshot shares
    /// all but the path to what changed (a challenge zone synthesized per delegated domain
    /// makes millions of zones possible).
    package let zones: TreeDictionary<DNSName, Zone>
    /// Owned challenge names and their values (``ChallengeTable/entries``): each is in the zone
    /// ``zone(containing:)`` finds for it, which has no node for it unless it is that zone's apex
    /// or an empty non-terminal.
    package let challenges: TreeDictionary<DNSName, ChallengeRecords>
    package let configuration: AuthorityConfiguration
    /// The challenge table is still being restored: negative answers are SERVFAIL (Not Ready).
    package let restoring: Bool
    /// Each zone's last changes, for incremental transfers (RFC 1995).
    package let journals: TreeDictionary<DNSName, ZoneJournal>
    /// The apexes of the static zones (not synthesized for owned names).
    package let staticApexes: Set<DNSName>
    /// ``ApexFilter/masks``: suffixes of a query name that cannot be an apex are not looked up.
    private let apexMasks: [UInt64]

    package init(
        zones: TreeDictionary<DNSName, Zone>, challenges: TreeDictionary<DNSName, ChallengeRecords>,
        configuration: AuthorityConfiguration, restoring: Bool, apexFilter: ApexFilter,
        journals: TreeDictionary<DNSName, ZoneJournal> = [:], staticApexes: Set<DNSName> = []
    ) {
        self.zones = zones
        self.challenges = challenges
        self.configuration = configuration
        self.restoring = restoring
        self.journals = journals
        self.staticApexes = staticApexes
        self.apexMasks = apexFilter.masks
    }

    /// The zone with the longest apex that `name` is in or below, if any.
    package func zone(containing name: DNSName) -> Zone? {
        var labels = name.labelCount
        var current = name
        while true {
            if ApexFilter.mayBeApex(current, labelCount: labels, masks: apexMasks), let zone = zones[current] {
                return zone
            }
            guard let parent = current.parent else { return nil }
            current = parent
            labels -= 1
        }
    }
}
