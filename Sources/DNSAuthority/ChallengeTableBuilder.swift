package import DNSWire

/// A challenge table filled from states as they are read, so that a restore — millions of names
/// read from the store in batches — fills the table while the store is still being read, and
/// ``Authority/reconcile(staticZones:states:prebuilt:identity:now:)`` takes it rather than
/// filling one itself after the last row.
public struct ChallengeTableBuilder: Sendable {
    /// The table filled so far; its expiries are indexed after start-up
    /// (``Authority/indexDeferredExpiries(limit:)``), not while millions of names are restored.
    package var table: ChallengeTable {
        var table = filling
        table.endBulkFill()
        return table
    }
    private var filling: ChallengeTable
    /// Names the table refused (a wildcard, a value too long): the rebuild reports them.
    package private(set) var refused: Set<DNSName> = []
    /// A name came twice: the rebuild cannot tell which claims are new, and fills its own table.
    package private(set) var sawDuplicates = false

    public init(maximumValuesPerName: Int) {
        filling = ChallengeTable(maximumValuesPerName: maximumValuesPerName)
        filling.beginBulkFill()
    }

    /// Adds the owned names among `states` with their values.
    public mutating func add(_ states: some Sequence<ChallengeState>) {
        for state in states {
            guard let owner = state.owner else { continue }
            do throws(AuthorityError) {
                if try filling.replace(ChallengeRecords(owner: owner, values: state.values), at: state.name) != nil {
                    sawDuplicates = true
                }
            } catch {
                refused.insert(state.name)
            }
        }
    }
}
