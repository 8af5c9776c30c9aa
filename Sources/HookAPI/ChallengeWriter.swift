public import DNSAuthority
public import Store
import Synchronization

/// Applies changes durably and visibly, in one order: a change is committed to the ``ChallengeStore``,
/// then applied to the ``Authority`` (a new snapshot swapped in), then its caller resumes
/// (DESIGN decision 4: acknowledged means durable and visible).
///
/// Group commit: while one transaction is on its way to disk, new changes queue; the next
/// transaction takes all of them, so with many clients one `fsync` acknowledges many updates.
/// No task is spawned: the caller whose change starts a batch runs it, then hands the turn to
/// the first waiting caller, so nobody drains for longer than one batch.
public final class ChallengeWriter: Sendable {
    /// One change: rows for the store, then what to do to the authority once they are committed.
    public struct Change: Sendable {
        public var store: [StoreChange]
        public var authority: @Sendable (Authority) throws -> Void

        public init(store: [StoreChange], authority: @escaping @Sendable (Authority) throws -> Void) {
            self.store = store
            self.authority = authority
        }
    }

    private enum Turn: Sendable {
        case finished(Result<Void, any Error>)
        case drain
    }

    private struct Pending: Sendable {
        var id: UInt64
        var change: Change
        var continuation: CheckedContinuation<Turn, Never>
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var draining = false
        var nextID: UInt64 = 0
    }

    private let store: any ChallengeStore
    private let authority: Authority
    private let state = Mutex(State())
    private let maximumBatch: Int
    private let onCommit: @Sendable (Duration, Int) -> Void

    /// - Parameters:
    ///   - maximumBatch: the most changes one transaction carries.
    ///   - onCommit: told how long each successful commit took and how many changes it carried.
    public init(
        store: any ChallengeStore, authority: Authority, maximumBatch: Int = 256,
        onCommit: @escaping @Sendable (Duration, Int) -> Void = { _, _ in }
    ) {
        self.store = store
        self.authority = authority
        self.maximumBatch = max(1, maximumBatch)
        self.onCommit = onCommit
    }

    /// Commits `change` and applies it to the authority; returns once both are done.
    ///
    /// - Throws: the store's error (nothing applied), or the authority's (committed but not served
    ///   until the next start; callers check ownership first so this does not happen).
    public func apply(_ change: Change) async throws {
        var myID: UInt64 = 0
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let startsBatch = state.withLock { state in
                myID = state.nextID
                state.nextID &+= 1
                state.queue.append(Pending(id: myID, change: change, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startsBatch { continuation.resume(returning: .drain) }
        }
        switch turn {
        case .finished(let result):
            try result.get()
        case .drain:
            try await drain(myID: myID).get()
        }
    }

    /// Runs one batch that includes the caller's change, resumes the others and passes the turn on.
    private func drain(myID: UInt64) async -> Result<Void, any Error> {
        let batch = state.withLock { state in
            let count = min(state.queue.count, maximumBatch)
            // The caller's own change must be in its batch.
            var taken = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            if !taken.contains(where: { $0.id == myID }), let index = state.queue.firstIndex(where: { $0.id == myID }) {
                taken.append(state.queue.remove(at: index))
            }
            return taken
        }
        var outcomes = await commit(batch)
        for (index, pending) in batch.enumerated() where outcomes[index] == nil {
            do {
                try pending.change.authority(authority)
                outcomes[index] = .success(())
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        let next = state.withLock { state -> Pending? in
            guard let first = state.queue.first else {
                state.draining = false
                return nil
            }
            return first
        }
        next?.continuation.resume(returning: .drain)
        var mine: Result<Void, any Error> = .success(())
        for (index, pending) in batch.enumerated() {
            let outcome = outcomes[index] ?? .success(())
            if pending.id == myID {
                mine = outcome
            } else {
                pending.continuation.resume(returning: .finished(outcome))
            }
        }
        return mine
    }

    /// Commits the batch in one transaction; if that fails, each change alone, so one bad change
    /// does not fail the others. Returns a failure for each change that did not commit, `nil`
    /// for each that did.
    private func commit(_ batch: [Pending]) async -> [Result<Void, any Error>?] {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await store.apply(batch.flatMap(\.change.store))
            onCommit(clock.now - start, batch.count)
            return Array(repeating: nil, count: batch.count)
        } catch {
            guard batch.count > 1 else { return [.failure(error)] }
        }
        var outcomes: [Result<Void, any Error>?] = []
        for pending in batch {
            do {
                try await store.apply(pending.change.store)
                outcomes.append(nil)
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }
}
