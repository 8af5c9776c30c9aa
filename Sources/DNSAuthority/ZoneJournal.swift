package import HashTreeCollections

/// The last changes of one zone, oldest first, bounded in length (RFC 1995 §5 lets a server keep
/// as few as it likes: a secondary further behind gets the whole zone).
///
/// A persistent map keyed by sequence number, so appending to a journal that an older snapshot
/// still holds copies O(log n) nodes, not the whole journal.
package struct ZoneJournal: Sendable {
    private var deltas: TreeDictionary<UInt64, ZoneDelta> = [:]
    /// The sequence number of the oldest delta kept.
    private var first: UInt64 = 0
    /// The sequence number the next delta gets.
    private var end: UInt64 = 0

    package init() {}

    /// How many deltas are kept.
    package var count: Int { Int(end - first) }

    /// Appends `delta`, dropping the oldest beyond `limit`.
    package mutating func append(_ delta: ZoneDelta, limit: Int) {
        deltas[end] = delta
        end += 1
        while count > limit {
            deltas[first] = nil
            first += 1
        }
    }

    /// The deltas leading from `serial` to the newest, oldest first, if the journal reaches back
    /// to `serial` in one unbroken, completely recorded chain.
    package func deltas(from serial: UInt32) -> [ZoneDelta]? {
        var start: UInt64? = nil
        var sequence = end
        while sequence > first {
            sequence -= 1
            if deltas[sequence]!.fromSerial == serial {
                start = sequence
                break
            }
        }
        guard let start else { return nil }
        var chain: [ZoneDelta] = []
        chain.reserveCapacity(Int(end - start))
        for sequence in start..<end {
            let delta = deltas[sequence]!
            guard delta.isComplete, chain.last.map({ $0.toSerial == delta.fromSerial }) ?? true else { return nil }
            chain.append(delta)
        }
        return chain
    }
}
