package import DNSAuthority
package import DNSWire
import HashTreeCollections

/// What a transfer of one zone sends, read from one snapshot: the whole zone (AXFR, RFC 5936
/// §2.2) or the difference from a serial the journal reaches back to (IXFR, RFC 1995 §4).
///
/// A zone's content at a serial is its static records and the TXT records of the owned names
/// placed in it, every value the table holds (an expired value leaves with the sweep that
/// advances the serial), so the same serial always means the same records.
package struct ZoneTransferContent: Sendable {
    /// The SOA served now.
    package var soa: DNSRecord
    /// The records after the first SOA of the response, closing SOA excluded: the whole zone
    /// but its SOA (AXFR form), or the condensed difference (IXFR form).
    package var records: [DNSRecord]
    /// Whether `records` is a difference (IXFR form), not the whole zone.
    package var isIncremental: Bool

    /// The whole zone at `apex` as `snapshot` serves it; `nil` if no zone is served there.
    package static func full(of apex: DNSName, in snapshot: AuthoritySnapshot) -> ZoneTransferContent? {
        guard let zone = snapshot.zones[apex] else { return nil }
        var records = staticRecords(of: zone)
        for name in ownedNames(in: zone, of: snapshot) {
            records += txtRecords(
                at: name, snapshot.challenges[name], maximumTTL: snapshot.configuration.maximumChallengeTTL)
        }
        return ZoneTransferContent(soa: soaRecord(of: zone), records: records, isIncremental: false)
    }

    /// What an IXFR from `serial` answers (RFC 1995 §4): only the SOA when the client has this
    /// serial or a newer one; the condensed difference when the journal reaches back to `serial`;
    /// otherwise the whole zone.
    package static func incremental(
        of apex: DNSName, from serial: UInt32, in snapshot: AuthoritySnapshot
    ) -> ZoneTransferContent? {
        guard let zone = snapshot.zones[apex] else { return nil }
        let current = soaRecord(of: zone)
        if serial == zone.serial || SerialNumber.isGreater(serial, than: zone.serial) {
            return ZoneTransferContent(soa: current, records: [], isIncremental: true)
        }
        guard let deltas = snapshot.journals[apex]?.deltas(from: serial), deltas.last?.toSerial == zone.serial else {
            return full(of: apex, in: snapshot)
        }
        let maximumTTL = snapshot.configuration.maximumChallengeTTL
        var deleted: [DNSRecord] = []
        var added: [DNSRecord] = []
        var oldSOA = current
        if case .soa(var soa) = oldSOA.rdata {
            soa.serial = serial
            oldSOA.rdata = .soa(soa)
        }
        // Static records: from the zone before the first reload in the chain to the zone now.
        if let before = deltas.lazy.compactMap(\.previousZone).first {
            oldSOA = soaRecord(of: before)
            let old = staticRecords(of: before)
            let new = staticRecords(of: zone)
            let oldSet = Set(old)
            let newSet = Set(new)
            deleted += old.filter { !newSet.contains($0) }
            added += new.filter { !oldSet.contains($0) }
        }
        // Owned names: from what each held before its first change in the chain to what it holds now.
        var firstPrevious: [DNSName: ChallengeRecords?] = [:]
        for delta in deltas {
            for (name, previous) in delta.previousChallenges where firstPrevious[name] == nil {
                firstPrevious[name] = .some(previous)
            }
        }
        for (name, previous) in firstPrevious.sorted(by: { $0.key.canonicallyPrecedes($1.key) }) {
            let now = snapshot.zone(containing: name)?.apex == apex ? snapshot.challenges[name] : nil
            let old = txtRecords(at: name, previous, maximumTTL: maximumTTL)
            let new = txtRecords(at: name, now, maximumTTL: maximumTTL)
            if old.first?.ttl != new.first?.ttl {
                // One TTL per RRset (RFC 2181 §5.2): a changed TTL replaces the whole RRset.
                deleted += old
                added += new
            } else {
                let oldSet = Set(old)
                let newSet = Set(new)
                deleted += old.filter { !newSet.contains($0) }
                added += new.filter { !oldSet.contains($0) }
            }
        }
        return ZoneTransferContent(soa: current, records: [oldSOA] + deleted + [current] + added, isIncremental: true)
    }

    /// The response's answer records in order: the SOA, `records`, the SOA again (RFC 5936 §2.2;
    /// RFC 1995 §4), or the SOA alone for a client already current.
    package var answerRecords: [DNSRecord] {
        isIncremental && records.isEmpty ? [soa] : [soa] + records + [soa]
    }

    private static func soaRecord(of zone: Zone) -> DNSRecord {
        DNSRecord(name: zone.apex, ttl: zone.soaTTL, rdata: .soa(zone.soa))
    }

    private static func staticRecords(of zone: Zone) -> [DNSRecord] {
        zone.records.filter { $0.type != .soa }
    }

    /// The owned names placed in `zone`: its apex, and the names below it that no deeper zone
    /// holds. A zone whose apex has no children (a synthesized challenge zone) holds at most its apex.
    private static func ownedNames(in zone: Zone, of snapshot: AuthoritySnapshot) -> [DNSName] {
        var names: [DNSName] = snapshot.challenges[zone.apex] != nil ? [zone.apex] : []
        guard let node = zone.nodes[zone.apex], node.childCount > 0 else { return names }
        for name in snapshot.challenges.keys where name != zone.apex && name.isSubdomain(of: zone.apex) {
            if snapshot.zone(containing: name)?.apex == zone.apex { names.append(name) }
        }
        return names.sorted { $0.canonicallyPrecedes($1) }
    }

    /// The TXT records of one owned name: one per value the table holds, one TTL for the RRset
    /// (the smallest value's, capped as answers cap it).
    private static func txtRecords(at name: DNSName, _ records: ChallengeRecords?, maximumTTL: UInt32) -> [DNSRecord] {
        guard let records, !records.values.isEmpty else { return [] }
        let ttl = records.values.reduce(maximumTTL) { min($0, $1.ttl) }
        var seen: Set<[UInt8]> = []
        return records.values.compactMap { value in
            guard seen.insert(value.text).inserted else { return nil }
            return DNSRecord(name: name, ttl: ttl, rdata: .txt(DNSRData.TXT(value: value.text)))
        }
    }
}
