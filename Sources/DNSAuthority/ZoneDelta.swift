package import DNSWire

/// One change of a zone's served content, from one serial to the next, as a zone's journal
/// keeps it for incremental transfers (IXFR, RFC 1995 §4).
///
/// What the zone held before is kept, not the records: the records after are the next delta's
/// "before", or the current snapshot's, so an IXFR condenses any run of deltas into one
/// difference (RFC 1995 §5) from the first "before" of each name and the zone as served now.
package struct ZoneDelta: Sendable {
    package var fromSerial: UInt32
    package var toSerial: UInt32
    /// The zone before the change, when its static records may have changed (a reload); `nil`
    /// when only owned challenge names changed.
    package var previousZone: Zone?
    /// Each owned challenge name whose records in this zone changed, with what it held in this
    /// zone before (`nil`: it was not an owned name in this zone).
    package var previousChallenges: [DNSName: ChallengeRecords?]
    /// Whether every change is recorded here; `false` when too many names changed at once to keep
    /// (a restore): an IXFR across this delta sends the whole zone.
    package var isComplete: Bool

    package init(
        fromSerial: UInt32, toSerial: UInt32, previousZone: Zone?, previousChallenges: [DNSName: ChallengeRecords?],
        isComplete: Bool
    ) {
        self.fromSerial = fromSerial
        self.toSerial = toSerial
        self.previousZone = previousZone
        self.previousChallenges = previousChallenges
        self.isComplete = isComplete
    }
}
