public import DNSWire
package import HashTreeCollections

/// One zone of authority (RFC 1034 §4.2): static data from a master file or built in code,
/// checked at construction, and the empty non-terminals above the owned challenge names the
/// ``Authority`` places in it (their values are the challenge table's).
///
/// A value type: the ``Authority`` keeps the zones it serves inside immutable snapshots.
public struct Zone: Sendable {
    /// What a zone holds besides its nodes, which changes only with the serial: one reference,
    /// so copying a zone (every query finds one, every change updates one) retains two objects,
    /// not eight.
    private final class Header: Sendable {
        let apex: DNSName
        let apexLabelCount: Int
        let soaTTL: UInt32
        let soa: DNSRData.SOA
        let soaRData: [DNSRData]
        let hasDelegations: Bool
        let wildcardOwners: [DNSName: DNSName]
        let source: String?

        init(
            apex: DNSName, soaTTL: UInt32, soa: DNSRData.SOA, soaRData: [DNSRData]? = nil, hasDelegations: Bool,
            wildcardOwners: [DNSName: DNSName], source: String?
        ) {
            self.apex = apex
            self.apexLabelCount = apex.labelCount
            self.soaTTL = soaTTL
            self.soa = soa
            self.soaRData = soaRData ?? [.soa(soa)]
            self.hasDelegations = hasDelegations
            self.wildcardOwners = wildcardOwners
            self.source = source
        }

        func with(soa: DNSRData.SOA) -> Header {
            Header(
                apex: apex, soaTTL: soaTTL, soa: soa, hasDelegations: hasDelegations, wildcardOwners: wildcardOwners,
                source: source)
        }
    }

    private var header: Header

    /// The zone's top node, which holds its SOA and NS records.
    public var apex: DNSName { header.apex }
    /// Every name with data and every empty non-terminal (above static data or owned names).
    ///
    /// A persistent map (a hash array mapped trie): a snapshot that holds this zone keeps its
    /// nodes while a writer changes a copy, and a change copies O(log n) trie nodes rather
    /// than the whole map, so a publish costs the same at 10 thousand names as at millions.
    package private(set) var nodes: TreeDictionary<DNSName, ZoneNode>
    package var apexLabelCount: Int { header.apexLabelCount }
    package var soaTTL: UInt32 { header.soaTTL }
    package var soa: DNSRData.SOA { header.soa }
    /// `soa` as the RDATA of an RRset, kept so negative answers allocate nothing.
    package var soaRData: [DNSRData] { header.soaRData }
    /// Whether any name below the apex holds NS records (a zone cut).
    package var hasDelegations: Bool { header.hasDelegations }
    /// Whether any owner name starts with the `*` label (RFC 4592).
    package var hasWildcards: Bool { !header.wildcardOwners.isEmpty }
    /// Each wildcard owner `*.<parent>` keyed by its parent, so the answer path finds the
    /// source of synthesis of a closest encloser without building a name.
    package var wildcardOwners: [DNSName: DNSName] { header.wildcardOwners }
    /// The master file the zone was read from, if any.
    public var source: String? { header.source }

    /// The SOA serial currently served.
    public var serial: UInt32 { soa.serial }

    /// Builds a zone from records, enforcing the rules ``ZoneError`` lists.
    public init(apex: DNSName, records: [DNSRecord]) throws(ZoneError) {
        try self.init(
            apex: apex, sourced: records.lazy.map { SourcedRecord(record: $0, file: nil, line: nil) }, source: nil)
    }

    /// Builds a zone from records read from `file`, so errors carry `file:line`.
    package init(apex: DNSName, fileRecords: [ZoneFileRecord], file: String) throws(ZoneError) {
        try self.init(
            apex: apex,
            sourced: fileRecords.lazy.map { SourcedRecord(record: $0.record, file: $0.file, line: $0.line) },
            source: file)
    }

    /// A challenge zone built in code at `apex` (for example `_acme-challenge.example.com`)
    /// for an NS delegation: an SOA and NS records naming Cairn's own servers.
    public static func synthesized(apex: DNSName, identity: NameserverIdentity, serial: UInt32) -> Zone {
        var records = [
            DNSRecord(
                name: apex, ttl: identity.ttl,
                rdata: .soa(
                    DNSRData.SOA(
                        primaryNameserver: identity.nameservers[0], responsibleMailbox: identity.hostmaster,
                        serial: serial, refresh: 3600, retry: 600, expire: 1_209_600, minimum: identity.negativeTTL)))
        ]
        for nameserver in identity.nameservers {
            records.append(DNSRecord(name: apex, ttl: identity.ttl, rdata: .ns(DNSRData.NS(nameserver: nameserver))))
        }
        do {
            return try Zone(apex: apex, records: records)
        } catch {
            preconditionFailure("a synthesized zone is valid by construction: \(error)")
        }
    }

    /// This zone, synthesized, at another apex: the records of a synthesized zone name no owner
    /// but the apex, so its RRsets are shared rather than built again (a restore synthesizes one
    /// zone per NS-delegated domain, hundreds of thousands of them).
    package func synthesizedCopy(at apex: DNSName) -> Zone {
        precondition(nodes.count == 1, "only a synthesized zone, which is its apex alone, can be copied")
        var copy = self
        copy.header = Header(
            apex: apex, soaTTL: soaTTL, soa: soa, soaRData: soaRData, hasDelegations: false, wildcardOwners: [:],
            source: nil)
        copy.nodes = [apex: nodes[self.apex]!]
        return copy
    }

    /// A challenge zone synthesized at `time`: its serial is the clock in seconds, as NSD and Knot
    /// give zones they generate, so a zone made again later still advances (RFC 1982).
    public static func synthesized(apex: DNSName, identity: NameserverIdentity, at time: UnixTime) -> Zone {
        synthesized(apex: apex, identity: identity, serial: UInt32(truncatingIfNeeded: time.rawValue))
    }

    private struct SourcedRecord {
        var record: DNSRecord
        var file: String?
        var line: Int?
    }

    /// Builds the zone from `sourced`, read once in order (a lazy view: the records are not
    /// copied). Where a record came from is looked up again only for an error, so a large zone
    /// file holds no second table of its names while it is built.
    private init(apex: DNSName, sourced: some Collection<SourcedRecord>, source: String?) throws(ZoneError) {
        func fail(_ code: ZoneError.Code, _ item: SourcedRecord?) -> ZoneError {
            ZoneError(code, zone: apex, name: item?.record.name, file: item?.file ?? source, line: item?.line)
        }
        /// The first record at `name`, whose place an error about the name reports.
        func firstSource(_ name: DNSName) -> SourcedRecord? {
            sourced.first { $0.record.name == name }
        }
        var nodes: TreeDictionary<DNSName, ZoneNode> = [:]
        var soa: (DNSRData.SOA, UInt32)? = nil
        for item in sourced {
            let record = item.record
            guard record.class == .internet else { throw fail(.unsupportedClass, item) }
            guard record.name.isSubdomain(of: apex) else { throw fail(.outOfZone, item) }
            if record.type == .dname { throw fail(.unsupportedType, item) }
            if case .soa(let value) = record.rdata {
                guard record.name == apex else { throw fail(.soaNotAtApex, item) }
                guard soa == nil else { throw fail(.multipleSOA, item) }
                soa = (value, record.ttl)
            }
            var node = nodes[record.name] ?? ZoneNode()
            if let index = node.rrsets.firstIndex(where: { $0.type == record.type }) {
                if record.type == .cname { throw fail(.multipleCNAME, item) }
                if !node.rrsets[index].rdata.contains(record.rdata) {
                    node.rrsets[index].rdata.append(record.rdata)
                }
                // RFC 2181 §5.2: one TTL per RRset; serve the smallest given.
                node.rrsets[index].ttl = min(node.rrsets[index].ttl, record.ttl)
            } else {
                node.rrsets.append(RRSet(type: record.type, ttl: record.ttl, rdata: [record.rdata]))
                node.rrsets.sort { $0.type < $1.type }
            }
            if node.rrsets.count > 1, node.rrset(.cname) != nil { throw fail(.cnameAndOtherData, item) }
            nodes[record.name] = node
        }
        guard let (soaValue, soaTTL) = soa else { throw fail(.missingSOA, nil) }
        guard let apexNode = nodes[apex], apexNode.rrset(.ns) != nil else { throw fail(.missingNS, firstSource(apex)) }
        if apexNode.rrset(.cname) != nil { throw fail(.cnameAtApex, firstSource(apex)) }
        // Zone cuts: NS below the apex. Below a cut only address glue may sit; at the cut
        // only NS and the parent-side DS (RFC 4035 §2.4).
        let cuts = Set(nodes.lazy.filter { $0.key != apex && $0.value.rrset(.ns) != nil }.map(\.key))
        if !cuts.isEmpty {
            for (name, node) in nodes where name != apex {
                var ancestor: DNSName? = name
                while let current = ancestor, current.wireLength > apex.wireLength {
                    if cuts.contains(current) {
                        let allowed: [DNSRecordType] = current == name ? [.ns, .ds] : [.a, .aaaa]
                        if node.rrsets.contains(where: { !allowed.contains($0.type) }) {
                            throw fail(.occludedData, firstSource(name))
                        }
                    }
                    ancestor = current.parent
                }
            }
        }
        var wildcardOwners: [DNSName: DNSName] = [:]
        for name in nodes.keys where name.isWildcard {
            if let parent = name.parent { wildcardOwners[parent] = name }
        }
        self.nodes = nodes
        self.header = Header(
            apex: apex, soaTTL: soaTTL, soa: soaValue, hasDelegations: !cuts.isEmpty, wildcardOwners: wildcardOwners,
            source: source)
        for name in Array(nodes.keys) where name != apex {
            linkToParents(name)
        }
    }
}

extension Zone {
    /// Every static record, owners in canonical order (RFC 4034 §6.1), the SOA first as in a
    /// master file, then types ascending.
    public var records: [DNSRecord] {
        nodes.sorted { $0.key.canonicallyPrecedes($1.key) }.flatMap { name, node in
            let soaFirst = node.rrsets.filter { $0.type == .soa } + node.rrsets.filter { $0.type != .soa }
            return soaFirst.flatMap { rrset in rrset.rdata.map { DNSRecord(name: name, ttl: rrset.ttl, rdata: $0) } }
        }
    }

    /// Whether `name` (in this zone) is a zone cut: NS records below the apex.
    @inline(__always)
    package func isCut(_ name: DNSName, node: ZoneNode) -> Bool {
        name.wireLength != apex.wireLength && node.rrset(.ns) != nil
    }

    /// The highest zone cut at or above `name` and below the apex, if any (RFC 1034 §4.3.2 step 3b).
    package func delegation(atOrAbove name: DNSName) -> DNSName? {
        guard hasDelegations else { return nil }
        var highest: DNSName? = nil
        var current = name
        while current.wireLength > apex.wireLength {
            if let node = nodes[current], node.rrset(.ns) != nil { highest = current }
            guard let parent = current.parent else { break }
            current = parent
        }
        return highest
    }

    /// Whether `other` serves the same records and empty non-terminals as this zone, the SOA
    /// serial aside (challenge values are the challenge table's): a reload that changes nothing
    /// must not advance the serial (secondaries compare it, and two servers with the same data
    /// must answer the same one).
    package func hasSameContent(as other: Zone) -> Bool {
        guard apex == other.apex, soaTTL == other.soaTTL else { return false }
        var other = other
        other.setSerial(serial)
        return nodes == other.nodes
    }

    /// Serves `serial` from now on.
    package mutating func setSerial(_ serial: UInt32) {
        // Not a write when nothing changes: a zone shares its storage with the copies made of it
        // (a reload sets every zone's serial, and at 240,000 synthesized zones a copy each is
        // 150 MB).
        guard serial != self.serial else { return }
        var soa = header.soa
        soa.serial = serial
        header = header.with(soa: soa)
        guard var apexNode = nodes[apex], let index = apexNode.rrsets.firstIndex(where: { $0.type == .soa }) else {
            return
        }
        apexNode.rrsets[index].rdata = soaRData
        nodes[apex] = apexNode
    }

    /// Counts the owned challenge name `name` as existing: the empty non-terminals above it are
    /// created and it counts among its parent's children. The challenge table holds its values,
    /// not the zone (one map entry per owned name, not two).
    ///
    /// - Parameters:
    ///   - hasNode: whether the zone has a node at `name`, if the caller looked already.
    ///   - isOwned: whether a name is an owned challenge name counted in this zone already (its
    ///     ancestors must be added before it, so a name's parents are counted when it is).
    package mutating func addOwnedName(_ name: DNSName, hasNode: Bool? = nil, isOwned: (DNSName) -> Bool) {
        guard name.wireLength > apex.wireLength, !(hasNode ?? (nodes[name] != nil)) else { return }
        linkToParents(name, isOwned: isOwned)
    }

    /// The node an owned `name` of the zone at `apex` is counted in: its parent, when `name` lies
    /// below the apex and has no node of its own; `nil` when it needs no counting.
    package static func countingParent(of name: DNSName, apex: DNSName, hasNode: Bool) -> DNSName? {
        guard name.wireLength > apex.wireLength, !hasNode else { return nil }
        return name.parent
    }

    /// Counts `count` more owned names among the children of `parent` (each named by
    /// ``countingParent(of:apex:hasNode:)``), which has a node (the common case: the apex of an
    /// auth zone) and so needs no ownership check; names whose parent has none are added with
    /// ``addOwnedName(_:hasNode:isOwned:)``.
    package mutating func addOwnedNames(_ count: Int, under parent: DNSName) {
        nodes[parent]?.childCount += count
    }

    /// Stops counting `name`, no longer owned (`isOwned` says so already), and removes the empty
    /// non-terminals left with no children.
    package mutating func removeOwnedName(_ name: DNSName, isOwned: (DNSName) -> Bool) {
        guard name.wireLength > apex.wireLength else { return }
        if nodes[name] != nil {
            removeIfUnused(name, isOwned: isOwned)
        } else if let parent = name.parent {
            nodes[parent]?.childCount -= 1
            removeIfUnused(parent, isOwned: isOwned)
        }
    }

    /// Counts `name` in its parent's children, creating missing ancestors as empty
    /// non-terminals up to the apex.
    private mutating func linkToParents(_ name: DNSName, isOwned: (DNSName) -> Bool = { _ in false }) {
        var child = name
        while child.wireLength > apex.wireLength, let parent = child.parent {
            // One lookup when the parent exists (the common case: it is the apex).
            if (nodes[parent]?.childCount += 1) != nil { return }
            nodes[parent] = ZoneNode(childCount: 1)
            // An owned name without a node counts in its parent already.
            if isOwned(parent) { return }
            child = parent
        }
    }

    /// Removes `name` and then each ancestor that is left with no data and no children. An owned
    /// name's node goes too, but the name still counts in its parent (as an owned name without
    /// a node does), so the removal stops there: the zone is then exactly what adding its names
    /// afresh would build.
    private mutating func removeIfUnused(_ name: DNSName, isOwned: (DNSName) -> Bool) {
        var current = name
        while current.wireLength > apex.wireLength, let node = nodes[current], node.isEmpty, node.childCount == 0 {
            nodes[current] = nil
            if isOwned(current) { return }
            guard let parent = current.parent else { return }
            nodes[parent]?.childCount -= 1
            current = parent
        }
    }
}
