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
    /// - Returns: the names that lost values.
    public mutating func removeExpired(now: UnixTime) -> [DNSName] {
        var changed: [DNSName] = []
        for (name, record) in entries {
            var record = record
            guard record.values.removeAll(expiringAtOrBefore: now) else { continue }
            store(record, at: name)
            changed.append(name)
        }
        return changed
    }

    /// The earliest expiry of any value.
    public var nextExpiry: UnixTime? {
        entries.values.compactMap(\.earliestExpiry).min()
    }

    /// Makes `name` hold `records` (`nil`: nothing), keeping ``valueCount``.
    ///
    /// - Returns: what it held before.
    @discardableResult
    private mutating func store(_ records: ChallengeRecords?, at name: DNSName) -> ChallengeRecords? {
        let old = records == nil ? entries.removeValue(forKey: name) : entries.updateValue(records!, forKey: name)
        valueCount += (records?.values.count ?? 0) - (old?.values.count ?? 0)
        return old
    }

    private func checkOwner(_ name: DNSName, _ owner: ChallengeOwner) throws(AuthorityError) {
        guard let existing = entries[name] else { throw AuthorityError(.notOwned, name: name) }
        guard existing.owner == owner else { throw AuthorityError(.ownedByAnother, name: name) }
    }
}
