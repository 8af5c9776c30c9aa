import Atomics
public import DNSWire
import HashTreeCollections
public import NIOCore
import Synchronization

/// Cairn's authoritative data — zones and the challenge table — and the answer logic over
/// them (DESIGN.md, "DNS answer rules").
///
/// Readers answer from an immutable snapshot loaded with one atomic read; writers (claims,
/// publishes, reloads) are serialized, build the next snapshot and swap it in whole, so a
/// query never waits for a writer (DESIGN decision 2). Every change advances the SOA serial
/// of the zone it touches (RFC 1982).
public final class Authority: Sendable {
    private let current: ManagedAtomic<AuthoritySnapshot>
    private let writer: Mutex<WriterState>
    public let configuration: AuthorityConfiguration
    /// The readers of ``changes()``, by number: each one's wake-up stream and the zones changed
    /// since it last took them.
    private let observers = Mutex<(next: Int, readers: [Int: ChangeReader])>((0, [:]))

    private struct ChangeReader {
        var wakeUp: AsyncStream<Void>.Continuation
        var pending: ChangedZones?
    }

    private struct WriterState: Sendable {
        /// Zones as loaded, without challenge data: the static zones (master files, zones built in
        /// code) and the challenge zones synthesized for owned names.
        var loadedZones: TreeDictionary<DNSName, Zone>
        /// The apexes in `loadedZones` synthesized for owned names (NS delegation of
        /// `_acme-challenge.<domain>`); they come and go with their owner.
        var synthesizedApexes: TreeSet<DNSName> = []
        /// Zones as served: loaded zones with the empty non-terminals above owned names, each
        /// owned name counted in the zone it is in (its records are the table's).
        var servedZones: TreeDictionary<DNSName, Zone>
        var table: ChallengeTable
        /// Set until the first ``Authority/reconcile(staticZones:states:identity:now:)`` has
        /// restored the table: negative answers are held back meanwhile.
        var restoring: Bool
        /// The shapes of `servedZones`' apexes.
        var apexFilter: ApexFilter
        /// Each served zone's last changes, for IXFR (empty unless
        /// ``AuthorityConfiguration/journalLength`` is above 0).
        var journals: TreeDictionary<DNSName, ZoneJournal> = [:]
        /// The apexes of the static zones (files and zones added in code), which secondaries carry.
        var staticApexes: Set<DNSName> = []
        /// The zones the catalog (``AuthorityConfiguration/catalogZone``) lists now.
        var catalogMembers: Set<DNSName>? = nil
    }

    /// Serves `zones` with an empty challenge table.
    ///
    /// - Parameter restoring: the table is still to be restored (start-up with a store): until
    ///   the first ``reconcile(staticZones:states:identity:now:)``, answers that would say a name
    ///   or its TXT records do not exist are SERVFAIL with Extended DNS Error 14, Not Ready
    ///   (RFC 8914 §4.15), instead of an NXDOMAIN or NODATA a resolver would cache (RFC 2308)
    ///   for a name that may well be owned. Static data is answered meanwhile.
    /// - Throws: ``AuthorityError/Code/duplicateZone`` when two zones share an apex.
    public init(
        zones: [Zone], configuration: AuthorityConfiguration = AuthorityConfiguration(), restoring: Bool = false
    ) throws(AuthorityError) {
        let byApex = try Self.byApex(zones)
        let apexFilter = ApexFilter(byApex.values)
        self.configuration = configuration
        self.current = ManagedAtomic(
            AuthoritySnapshot(
                zones: byApex, challenges: [:], configuration: configuration, restoring: restoring,
                apexFilter: apexFilter, staticApexes: Set(byApex.keys)))
        self.writer = Mutex(
            WriterState(
                loadedZones: byApex, servedZones: byApex,
                table: ChallengeTable(maximumValuesPerName: configuration.maximumValuesPerName), restoring: restoring,
                apexFilter: apexFilter, staticApexes: Set(byApex.keys)))
        if configuration.catalogZone != nil {
            writer.withLock { state in
                refreshCatalog(from: state, to: &state, now: .now())
                publish(state, changed: .all)
            }
        }
    }

    /// Whether the table is still to be restored (see ``init(zones:configuration:restoring:)``).
    public var isRestoring: Bool { snapshot.restoring }

    package var snapshot: AuthoritySnapshot { current.load(ordering: .acquiring) }

    // MARK: Answering

    /// Answers a query in wire form.
    ///
    /// - Parameters:
    ///   - query: the query message, from reader index to writer index.
    ///   - transport: UDP responses are truncated to the client's size (TC set); TCP ones are not.
    ///   - now: the time challenge expiries are compared with; the clock when `nil`.
    ///   - output: the buffer to append the response to (a TCP front-end may have reserved a
    ///     length prefix in it).
    /// - Returns: the response and what was done, or `nil` when the query must be dropped
    ///   (shorter than a header, or itself a response).
    public func answer(
        query: ByteBuffer, transport: DNSTransport, now: UnixTime? = nil, output: consuming ByteBuffer
    ) -> (response: ByteBuffer, summary: AnswerSummary)? {
        snapshot.answer(query: query, transport: transport, now: now, output: consume output)
    }

    /// Answers a query message: encodes it, answers the wire form, decodes the response.
    ///
    /// - Throws: ``DNSWireError`` if `query` cannot be encoded.
    public func answer(
        _ query: DNSMessage, transport: DNSTransport = .tcp, now: UnixTime? = nil
    ) throws -> DNSMessage? {
        let wire = try query.encoded()
        guard let (response, _) = answer(query: wire, transport: transport, now: now, output: ByteBuffer()) else {
            return nil
        }
        return try DNSMessage(decoding: response)
    }

    // MARK: Zones

    /// The apexes of the zones served.
    public var zoneApexes: [DNSName] { Array(snapshot.zones.keys) }

    /// The apexes of the static zones: zone files and zones added in code, not the challenge zones
    /// synthesized for owned names.
    public var staticZoneApexes: Set<DNSName> { snapshot.staticApexes }

    /// The zone served at `apex`: its static data and the empty non-terminals above owned names
    /// (their values are in ``challengeTable``).
    public func zone(at apex: DNSName) -> Zone? { snapshot.zones[apex] }

    /// The zone with the longest apex that `name` is in or below, if any is served.
    public func zone(containing name: DNSName) -> Zone? { snapshot.zone(containing: name) }

    /// Whether replacing the static zones with `zones` would change nothing served (a reload of
    /// unchanged zone files): the same zones, record for record, and no zone file's serial ahead
    /// of the serial served. A zone built in code (the auth zone synthesized when no file serves
    /// it) is compared by its records alone: its serial is only the clock when it was built.
    public func servesStaticZones(_ zones: [Zone]) -> Bool {
        let state = writer.withLock { $0 }
        guard zones.count == state.staticApexes.count, Set(zones.map(\.apex)) == state.staticApexes else {
            return false
        }
        return zones.allSatisfy { zone in
            guard let loaded = state.loadedZones[zone.apex], let served = state.servedZones[zone.apex],
                loaded.hasSameContent(as: zone)
            else { return false }
            return zone.source == nil || !SerialNumber.isGreater(zone.serial, than: served.serial)
        }
    }

    /// Replaces the static zones (a reload). Owned challenge names and the challenge zones
    /// synthesized for them are carried over: the table itself is kept (and its expiry index),
    /// only where each name sits is worked out again. A zone's serial advances (RFC 1982) only
    /// when what it serves changed, or to the file's serial when that is higher.
    ///
    /// - Throws: when an owned name would end up outside every zone, below a cut, or beside
    ///   static data; the running zones are kept.
    public func replaceZones(_ zones: [Zone]) throws(AuthorityError) {
        let byApex = try Self.byApex(zones)
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) in
            // Made as the rebuild walks them, not gathered first: at 2.4 M names an array of them
            // would hold about 150 MB more through the rebuild.
            let apexes = state.synthesizedApexes
            let states = state.table.entries.lazy.map { name, records in
                ChallengeState(
                    name: name, owner: records.owner, isZoneApex: apexes.contains(name), values: records.values)
            }
            let (next, failures, changedNames) = Self.rebuild(
                state, staticZones: byApex, states: states, prebuilt: ChallengeTableBuilder(keeping: state.table),
                identity: nil, now: .now(), maximumValues: configuration.maximumValuesPerName)
            if let first = Self.first(failures) { throw first }
            let before = state
            state = next
            recordJournals(from: before, to: &state, changedNames: changedNames, apexes: nil, staticMayChange: true)
            refreshCatalog(from: before, to: &state, now: .now())
            publish(state, changed: .all)
        }
    }

    /// Makes the zones and the whole challenge table what `states` and `staticZones` say, in one
    /// swap: start-up and reloads rebuild from a snapshot of the store this way (DESIGN decision 4).
    /// Names absent from `states` are released; challenge zones are synthesized for owned names
    /// that are zone apexes, with `identity`, or kept as they were. Serials advance only where
    /// served content changed.
    ///
    /// - Parameters:
    ///   - staticZones: the master-file and built-in zones to serve from now on; `nil` keeps the
    ///     current ones.
    ///   - identity: the SOA and NS names of challenge zones that must be synthesized.
    ///   - now: the clock, for the serial of a new synthesized zone.
    /// - Returns: the names that cannot be served (outside every zone, beside static data…), with why.
    /// - Throws: when new `staticZones` would stop serving a name served now (the first such
    ///   name's error); nothing changes then.
    @discardableResult
    public func reconcile(
        staticZones: [Zone]?, states: [ChallengeState], identity: NameserverIdentity?, now: UnixTime = .now()
    ) throws(AuthorityError) -> [DNSName: AuthorityError] {
        try reconcile(staticZones: staticZones, states: states, prebuilt: nil, identity: identity, now: now)
    }

    /// ``reconcile(staticZones:states:identity:now:)`` with the table `prebuilt` filled from
    /// `states` already, while they were read.
    ///
    /// - Parameter prebuilt: a table built from exactly `states` with the configured
    ///   ``AuthorityConfiguration/maximumValuesPerName``; `nil` builds one here.
    @discardableResult
    public func reconcile(
        staticZones: [Zone]?, states: [ChallengeState], prebuilt: ChallengeTableBuilder?,
        identity: NameserverIdentity?, now: UnixTime = .now()
    ) throws(AuthorityError) -> [DNSName: AuthorityError] {
        let byApex = try staticZones.map { (zones) throws(AuthorityError) in try Self.byApex(zones) }
        let prebuilt = prebuilt.flatMap {
            !$0.sawDuplicates && $0.table.maximumValuesPerName == configuration.maximumValuesPerName ? $0 : nil
        }
        return try writer.withLock { (state: inout WriterState) throws(AuthorityError) in
            let zones = byApex ?? state.loadedZones.filter { !state.synthesizedApexes.contains($0.key) }
            let (next, failures, changedNames) = Self.rebuild(
                state, staticZones: zones, states: states, prebuilt: prebuilt, identity: identity, now: now,
                maximumValues: configuration.maximumValuesPerName)
            if byApex != nil {
                let owners = Dictionary(states.map { ($0.name, $0.owner) }, uniquingKeysWith: { _, last in last })
                let lost = failures.filter { name, _ in
                    state.table.entries[name].map { $0.owner == owners[name] } ?? false
                }
                if let first = Self.first(lost) { throw first }
            }
            let before = state
            state = next
            state.restoring = false
            recordJournals(
                from: before, to: &state, changedNames: changedNames, apexes: nil, staticMayChange: byApex != nil)
            refreshCatalog(from: before, to: &state, now: now)
            publish(state, changed: .all)
            return failures
        }
    }

    /// Makes each name in `states` hold exactly what its state says (claimed, released, values
    /// set), synthesizing or dropping challenge zones as needed, in one swap; each zone touched
    /// advances its serial once. A name that cannot be served is skipped and reported; the
    /// others still apply.
    ///
    /// - Returns: the names that cannot be served, with why.
    @discardableResult
    public func apply(
        _ states: [ChallengeState], identity: NameserverIdentity?, now: UnixTime = .now()
    ) -> [DNSName: AuthorityError] {
        writer.withLock { state in
            let before = state
            var failures: [DNSName: AuthorityError] = [:]
            var touched: Set<DNSName> = []
            var changed = false
            var moved: [DNSName] = []
            for item in states {
                do throws(AuthorityError) {
                    if try Self.apply(item, to: &state, identity: identity, now: now, touched: &touched, moved: &moved)
                    {
                        changed = true
                    }
                } catch {
                    failures[item.name] = error
                }
            }
            guard changed else { return failures }
            for apex in touched where state.servedZones[apex] != nil {
                Self.advanceSerial(of: apex, in: &state.servedZones)
            }
            var changedZones = recordJournals(
                from: before, to: &state, changedNames: states.map(\.name) + moved, apexes: touched,
                staticMayChange: false)
            // Only a challenge zone synthesized or dropped changes the zones: most batches (values
            // published at owned names) leave the catalog alone without listing every zone. A
            // release says nothing of a zone (the store keeps no kind for a name nobody owns), so
            // whether each name's zone came or went is what is compared.
            if configuration.catalogZone != nil,
                states.contains(where: { (before.loadedZones[$0.name] != nil) != (state.loadedZones[$0.name] != nil) })
            {
                changedZones = changedZones.union(refreshCatalog(from: before, to: &state, now: now))
            }
            publish(state, changed: changedZones)
            return failures
        }
    }

    /// The number of challenge zones synthesized for owned names.
    public var synthesizedZoneCount: Int { writer.withLock { $0.synthesizedApexes.count } }

    /// Adds one zone, for example a synthesized `_acme-challenge.<domain>` zone.
    public func addZone(_ zone: Zone) throws(AuthorityError) {
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) in
            let before = state
            let moved = try Self.add(zone, to: &state)
            state.staticApexes.insert(zone.apex)
            let changed = recordJournals(
                from: before, to: &state, changedNames: moved, apexes: [zone.apex], staticMayChange: false
            )
            .union(refreshCatalog(from: before, to: &state, now: .now()))
            publish(state, changed: changed)
        }
    }

    /// Stops serving the zone at `apex`; its owned names must have been released first.
    ///
    /// - Returns: whether such a zone was served.
    @discardableResult
    public func removeZone(at apex: DNSName) throws(AuthorityError) -> Bool {
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) -> Bool in
            let before = state
            guard let moved = try Self.removeZone(at: apex, from: &state) else { return false }
            state.staticApexes.remove(apex)
            let changed = recordJournals(
                from: before, to: &state, changedNames: moved, apexes: [apex], staticMayChange: false
            )
            .union(refreshCatalog(from: before, to: &state, now: .now()))
            publish(state, changed: changed)
            return true
        }
    }

    /// Checks that `name` could be claimed now: inside a zone served here, not at or below a
    /// cut, not beside static data, not a wildcard.
    ///
    /// - Throws: the ``AuthorityError`` a claim would throw for those reasons (not for ownership).
    public func checkClaimable(_ name: DNSName) throws(AuthorityError) {
        guard !name.isWildcard else { throw AuthorityError(.wildcardName, name: name) }
        _ = try Self.checkClaimable(name, in: snapshot.zones)
    }

    // MARK: Challenge table

    /// A copy of the challenge table.
    public var challengeTable: ChallengeTable { writer.withLock { $0.table } }

    /// Gives `name` to `owner`; from now on it answers NODATA (not NXDOMAIN) until values
    /// are published, and the empty non-terminals above it exist.
    ///
    /// - Throws: if the name is in no zone, at or below a cut, holds static data (other than
    ///   the SOA and NS of a zone apex), starts with `*`, or belongs to another owner.
    public func claim(_ name: DNSName, owner: ChallengeOwner) throws(AuthorityError) {
        try change(name) { (table: inout ChallengeTable) throws(AuthorityError) in
            try table.claim(name, owner: owner)
        }
    }

    /// Takes `name` and its values from `owner`.
    public func release(_ name: DNSName, owner: ChallengeOwner) throws(AuthorityError) {
        try change(name) { (table: inout ChallengeTable) throws(AuthorityError) in
            try table.release(name, owner: owner)
            return true
        }
    }

    /// Publishes `value` at `name`, which `owner` must hold.
    public func publish(_ value: ChallengeValue, at name: DNSName, owner: ChallengeOwner) throws(AuthorityError) {
        try change(name) { (table: inout ChallengeTable) throws(AuthorityError) in
            try table.publish(value, at: name, owner: owner)
            return true
        }
    }

    /// Withdraws the value `text` at `name`.
    ///
    /// - Returns: whether the value was there.
    @discardableResult
    public func withdraw(text: [UInt8], at name: DNSName, owner: ChallengeOwner) throws(AuthorityError) -> Bool {
        var removed = false
        try change(name) { (table: inout ChallengeTable) throws(AuthorityError) in
            removed = try table.withdraw(text: text, at: name, owner: owner)
            return removed
        }
        return removed
    }

    /// Withdraws every value at `name`, keeping it owned.
    public func withdrawAll(at name: DNSName, owner: ChallengeOwner) throws(AuthorityError) {
        try change(name) { (table: inout ChallengeTable) throws(AuthorityError) in
            try table.withdrawAll(at: name, owner: owner)
            return true
        }
    }

    /// Drops values that expired at or before `now` (they already stopped being served). Names a
    /// restore (or a reload that changed more than the journal's limit of names) filled in bulk
    /// are swept once ``indexDeferredExpiries(limit:)`` indexed them; a reload otherwise keeps
    /// the index it found.
    ///
    /// - Returns: how many names lost values.
    @discardableResult
    public func removeExpiredValues(now: UnixTime = .now()) -> Int {
        writer.withLock { state in
            let before = state
            let changed = state.table.removeExpired(now: now)
            guard !changed.isEmpty else { return 0 }
            // The names stay owned: only the serials of their zones change.
            var touched: Set<DNSName> = []
            for name in changed {
                if let apex = Self.placement(of: name, in: state.servedZones) { touched.insert(apex) }
            }
            for apex in touched { Self.advanceSerial(of: apex, in: &state.servedZones) }
            let changedZones = recordJournals(
                from: before, to: &state, changedNames: changed, apexes: touched, staticMayChange: false)
            publish(state, changed: changedZones)
            return changed.count
        }
    }

    /// Indexes the expiries of up to `limit` names a restore left unindexed (see
    /// ``ChallengeTable/indexDeferredExpiries(limit:)``), holding the writer lock for that slice
    /// only; the serving process calls it until none are left.
    ///
    /// - Returns: how many names this slice indexed, and how many are left.
    @discardableResult
    public func indexDeferredExpiries(limit: Int) -> (indexed: Int, left: Int) {
        writer.withLock { state in
            let before = state.table.unindexedNameCount
            let left = state.table.indexDeferredExpiries(limit: limit)
            return (before - left, left)
        }
    }

    /// The earliest expiry of any published value, for scheduling ``removeExpiredValues(now:)``.
    public var nextExpiry: UnixTime? { writer.withLock { $0.table.nextExpiry } }

    /// Applies one table change at `name` and swaps in a snapshot if it changed anything.
    private func change(
        _ name: DNSName, _ body: (inout ChallengeTable) throws(AuthorityError) -> Bool
    ) throws(AuthorityError) {
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) in
            let apex = try Self.checkClaimable(name, in: state.servedZones)
            // In place: every ChallengeTable change checks before it changes anything, so a
            // throw leaves the table as it was, and no O(n) copy of the table is made.
            let wasOwned = state.table.entries[name] != nil
            let before = state
            guard try body(&state.table) else { return }
            Self.placeOwnership(of: name, wasOwned: wasOwned, in: apex, of: &state)
            Self.advanceSerial(of: apex, in: &state.servedZones)
            let changed = recordJournals(
                from: before, to: &state, changedNames: [name], apexes: [apex], staticMayChange: false)
            publish(state, changed: changed)
        }
    }

    /// Counts `name` in, or out of, the zone at `apex` when the table's change gave or took it.
    private static func placeOwnership(of name: DNSName, wasOwned: Bool, in apex: DNSName, of state: inout WriterState)
    {
        let table = state.table
        let isOwned = table.entries[name] != nil
        guard isOwned != wasOwned else { return }
        if isOwned {
            state.servedZones[apex]!.addOwnedName(name) { table.entries[$0] != nil }
        } else {
            state.servedZones[apex]!.removeOwnedName(name) { table.entries[$0] != nil }
        }
    }

    /// The owned names placed in the zone at `apex` of `zones`: its apex if owned, and the owned
    /// names below it that no deeper zone holds. Only a zone whose apex has children can hold names
    /// below it, and only then is the table scanned.
    private static func ownedNames(
        in apex: DNSName, of zones: TreeDictionary<DNSName, Zone>, table: ChallengeTable
    ) -> [DNSName] {
        var names = table.entries[apex] != nil ? [apex] : []
        guard let zone = zones[apex], let node = zone.nodes[apex], node.childCount > 0 else { return names }
        for name in table.entries.keys where name != apex && name.isSubdomain(of: apex) {
            if placement(of: name, in: zones) == apex { names.append(name) }
        }
        return names
    }

    private static func advanceSerial(of apex: DNSName, in zones: inout TreeDictionary<DNSName, Zone>) {
        let serial = SerialNumber.next(after: zones[apex]!.serial)
        zones[apex]!.setSerial(serial)
    }

    /// Finds the zone `name` belongs to and checks a challenge may live there.
    ///
    /// - Returns: the zone's apex.
    private static func checkClaimable(
        _ name: DNSName, in zones: TreeDictionary<DNSName, Zone>
    ) throws(AuthorityError)
        -> DNSName
    {
        try checkedPlacement(of: name, in: zones).apex
    }

    /// ``checkClaimable(_:in:)``, also saying whether the zone has a node at `name` already (an
    /// apex or an empty non-terminal), which a restore of millions of names need not look up twice.
    ///
    /// - Parameter apex: the placement of `name`, if the caller found it already.
    private static func checkedPlacement(
        of name: DNSName, in zones: TreeDictionary<DNSName, Zone>, apex: DNSName?? = nil
    ) throws(AuthorityError) -> (apex: DNSName, hasNode: Bool) {
        guard let apex = apex ?? placement(of: name, in: zones), let zone = zones[apex] else {
            throw AuthorityError(.nameOutsideZones, name: name)
        }
        if zone.delegation(atOrAbove: name) != nil { throw AuthorityError(.nameBelowDelegation, name: name) }
        guard let node = zone.nodes[name] else { return (apex, false) }
        let isApex = name.wireLength == zone.apex.wireLength
        if node.rrsets.contains(where: { $0.type != .soa && $0.type != .ns || !isApex }) {
            throw AuthorityError(.nameHasOtherData, name: name)
        }
        return (apex, true)
    }

    private static func byApex(_ zones: [Zone]) throws(AuthorityError) -> TreeDictionary<DNSName, Zone> {
        var byApex: TreeDictionary<DNSName, Zone> = [:]
        for zone in zones {
            guard byApex[zone.apex] == nil else { throw AuthorityError(.duplicateZone, name: zone.apex) }
            byApex[zone.apex] = zone
        }
        return byApex
    }

    /// The failure of the canonically first name, so the error a caller sees does not depend
    /// on dictionary order.
    private static func first(_ failures: [DNSName: AuthorityError]) -> AuthorityError? {
        failures.min { $0.key.canonicallyPrecedes($1.key) }?.value
    }

    /// Adds `zone` to the loaded and served zones, moving owned names below its apex into it.
    ///
    /// Only the zone that held `zone.apex` before can hold such names, and only below its node
    /// at `zone.apex`: in the common case (a challenge zone synthesized for a new owner) that
    /// node is missing or has no children, and nothing is scanned.
    ///
    /// - Returns: the owned names moved.
    @discardableResult
    private static func add(_ zone: Zone, to state: inout WriterState) throws(AuthorityError) -> [DNSName] {
        guard state.loadedZones[zone.apex] == nil else { throw AuthorityError(.duplicateZone, name: zone.apex) }
        var served = state.servedZones
        let table = state.table
        let enclosing = placement(of: zone.apex, in: served).flatMap { served[$0] }
        served[zone.apex] = zone
        var moved: [DNSName] = []
        if let enclosing, table.entries[zone.apex] != nil || enclosing.nodes[zone.apex] != nil {
            // Owned names at or below the new apex move into the new zone (into a deeper one
            // already served, they stay).
            // Ancestors first: a name's parents are counted, or gone, before it moves.
            let moving = table.entries.keys.filter {
                $0.isSubdomain(of: zone.apex) && placement(of: $0, in: state.servedZones) == enclosing.apex
            }.sorted { $0.labelCount < $1.labelCount }
            let stays = { (name: DNSName) in table.entries[name] != nil && !name.isSubdomain(of: zone.apex) }
            for name in moving {
                let apex = try checkClaimable(name, in: served)
                served[enclosing.apex]!.removeOwnedName(name, isOwned: stays)
                served[apex]!.addOwnedName(name) { table.entries[$0] != nil }
            }
            // The zone around serves those names no more (RFC 1982: a changed zone, a new serial).
            if !moving.isEmpty { advanceSerial(of: enclosing.apex, in: &served) }
            moved = moving
        }
        state.loadedZones[zone.apex] = zone
        state.apexFilter.add(zone)
        state.servedZones = served
        return moved
    }

    /// Removes the zone at `apex`, moving owned names in it into the zone above.
    ///
    /// - Returns: the owned names moved, or `nil` when no such zone was loaded.
    private static func removeZone(
        at apex: DNSName, from state: inout WriterState
    ) throws(AuthorityError)
        -> [DNSName]?
    {
        guard state.loadedZones[apex] != nil else { return nil }
        var served = state.servedZones
        let table = state.table
        // Ancestors first, so each name's parents are counted before it.
        let moving = ownedNames(in: apex, of: served, table: table).sorted { $0.labelCount < $1.labelCount }
        let removed = served.removeValue(forKey: apex)
        var receiving: Set<DNSName> = []
        for name in moving {
            let newApex = try checkClaimable(name, in: served)
            served[newApex]!.addOwnedName(name) { table.entries[$0] != nil }
            receiving.insert(newApex)
        }
        // The zones that now serve those names changed.
        for newApex in receiving { advanceSerial(of: newApex, in: &served) }
        state.loadedZones[apex] = nil
        state.synthesizedApexes.remove(apex)
        if let removed { state.apexFilter.remove(removed) }
        state.servedZones = served
        return moving
    }

    /// Applies one name's state in place.
    ///
    /// - Returns: whether anything changed; the apexes of zones whose content changed are added
    ///   to `touched`.
    private static func apply(
        _ item: ChallengeState, to state: inout WriterState, identity: NameserverIdentity?, now: UnixTime,
        touched: inout Set<DNSName>, moved: inout [DNSName]
    ) throws(AuthorityError) -> Bool {
        let name = item.name
        guard let owner = item.owner else {
            var changed = false
            if state.table.entries[name] != nil {
                try state.table.set(nil, at: name)
                if let apex = placement(of: name, in: state.servedZones) {
                    placeOwnership(of: name, wasOwned: true, in: apex, of: &state)
                    touched.insert(apex)
                }
                changed = true
            }
            if state.synthesizedApexes.contains(name), let names = try removeZone(at: name, from: &state) {
                moved += names
                changed = true
            }
            return changed
        }
        // Checked before a zone is synthesized, so a refused name leaves nothing behind.
        guard !name.isWildcard else { throw AuthorityError(.wildcardName, name: name) }
        guard item.values.packed.allSatisfy({ $0.text.count <= ChallengeTable.maximumValueLength }) else {
            throw AuthorityError(.valueTooLong, name: name)
        }
        var changed = false
        if item.isZoneApex, state.loadedZones[name] == nil {
            guard let identity else { throw AuthorityError(.nameOutsideZones, name: name) }
            try checkSynthesizable(name, in: state.loadedZones)
            moved += try add(Zone.synthesized(apex: name, identity: identity, at: now), to: &state)
            state.synthesizedApexes.insert(name)
            changed = true
        }
        let apex = try checkClaimable(name, in: state.servedZones)
        let wasOwned = state.table.entries[name] != nil
        if try state.table.set(ChallengeRecords(owner: owner, values: item.values), at: name) {
            placeOwnership(of: name, wasOwned: wasOwned, in: apex, of: &state)
            touched.insert(apex)
            changed = true
        }
        return changed
    }

    /// The state `states` and `staticZones` describe, built from nothing, with each zone's serial
    /// continuing from what `old` served.
    private static func rebuild(
        _ old: WriterState, staticZones: TreeDictionary<DNSName, Zone>, states: some Collection<ChallengeState>,
        prebuilt: ChallengeTableBuilder?, identity: NameserverIdentity?,
        now: UnixTime, maximumValues: Int
    ) -> (state: WriterState, failures: [DNSName: AuthorityError], changedNames: [DNSName]?) {
        var failures: [DNSName: AuthorityError] = [:]
        // The names whose records or zone differ from `old`'s, for the journals; `nil` past
        // ``journalNameLimit`` (a restore), where a journal records "everything".
        var changedNames: [DNSName]? = []
        func noteChanged(_ name: DNSName) {
            guard changedNames != nil else { return }
            if changedNames!.count >= journalNameLimit { changedNames = nil } else { changedNames!.append(name) }
        }
        var loaded = staticZones
        var synthesized: TreeSet<DNSName> = []
        // One zone synthesized at the root, copied to every apex that needs one.
        let root = DNSName.root
        let fresh = identity.map { Zone.synthesized(apex: root, identity: $0, at: now) }
        let unnumbered = identity.map { Zone.synthesized(apex: root, identity: $0, serial: 0) }
        for item in states where item.owner != nil && item.isZoneApex && loaded[item.name] == nil {
            guard !item.name.isWildcard else { continue }  // refused below
            do throws(AuthorityError) {
                try checkSynthesizable(item.name, in: staticZones)
            } catch {
                failures[item.name] = error
                continue
            }
            if let existing = old.loadedZones[item.name], old.synthesizedApexes.contains(item.name),
                unnumbered.map({ existing.hasSameContent(as: $0.synthesizedCopy(at: item.name)) }) ?? true
            {
                loaded[item.name] = existing
            } else if let fresh {
                loaded[item.name] = fresh.synthesizedCopy(at: item.name)
            } else {
                failures[item.name] = AuthorityError(.nameOutsideZones, name: item.name)
                continue
            }
            synthesized.insert(item.name)
        }
        var table = prebuilt?.table ?? ChallengeTable(maximumValuesPerName: maximumValues)
        // Filled in bulk like a prebuilt table: the expiry index follows after the swap.
        if prebuilt == nil { table.beginBulkFill() }
        var served = loaded
        // Zones whose owned names or their values differ from `old`'s: their serials advance.
        var touched: Set<DNSName> = []
        // The placement of the last parent looked up: a store lists names in order, so siblings
        // (a million labels in one auth zone) come one after another.
        var lastParent: (name: DNSName, apex: DNSName?)? = nil
        func placementInOrder(of item: ChallengeState) -> DNSName? {
            // Only a challenge zone's apex or a static zone's can be an apex: the static zones are
            // few, where looking up every name among all zones misses the cache every time.
            let name = item.name
            if item.isZoneApex ? served.keys.contains(name) : staticZones.keys.contains(name) { return name }
            guard let parent = name.parent else { return nil }
            if let lastParent, lastParent.name == parent { return lastParent.apex }
            let apex = Self.placement(of: parent, in: served)
            lastParent = (parent, apex)
            return apex
        }
        var lastTouched: DNSName? = nil
        var belowMissingParents: [(name: DNSName, apex: DNSName)] = []
        // Owned names are counted in their parent's node a run of siblings at a time: the store
        // lists names in order, so the million labels of an auth zone add to one count once.
        var siblings: (apex: DNSName, parent: DNSName, count: Int)? = nil
        func countSiblings() {
            guard let run = siblings else { return }
            siblings = nil
            served[run.apex]!.addOwnedNames(run.count, under: run.parent)
        }
        for item in states {
            guard let owner = item.owner else { continue }
            do throws(AuthorityError) {
                if !failures.isEmpty, let failure = failures[item.name] { throw failure }
                let (apex, hasNode) = try checkedPlacement(of: item.name, in: served, apex: placementInOrder(of: item))
                let isNew: Bool
                if let prebuilt {
                    // The table holds the name already, unless it refused it: the same call says why.
                    if !prebuilt.refused.isEmpty, prebuilt.refused.contains(item.name) {
                        _ = try table.replace(ChallengeRecords(owner: owner, values: item.values), at: item.name)
                    }
                    isNew = true
                } else {
                    isNew = try table.replace(ChallengeRecords(owner: owner, values: item.values), at: item.name) == nil
                }
                // Most names sit under a node (the auth zone's apex) and are counted now; the
                // others, which need empty non-terminals, once every name is in the table,
                // ancestors first.
                if isNew, let parent = Zone.countingParent(of: item.name, apex: apex, hasNode: hasNode) {
                    if let run = siblings, run.parent == parent, run.apex == apex {
                        siblings!.count += 1
                    } else if served[apex]!.nodes[parent] != nil {
                        countSiblings()
                        siblings = (apex, parent, 1)
                    } else {
                        belowMissingParents.append((item.name, apex))
                    }
                }
                if let before = old.table.entries[item.name] {
                    let previous = placement(of: item.name, in: old.servedZones)
                    if before == table.entries[item.name], previous == apex { continue }
                    if let previous { touched.insert(previous) }
                }
                noteChanged(item.name)
                // Siblings share an apex: inserting it once per run of them, not once per name.
                if lastTouched != apex {
                    touched.insert(apex)
                    lastTouched = apex
                }
            } catch {
                failures[item.name] = error
                // A prebuilt table holds every name given; one that cannot be served leaves it.
                if prebuilt != nil { _ = try? table.set(nil, at: item.name) }
            }
        }
        countSiblings()
        table.endBulkFill()
        belowMissingParents.sort { $0.name.labelCount < $1.name.labelCount }
        for (name, apex) in belowMissingParents {
            served[apex]!.addOwnedName(name) { table.entries[$0] != nil }
        }
        for name in old.table.entries.keys where table.entries[name] == nil {
            if let apex = placement(of: name, in: old.servedZones) { touched.insert(apex) }
            noteChanged(name)
        }
        // A reload changes few names: the expiry index follows them rather than starting over.
        // A restore, or a reload past the journal's limit, indexes every name after the swap.
        if let changedNames, !old.table.entries.isEmpty {
            table.inheritExpiryIndex(from: old.table, changed: changedNames)
        }
        for (apex, zone) in served {
            guard let previous = old.servedZones[apex] else { continue }
            let changed = touched.contains(apex) || !zone.hasSameContent(as: previous)
            served[apex]!.setSerial(
                SerialNumber.afterReload(loaded: zone.serial, current: previous.serial, changed: changed))
        }
        return (
            WriterState(
                loadedZones: loaded, synthesizedApexes: synthesized, servedZones: served, table: table,
                restoring: old.restoring, apexFilter: ApexFilter(served.values), journals: old.journals,
                staticApexes: Set(staticZones.keys)),
            failures, changedNames
        )
    }

    /// Checks that a challenge zone synthesized at `apex` would hide nothing: no zone served
    /// around it may hold records at or below `apex` (a CNAME an operator put at
    /// `_acme-challenge.<domain>`, say).
    private static func checkSynthesizable(
        _ apex: DNSName, in zones: TreeDictionary<DNSName, Zone>
    ) throws(AuthorityError) {
        guard let parent = apex.parent, let enclosing = placement(of: parent, in: zones) else { return }
        if zones[enclosing]!.nodes[apex] != nil { throw AuthorityError(.nameHasOtherData, name: apex) }
    }

    /// The apex of the zone with the longest apex that `name` is in or below.
    private static func placement(of name: DNSName, in zones: TreeDictionary<DNSName, Zone>) -> DNSName? {
        var candidate: DNSName? = name
        while let current = candidate {
            // The keys' `contains`, not the subscript: no copy of a zone is made to be dropped.
            if zones.keys.contains(current) { return current }
            candidate = current.parent
        }
        return nil
    }

    /// The most names one journal delta records; a change of more (a restore) is recorded as
    /// "everything", and an IXFR across it sends the whole zone.
    private static let journalNameLimit = 10_000

    /// Appends one delta to the journal of each zone whose serial advanced from `previous` to
    /// `next`, and drops the journals of zones no longer served.
    ///
    /// - Parameters:
    ///   - changedNames: the owned names whose records or zone may have changed; `nil` when not known.
    ///   - apexes: the zones that may have changed besides those of `changedNames`; `nil`: all.
    ///   - staticMayChange: whether static records may have changed (a reload).
    /// - Returns: the zones added, removed, or whose serial advanced, for the readers of
    ///   ``changes()``; `.all` when `apexes` or `changedNames` is `nil`, when more names changed
    ///   than a journal records, or when there is neither a journal nor a reader to work it out for.
    @discardableResult
    private func recordJournals(
        from previous: WriterState, to next: inout WriterState, changedNames: [DNSName]?, apexes: Set<DNSName>?,
        staticMayChange: Bool
    ) -> ChangedZones {
        let limit = configuration.journalLength
        guard limit > 0 || observers.withLock({ !$0.readers.isEmpty }) else { return .all }
        let changedNames = changedNames.flatMap { $0.count > Self.journalNameLimit ? nil : $0 }
        var previousByZone: [DNSName: [DNSName: ChallengeRecords?]] = [:]
        for name in changedNames ?? [] {
            let oldApex = Self.placement(of: name, in: previous.servedZones)
            let newApex = Self.placement(of: name, in: next.servedZones)
            if let oldApex { previousByZone[oldApex, default: [:]][name] = .some(previous.table.entries[name]) }
            if let newApex, newApex != oldApex { previousByZone[newApex, default: [:]][name] = .some(nil) }
        }
        let candidates = apexes.map { $0.union(previousByZone.keys) } ?? Set(next.servedZones.keys)
        var changed: Set<DNSName> = []
        for apex in candidates {
            guard let zone = next.servedZones[apex], let old = previous.servedZones[apex] else {
                // A zone added or removed: its history, if it comes back, starts afresh.
                next.journals[apex] = nil
                if next.servedZones[apex] != nil || previous.servedZones[apex] != nil { changed.insert(apex) }
                continue
            }
            guard old.serial != zone.serial else { continue }
            changed.insert(apex)
            guard limit > 0 else { continue }
            let delta = ZoneDelta(
                fromSerial: old.serial, toSerial: zone.serial,
                previousZone: staticMayChange && !old.hasSameContent(as: zone) ? old : nil,
                previousChallenges: previousByZone[apex] ?? [:], isComplete: changedNames != nil)
            next.journals[apex, default: ZoneJournal()].append(delta, limit: limit)
        }
        guard apexes != nil else {
            for apex in next.journals.keys where next.servedZones[apex] == nil { next.journals[apex] = nil }
            return .all
        }
        // Past the journal's limit of names, the zones those names left are not worked out.
        return changedNames == nil ? .all : .zones(changed)
    }

    /// Makes the catalog zone (``AuthorityConfiguration/catalogZone``) list every other zone of
    /// `state`, advancing its serial (RFC 1982) when the list changed or the catalog had to be
    /// put back (a reload replaces the static zones); a first catalog's serial is the clock in
    /// seconds, as for synthesized zones. Runs after the journals are recorded: the catalog keeps
    /// none, so an IXFR of it is answered with the whole zone.
    ///
    /// - Returns: the catalog's apex when it changed.
    @discardableResult
    private func refreshCatalog(from before: WriterState, to state: inout WriterState, now: UnixTime) -> ChangedZones {
        guard let apex = configuration.catalogZone else { return .zones([]) }
        var members = Set(state.servedZones.keys)
        members.remove(apex)
        if state.servedZones[apex] != nil, state.catalogMembers == members { return .zones([]) }
        let serial =
            (state.servedZones[apex] ?? before.servedZones[apex]).map { SerialNumber.next(after: $0.serial) }
            ?? UInt32(truncatingIfNeeded: now.rawValue)
        let catalog = CatalogZone.zone(
            apex: apex, members: members.sorted { $0.canonicallyPrecedes($1) }, serial: serial)
        if let old = state.loadedZones[apex] { state.apexFilter.remove(old) }
        state.loadedZones[apex] = catalog
        state.servedZones[apex] = catalog
        state.apexFilter.add(catalog)
        state.staticApexes.remove(apex)
        state.catalogMembers = members
        state.journals[apex] = nil
        return .zones([apex])
    }

    /// The zones each swap of snapshots changed, from now on, merged while the reader is busy (a
    /// burst of changes wakes it once, with every zone the burst touched): what NOTIFY to
    /// secondaries follows, without looking at every zone served after each change.
    public func changes() -> ZoneChanges {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = observers.withLock { observers in
            observers.next += 1
            observers.readers[observers.next] = ChangeReader(wakeUp: continuation, pending: nil)
            return observers.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.observers.withLock { $0.readers.removeValue(forKey: id) }
        }
        return ZoneChanges(wakeUps: stream) { [weak self] in
            self?.observers.withLock { observers in
                defer { observers.readers[id]?.pending = nil }
                return observers.readers[id]?.pending
            }
        }
    }

    /// Swaps in a snapshot of `state`, whose zones `changed` names.
    private func publish(_ state: WriterState, changed: ChangedZones) {
        defer {
            observers.withLock { observers in
                for id in observers.readers.keys {
                    if observers.readers[id]!.pending == nil {
                        observers.readers[id]!.pending = changed
                    } else {
                        observers.readers[id]!.pending!.formUnion(changed)
                    }
                    observers.readers[id]!.wakeUp.yield()
                }
            }
        }
        current.store(
            AuthoritySnapshot(
                zones: state.servedZones, challenges: state.table.entries, configuration: configuration,
                restoring: state.restoring, apexFilter: state.apexFilter, journals: state.journals,
                staticApexes: state.staticApexes),
            ordering: .releasing)
    }
}

extension AuthoritySnapshot: AtomicReference {}
