package import DNSWire
import HashTreeCollections

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

    /// The table being replaced (a reload), whose names are kept rather than the ones just read.
    private let current: ChallengeTable?

    /// - Parameters:
    ///   - current: the table this one will replace, if any (a reload). Where it holds a name,
    ///     the new table keys it with the same instance: the reload's parsed names are then freed,
    ///     and the expiry index the reload keeps (which holds the current table's names) shares them.
    public init(maximumValuesPerName: Int, replacing current: ChallengeTable? = nil) {
        filling = ChallengeTable(maximumValuesPerName: maximumValuesPerName)
        filling.beginBulkFill()
        self.current = current.flatMap { $0.entries.isEmpty ? nil : $0 }
    }

    /// A builder already holding `table`, with its expiry index: a rebuild of the zones around
    /// an unchanged table (a reload of changed zone files) places its names without copying it.
    package init(keeping table: ChallengeTable) {
        filling = table
        current = nil
    }

    /// Adds the owned names among `states` with their values.
    public mutating func add(_ states: some Sequence<ChallengeState>) {
        for state in states {
            guard let owner = state.owner else { continue }
            do throws(AuthorityError) {
                var name = state.name
                if let current, let index = current.entries.index(forKey: name) { name = current.entries[index].key }
                if try filling.replace(ChallengeRecords(owner: owner, values: state.values), at: name) != nil {
                    sawDuplicates = true
                }
            } catch {
                refused.insert(state.name)
            }
        }
    }
}
