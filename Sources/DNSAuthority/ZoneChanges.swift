/// The changes of an ``Authority``, one element per wake-up of the reader: the zones every swap of
/// snapshots since the reader's last element may have changed, merged, so a burst of changes
/// costs the reader one element and the zones it touched, not one element per change.
public struct ZoneChanges: AsyncSequence, Sendable {
    public typealias Element = ChangedZones
    public typealias Failure = Never

    let wakeUps: AsyncStream<Void>
    /// Takes what accumulated since the last call (`nil`: nothing).
    let take: @Sendable () -> ChangedZones?

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(wakeUps: wakeUps.makeAsyncIterator(), take: take)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var wakeUps: AsyncStream<Void>.AsyncIterator
        let take: @Sendable () -> ChangedZones?

        public mutating func next() async -> ChangedZones? {
            while await wakeUps.next() != nil {
                if let changed = take() { return changed }
            }
            return nil
        }
    }
}
