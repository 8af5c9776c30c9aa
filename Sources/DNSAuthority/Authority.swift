import Atomics
public import DNSWire
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

    private struct WriterState: Sendable {
        /// Zones as loaded, without challenge data.
        var loadedZones: [DNSName: Zone]
        /// Zones as served: loaded zones with the challenge table merged in.
        var servedZones: [DNSName: Zone]
        var table: ChallengeTable
    }

    /// Serves `zones` with an empty challenge table.
    ///
    /// - Throws: ``AuthorityError/Code/duplicateZone`` when two zones share an apex.
    public init(zones: [Zone], configuration: AuthorityConfiguration = AuthorityConfiguration()) throws(AuthorityError)
    {
        var byApex: [DNSName: Zone] = [:]
        for zone in zones {
            guard byApex[zone.apex] == nil else { throw AuthorityError(.duplicateZone, name: zone.apex) }
            byApex[zone.apex] = zone
        }
        self.configuration = configuration
        self.current = ManagedAtomic(AuthoritySnapshot(zones: byApex, configuration: configuration))
        self.writer = Mutex(
            WriterState(
                loadedZones: byApex, servedZones: byApex,
                table: ChallengeTable(maximumValuesPerName: configuration.maximumValuesPerName)))
    }

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

    /// The zone served at `apex`, challenge data merged in.
    public func zone(at apex: DNSName) -> Zone? { snapshot.zones[apex] }

    /// Replaces every zone (a reload). Owned challenge names are carried over; each zone's
    /// serial advances past the one served before (RFC 1982).
    ///
    /// - Throws: when an owned name would end up outside every zone, below a cut, or beside
    ///   static data; the running zones are kept.
    public func replaceZones(_ zones: [Zone]) throws(AuthorityError) {
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) in
            var loaded: [DNSName: Zone] = [:]
            for zone in zones {
                guard loaded[zone.apex] == nil else { throw AuthorityError(.duplicateZone, name: zone.apex) }
                loaded[zone.apex] = zone
            }
            var served = loaded
            for (apex, zone) in served {
                if let previous = state.servedZones[apex] {
                    served[apex]!.setSerial(SerialNumber.afterReload(loaded: zone.serial, current: previous.serial))
                }
            }
            for (name, records) in state.table.entries {
                let apex = try Self.checkClaimable(name, in: served)
                served[apex]!.setChallenge(records, at: name)
            }
            state.loadedZones = loaded
            state.servedZones = served
            publish(state)
        }
    }

    /// Adds one zone, for example a synthesized `_acme-challenge.<domain>` zone.
    public func addZone(_ zone: Zone) throws(AuthorityError) {
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) in
            guard state.loadedZones[zone.apex] == nil else { throw AuthorityError(.duplicateZone, name: zone.apex) }
            var served = state.servedZones
            served[zone.apex] = zone
            // Owned names may now fall in the new, deeper zone.
            for (name, records) in state.table.entries where name.isSubdomain(of: zone.apex) {
                let apex = try Self.checkClaimable(name, in: served)
                for (otherApex, _) in served where otherApex != apex { served[otherApex]!.setChallenge(nil, at: name) }
                served[apex]!.setChallenge(records, at: name)
            }
            state.loadedZones[zone.apex] = zone
            state.servedZones = served
            publish(state)
        }
    }

    /// Stops serving the zone at `apex`; its owned names must have been released first.
    ///
    /// - Returns: whether such a zone was served.
    @discardableResult
    public func removeZone(at apex: DNSName) throws(AuthorityError) -> Bool {
        try writer.withLock { (state: inout WriterState) throws(AuthorityError) -> Bool in
            guard state.loadedZones[apex] != nil else { return false }
            var served = state.servedZones
            served[apex] = nil
            for (name, records) in state.table.entries where name.isSubdomain(of: apex) {
                let newApex = try Self.checkClaimable(name, in: served)
                served[newApex]!.setChallenge(records, at: name)
            }
            state.loadedZones[apex] = nil
            state.servedZones = served
            publish(state)
            return true
        }
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

    /// Drops values that expired at or before `now` (they already stopped being served).
    ///
    /// - Returns: how many names lost values.
    @discardableResult
    public func removeExpiredValues(now: UnixTime = .now()) -> Int {
        writer.withLock { state in
            let changed = state.table.removeExpired(now: now)
            guard !changed.isEmpty else { return 0 }
            for name in changed {
                // Each name was valid when claimed and zones are checked on every change.
                if let apex = try? Self.checkClaimable(name, in: state.servedZones) {
                    state.servedZones[apex]!.setChallenge(state.table.entries[name], at: name)
                    Self.advanceSerial(of: apex, in: &state.servedZones)
                }
            }
            publish(state)
            return changed.count
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
            guard try body(&state.table) else { return }
            state.servedZones[apex]!.setChallenge(state.table.entries[name], at: name)
            Self.advanceSerial(of: apex, in: &state.servedZones)
            publish(state)
        }
    }

    private static func advanceSerial(of apex: DNSName, in zones: inout [DNSName: Zone]) {
        let serial = SerialNumber.next(after: zones[apex]!.serial)
        zones[apex]!.setSerial(serial)
    }

    /// Finds the zone `name` belongs to and checks a challenge may live there.
    ///
    /// - Returns: the zone's apex.
    private static func checkClaimable(
        _ name: DNSName, in zones: [DNSName: Zone]
    ) throws(AuthorityError)
        -> DNSName
    {
        var candidate: DNSName? = name
        var zone: Zone? = nil
        while let current = candidate {
            if let found = zones[current] {
                zone = found
                break
            }
            candidate = current.parent
        }
        guard let zone else { throw AuthorityError(.nameOutsideZones, name: name) }
        if zone.delegation(atOrAbove: name) != nil { throw AuthorityError(.nameBelowDelegation, name: name) }
        if let node = zone.nodes[name] {
            let isApex = name.wireLength == zone.apex.wireLength
            let allowed: [DNSRecordType] = isApex ? [.soa, .ns] : []
            if node.rrsets.contains(where: { !allowed.contains($0.type) }) {
                throw AuthorityError(.nameHasOtherData, name: name)
            }
        }
        return zone.apex
    }

    /// Swaps in a snapshot of `state`.
    private func publish(_ state: WriterState) {
        current.store(AuthoritySnapshot(zones: state.servedZones, configuration: configuration), ordering: .releasing)
    }
}

extension AuthoritySnapshot: AtomicReference {}
