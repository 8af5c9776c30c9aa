public import DNSWire
public import HashTreeCollections

/// The challenge names Cairn answers for, their owners, and the TXT values published there.
///
/// A plain value: the ``Authority`` keeps one, checks each change against the zones it
/// serves, and merges the affected names into the next snapshot.
public struct ChallengeTable: Sendable {
    /// Owned names and what they hold: a persistent map, so a copy (a metrics scrape, a
    /// summary) costs nothing and the next change copies O(log n) trie nodes, not the table.
    public private(set) var entries: TreeDictionary<DNSName, ChallengeRecords>
    /// The number of values held at all names, kept as they change (a metrics scrape reads it
    /// without walking millions of names).
    public private(set) var valueCount = 0
    /// The names holding a value that expires in each second (Unix time), kept exact by
    /// ``store(_:at:)``: the sweep visits the names whose values expired, not every name. A
    /// persistent map like ``entries``, so a copy of the table still costs nothing.
    private var expiring: TreeDictionary<Int64, TreeSet<DNSName>> = [:]
    /// Every second up to this one has been swept (`nil`: no sweep yet).
    private var sweptThrough: Int64?
    /// While filled in bulk (``ChallengeTableBuilder``, a restore of millions of names), changes
    /// are not indexed: the restore stays as fast as before the index.
    private var defersIndexing = false
    /// Names a bulk fill put in, with what it put there, not yet in the expiry index:
    /// ``indexDeferredExpiries(limit:)`` indexes them a slice at a time, after start-up. Until
    /// then their expired values stay in the table (they are no longer served) and are swept
    /// once indexed.
    private var unindexed: TreeDictionary<DNSName, ChallengeRecords> = [:]
    /// How many names the last ``removeExpired(now:)`` looked at (tests count it).
    package private(set) var lastSweepVisited = 0
    /// The number of owned names.
    public var nameCount: Int { entries.count }
    /// The most values one name keeps; publishing one more drops the oldest.
    public let maximumValuesPerName: Int
    /// The longest TXT value accepted.
    public static let maximumValueLength = 1024

    public init(maximumValuesPerName: Int = 16) {
        self.entries = [:]
        self.maximumValuesPerName = max(1, maximumValuesPerName)
    }

    /// The owner of `name`, if it is claimed.
    public func owner(of name: DNSName) -> ChallengeOwner? { entries[name]?.owner }

    /// Every name `owner` holds.
    public func names(ownedBy owner: ChallengeOwner) -> [DNSName] {
        entries.filter { $0.value.owner == owner }.map(\.key)
    }

    /// Gives `name` to `owner`. Claiming a name one already owns changes nothing.
    ///
    /// - Returns: whether the table changed.
    @discardableResult
    public mutating func claim(_ name: DNSName, owner: ChallengeOwner) throws(AuthorityError) -> Bool {
        if let existing = entries[name] {
            guard existing.owner == owner else { throw AuthorityError(.ownedByAnother, name: name) }
            return false
        }
        guard !name.isWildcard else { throw AuthorityError(.wildcardName, name: name) }
        store(ChallengeRecords(owner: owner), at: name)
        return true
    }

    /// Makes `name` hold exactly `records`, whoever held it before; `nil` releases it. Values
    /// beyond ``maximumValuesPerName`` are dropped, oldest first.
    ///
    /// - Returns: whether the table changed.
    /// - Throws: for a wildcard name or a value that is too long; nothing changes then.
    @discardableResult
    public mutating func set(_ records: ChallengeRecords?, at name: DNSName) throws(AuthorityError) -> Bool {
        let previous = try replace(records, at: name)
        return previous != records.map { trimmed($0) }
    }

    /// ``set(_:at:)``, returning what `name` held before (`nil`: it was not owned), with one
    /// lookup of `name`.
    package mutating func replace(
        _ records: ChallengeRecords?, at name: DNSName
    ) throws(AuthorityError) -> ChallengeRecords? {
        guard let records else { return store(nil, at: name) }
        guard !name.isWildcard else { throw AuthorityError(.wildcardName, name: name) }
        guard records.values.packed.allSatisfy({ $0.text.count <= Self.maximumValueLength }) else {
            throw AuthorityError(.valueTooLong, name: name)
        }
        return store(trimmed(records), at: name)
    }

    /// `records` with the values beyond ``maximumValuesPerName`` dropped, oldest first.
    private func trimmed(_ records: ChallengeRecords) -> ChallengeRecords {
        guard records.values.count > maximumValuesPerName else { return records }
        var records = records
        records.values.removeFirst(records.values.count - maximumValuesPerName)
        return records
    }

    /// Takes `name` from `owner`, with its values.
    public mutating func release(_ name: DNSName, owner: ChallengeOwner) throws(AuthorityError) {
        try checkOwner(name, owner)
        store(nil, at: name)
    }

    /// Adds `value` at `name`, or refreshes its TTL and expiry if the same text is there.
    public mutating func publish(
        _ value: ChallengeValue, at name: DNSName, owner: ChallengeOwner
    ) throws(AuthorityError) {
        try checkOwner(name, owner)
        guard value.text.count <= Self.maximumValueLength else { throw AuthorityError(.valueTooLong, name: name) }
        var record = entries[name]!
        record.values.removeAll(text: value.text)
        record.values.append(value)
        store(trimmed(record), at: name)
    }

    /// Removes the value with `text` at `name`.
    ///
    /// - Returns: whether such a value was there.
    @discardableResult
    public mutating func withdraw(
        text: [UInt8], at name: DNSName, owner: ChallengeOwner
    ) throws(AuthorityError)
        -> Bool
    {
        try checkOwner(name, owner)
        var record = entries[name]!
        guard record.values.removeAll(text: text) else { return false }
        store(record, at: name)
        return true
    }

    /// Removes every value at `name`, keeping the name owned.
    public mutating func withdrawAll(at name: DNSName, owner: ChallengeOwner) throws(AuthorityError) {
        try checkOwner(name, owner)
        var record = entries[name]!
        record.values.removeAll()
        store(record, at: name)
    }

    /// Removes values whose expiry is at or before `now`.
    ///
    /// It looks only at names holding such a value, through the expiry index: the seconds since
    /// the last sweep, or every second in the index when that is fewer (the first sweep, a clock
    /// jump). A sweep that removes k values costs O(k log n), not a walk of the whole table.
    ///
    /// - Returns: the names that lost values.
    public mutating func removeExpired(now: UnixTime) -> [DNSName] {
        let through = now.rawValue
        let seconds: [Int64]
        if let swept = sweptThrough, through - swept <= Int64(expiring.count) {
            seconds = through > swept ? Array(swept + 1...through) : []
        } else {
            seconds = expiring.keys.filter { $0 <= through }
        }
        var changed: [DNSName] = []
        var visited = 0
        for second in seconds {
            guard let names = expiring[second] else { continue }
            for name in names {
                visited += 1
                guard var record = entries[name], record.values.removeAll(expiringAtOrBefore: now) else { continue }
                store(record, at: name)
                changed.append(name)
            }
            // Every value of that second is gone, and the bucket with it.
            expiring[second] = nil
        }
        sweptThrough = max(sweptThrough ?? through, through)
        lastSweepVisited = visited
        return changed
    }

    /// The earliest expiry of any indexed value (a bulk fill's names count once indexed): the
    /// smallest second in the expiry index, O(seconds with an expiring value), not O(names).
    public var nextExpiry: UnixTime? {
        expiring.keys.min().map { UnixTime(rawValue: $0) }
    }

    /// Starts a bulk fill: changes are not indexed until ``endBulkFill()``.
    package mutating func beginBulkFill() { defersIndexing = true }

    /// Ends a bulk fill: every name now in the table waits for ``indexDeferredExpiries(limit:)``.
    package mutating func endBulkFill() {
        guard defersIndexing else { return }
        defersIndexing = false
        unindexed = entries
    }

    /// Takes `old`'s expiry index for this table, filled in bulk from nearly the same entries (a
    /// reload rebuilds the table from the store), rather than leaving every name to be indexed
    /// again: only the names in `changed` are re-indexed, O(changed log n). The names `old` had
    /// not indexed yet stay to be indexed.
    ///
    /// - Parameter changed: every name whose records may differ between `old` and this table
    ///   (names added, removed or changed); a name listed that did not change costs a lookup.
    package mutating func inheritExpiryIndex(from old: ChallengeTable, changed: some Sequence<DNSName>) {
        precondition(!defersIndexing, "a table still filled in bulk cannot take an index")
        expiring = old.expiring
        sweptThrough = old.sweptThrough
        unindexed = old.unindexed
        for name in Set(changed) {
            let after = entries[name]?.values
            if !unindexed.isEmpty, unindexed.removeValue(forKey: name) != nil {
                // `old` never indexed it: its new values are indexed whole.
                reindexExpiries(of: name, from: nil, to: after)
            } else {
                reindexExpiries(of: name, from: old.entries[name]?.values, to: after)
            }
        }
    }

    /// How many names a bulk fill left to index.
    public var unindexedNameCount: Int { unindexed.count }

    /// Indexes the expiries of up to `limit` names a bulk fill left unindexed (a name changed
    /// since the fill was indexed whole by that change, and left this list). O(limit log n).
    ///
    /// - Returns: how many names are left.
    @discardableResult
    public mutating func indexDeferredExpiries(limit: Int) -> Int {
        guard !unindexed.isEmpty else { return 0 }
        var done: [DNSName] = []
        done.reserveCapacity(min(limit, unindexed.count))
        for (name, records) in unindexed {
            guard done.count < limit else { break }
            reindexExpiries(of: name, from: nil, to: records.values)
            done.append(name)
        }
        for name in done { unindexed.removeValue(forKey: name) }
        return unindexed.count
    }

    /// Whether the expiry index holds exactly each name under each second one of its values
    /// expires in (for tests; a bulk fill's names count once indexed).
    package var expiryIndexIsExact: Bool {
        var expected: [Int64: Set<DNSName>] = [:]
        for (name, record) in entries {
            for value in record.values.packed { expected[value.expires.rawValue, default: []].insert(name) }
        }
        var indexed: [Int64: Set<DNSName>] = [:]
        for (second, names) in expiring { indexed[second] = Set(names) }
        return expected == indexed
    }

    /// Makes `name` hold `records` (`nil`: nothing), keeping ``valueCount``.
    ///
    /// - Returns: what it held before.
    @discardableResult
    private mutating func store(_ records: ChallengeRecords?, at name: DNSName) -> ChallengeRecords? {
        let old = records == nil ? entries.removeValue(forKey: name) : entries.updateValue(records!, forKey: name)
        valueCount += (records?.values.count ?? 0) - (old?.values.count ?? 0)
        if defersIndexing { return old }
        if !unindexed.isEmpty, unindexed.removeValue(forKey: name) != nil {
            // Its old values were never indexed: all of its new ones are.
            reindexExpiries(of: name, from: nil, to: records?.values)
        } else {
            reindexExpiries(of: name, from: old?.values, to: records?.values)
        }
        return old
    }

    /// Moves `name` in the expiry index from the seconds its old values expire in to those of its
    /// new ones. A name holds at most ``maximumValuesPerName`` values, so the lists are compared
    /// in place, with no allocation on the publish path.
    private mutating func reindexExpiries(of name: DNSName, from old: ChallengeValues?, to new: ChallengeValues?) {
        func holds(_ values: ChallengeValues?, _ second: UnixTime) -> Bool {
            values?.packed.contains { $0.expires == second } ?? false
        }
        for value in old?.packed ?? ChallengeValues().packed where !holds(new, value.expires) {
            let second = value.expires.rawValue
            guard var names = expiring[second], names.remove(name) != nil else { continue }
            expiring[second] = names.isEmpty ? nil : names
        }
        // The table's own key: `name` may be another instance (a slice of a parsed batch), which
        // the index would otherwise keep alive beside it.
        var key: DNSName? = nil
        for value in new?.packed ?? ChallengeValues().packed where !holds(old, value.expires) {
            let second = value.expires.rawValue
            if key == nil { key = entries.index(forKey: name).map { entries[$0].key } ?? name }
            expiring[second, default: []].insert(key!)
            // A value that expired before the last sweep is still swept by the next.
            if let swept = sweptThrough, second <= swept { sweptThrough = second - 1 }
        }
    }

    private func checkOwner(_ name: DNSName, _ owner: ChallengeOwner) throws(AuthorityError) {
        guard let existing = entries[name] else { throw AuthorityError(.notOwned, name: name) }
        guard existing.owner == owner else { throw AuthorityError(.ownedByAnother, name: name) }
    }
}
