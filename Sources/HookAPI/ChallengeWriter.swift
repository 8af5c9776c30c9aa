public import DNSAuthority
public import DNSWire
public import Logging
public import Store
import Synchronization

/// The one ordered path from the ``ChallengeStore`` to the ``Authority``'s challenge table
/// (DESIGN decision 4): every change is committed first, and the table is then made to hold what
/// the store holds, in commit order.
///
/// The store numbers its transactions. The writer remembers the last one the table reflects
/// (``appliedSequence``) and moves it forward only by applying, under one turn, either the names
/// a transaction touched as that transaction left them (when it directly follows the applied
/// one), or every name touched since (``ChallengeStore/changes(after:)``: changes made by
/// another process such as the CLI, or another instance sharing the database), or a whole
/// snapshot (start-up, reloads, and when the change record no longer reaches back). The table
/// never takes a value from anywhere but the store, so a reload can neither drop a value
/// acknowledged while it ran nor release a name whose owner still exists.
///
/// Group commit: while one transaction is on its way to disk, new changes queue; the next
/// transaction takes all of them, so with many clients one `fsync` acknowledges many updates.
/// No task is spawned: the caller whose work starts a batch runs it, then hands the turn to the
/// first waiting caller, so nobody drains for longer than one batch.
public final class ChallengeWriter: Sendable {
    /// What a synchronisation with the store left the challenge table holding.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Owned names served.
        public var names = 0
        /// Challenge zones synthesized for owned names (NS delegation).
        public var zones = 0
        /// Unexpired values served.
        public var values = 0
        /// Owned names the store holds that cannot be served (each logged).
        public var skipped = 0
        /// The store's sequence number the table reflects.
        public var sequence: Int64 = 0

        public var description: String {
            "\(names) names, \(zones) synthesized zones, \(values) values, \(skipped) skipped (store sequence \(sequence))"
        }
    }

    private enum Work: Sendable {
        case changes([StoreChange])
        case catchUp
        case reload(staticZones: [Zone]?, identity: NameserverIdentity?)
    }

    private enum Turn: Sendable {
        case finished(Result<Summary?, any Error>)
        case drain
    }

    private struct Pending: Sendable {
        var id: UInt64
        var work: Work
        var continuation: CheckedContinuation<Turn, Never>
    }

    private struct State: Sendable {
        var queue: [Pending] = []
        var draining = false
        var nextID: UInt64 = 0
        /// Only the caller holding the turn reads or writes these two.
        var applied: Int64 = -1
        var identity: NameserverIdentity?
    }

    public let store: any ChallengeStore
    public let authority: Authority
    private let state: Mutex<State>
    private let maximumBatch: Int
    private let now: @Sendable () -> UnixTime
    private let logger: Logger
    private let commitObserver = Mutex<CommitObserver?>(nil)
    private let acknowledgementGate = Mutex<AcknowledgementGate?>(nil)

    // The closures the two methods below install are kept in structs. A closure stored bare as
    // the `Mutex`'s generic `Optional` value is reabstracted on the way in, and each
    // `withLock { $0 }` that reads it writes it back wrapped in two more thunks: after n commits
    // a call went through 2n thunks, a heap context each, and the thread's stack grew with n
    // until it would overflow (found by `make soak`: a worker's stack +550 KiB in 150 s).

    /// The closure ``observeCommits(_:)`` installs.
    private struct CommitObserver: Sendable {
        let observe: @Sendable (Duration, Int) -> Void
    }

    /// The closure ``gateAcknowledgements(_:)`` installs.
    private struct AcknowledgementGate: Sendable {
        let wait: @Sendable ([DNSName]) async -> Void
    }

    /// - Parameters:
    ///   - identity: the SOA and NS names of the challenge zones synthesized for owned names of
    ///     kind ``OwnedName/Kind/challengeZone``; `nil` when none can be made.
    ///   - maximumBatch: the most changes one transaction carries.
    ///   - now: the clock values' expiries are compared with.
    public init(
        store: any ChallengeStore, authority: Authority, identity: NameserverIdentity?, maximumBatch: Int = 256,
        now: @escaping @Sendable () -> UnixTime = { .now() }, logger: Logger
    ) {
        self.store = store
        self.authority = authority
        self.state = Mutex(State(identity: identity))
        self.maximumBatch = max(1, maximumBatch)
        self.now = now
        self.logger = logger
    }

    /// Tells `observer` how long each successful commit took and how many changes it carried.
    public func observeCommits(_ observer: @escaping @Sendable (Duration, Int) -> Void) {
        commitObserver.withLock { $0 = CommitObserver(observe: observer) }
    }

    /// Makes ``apply(_:)`` wait for `gate` with the names its changes name before it returns:
    /// with secondaries, until every nameserver serves them (DESIGN decision 4; the gate bounds
    /// its own wait).
    public func gateAcknowledgements(_ gate: @escaping @Sendable ([DNSName]) async -> Void) {
        acknowledgementGate.withLock { $0 = AcknowledgementGate(wait: gate) }
    }

    /// The store's sequence number the challenge table reflects; -1 before the first sync.
    public var appliedSequence: Int64 { state.withLock { $0.applied } }

    /// Commits `changes` in one transaction (possibly shared with other callers') and brings the
    /// challenge table up to the store; returns once both are done.
    ///
    /// - Throws: the store's error (nothing committed), or ``ChallengeWriterError`` when a name
    ///   the changes give an owner or a value is committed but cannot be served (outside every
    ///   zone, beside static data).
    public func apply(_ changes: [StoreChange]) async throws {
        _ = try await submit(.changes(changes))
        if let gate = acknowledgementGate.withLock({ $0 }) {
            await gate.wait(Self.names(changedBy: changes))
        }
    }

    /// Applies every change committed since the table was last brought up to the store (by the
    /// CLI, or another instance sharing the database).
    ///
    /// - Returns: what the table holds now, or `nil` when there was nothing to apply.
    @discardableResult
    public func catchUp() async throws -> Summary? {
        try await submit(.catchUp)
    }

    /// Rebuilds the challenge table from a snapshot of the store, replacing the static zones too
    /// when `staticZones` is given (a reload), in one swap. Values committed while the snapshot
    /// is read are in it or applied right after: nothing acknowledged is ever missing.
    ///
    /// Once the table follows the store, a reload that keeps `identity` puts changed
    /// `staticZones` in place around the table as it is, then applies the store's changes since
    /// the table last did (the same ordered path), or a snapshot when the store's record of
    /// changes no longer reaches back that far.
    ///
    /// - Parameters:
    ///   - staticZones: the zones to serve besides the synthesized challenge zones; `nil` keeps
    ///     the current ones.
    ///   - identity: replaces the identity synthesized challenge zones are made with.
    /// - Throws: when the new zones would stop serving an owned name served now (the zones are
    ///   then kept, and the table still brought up to the store), or the store's error.
    @discardableResult
    public func reload(staticZones: [Zone]?, identity: NameserverIdentity?) async throws -> Summary {
        try await submit(.reload(staticZones: staticZones, identity: identity))!
    }

    private func submit(_ work: Work) async throws -> Summary? {
        var myID: UInt64 = 0
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let startsBatch = state.withLock { state in
                myID = state.nextID
                state.nextID &+= 1
                state.queue.append(Pending(id: myID, work: work, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startsBatch { continuation.resume(returning: .drain) }
        }
        switch turn {
        case .finished(let result):
            return try result.get()
        case .drain:
            return try await drain(myID: myID).get()
        }
    }

    /// Runs one batch that includes the caller's work, resumes the others and passes the turn on.
    private func drain(myID: UInt64) async -> Result<Summary?, any Error> {
        let batch = state.withLock { state in
            let count = min(state.queue.count, maximumBatch)
            // The caller's own work must be in its batch.
            var taken = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            if !taken.contains(where: { $0.id == myID }), let index = state.queue.firstIndex(where: { $0.id == myID }) {
                taken.append(state.queue.remove(at: index))
            }
            return taken
        }
        let outcomes = await run(batch)
        let next = state.withLock { state -> Pending? in
            guard let first = state.queue.first else {
                state.draining = false
                return nil
            }
            return first
        }
        next?.continuation.resume(returning: .drain)
        var mine: Result<Summary?, any Error> = .success(nil)
        for (index, pending) in batch.enumerated() {
            if pending.id == myID {
                mine = outcomes[index]
            } else {
                pending.continuation.resume(returning: .finished(outcomes[index]))
            }
        }
        return mine
    }

    /// Commits the batch's changes, then brings the table up to the store.
    private func run(_ batch: [Pending]) async -> [Result<Summary?, any Error>] {
        var outcomes = [Result<Summary?, any Error>](repeating: .success(nil), count: batch.count)
        let updates = await commit(batch, outcomes: &outcomes)
        var failures: [DNSName: AuthorityError] = [:]
        let reload = batch.lastIndex { if case .reload = $0.work { true } else { false } }
        let catchUp = batch.contains { if case .catchUp = $0.work { true } else { false } }
        let appliedBefore = state.withLock { $0.applied }
        do {
            var zoneError: (any Error)? = nil
            if let reload, case .reload(let zones, let identity) = batch[reload].work {
                let sameIdentity = state.withLock { state in
                    defer { state.identity = identity }
                    return state.identity == identity
                }
                if sameIdentity, state.withLock({ $0.applied }) >= 0 {
                    // The table follows the store's ordered changes as it does between reloads,
                    // rather than being rebuilt from a snapshot (26 s and twice the memory at
                    // 2.4 M names, with every API write queued behind it). Changed zone files are
                    // put in place around the table first; if they would hide an owned name, the
                    // running zones are kept.
                    if let zones, !authority.servesStaticZones(zones) {
                        do { try authority.replaceZones(zones) } catch { zoneError = error }
                    }
                    for update in updates { try await follow(update, failures: &failures) }
                    try await catchUpNow(failures: &failures)
                } else {
                    zoneError = try await synchronize(staticZones: zones, failures: &failures)
                }
            } else {
                for update in updates { try await follow(update, failures: &failures) }
                if catchUp { try await catchUpNow(failures: &failures) }
            }
            log(failures)
            let advanced = state.withLock { $0.applied } != appliedBefore
            let summary = reload != nil || (catchUp && advanced) ? self.summary(skipped: failures.count) : nil
            for (index, pending) in batch.enumerated() {
                switch pending.work {
                case .changes(let changes):
                    guard case .success = outcomes[index] else { continue }
                    if let (name, error) = Self.names(changedBy: changes).lazy.compactMap({ name in
                        failures[name].map { (name, $0) }
                    }).first {
                        outcomes[index] = .failure(ChallengeWriterError(name: name, reason: error))
                    }
                case .catchUp:
                    outcomes[index] = .success(summary)
                case .reload:
                    outcomes[index] = zoneError.map { .failure($0) } ?? .success(summary)
                }
            }
        } catch {
            // The store could not be read: committed changes are durable but may not be served
            // yet; the next sync (any later change, the periodic catch-up) serves them.
            for index in batch.indices {
                if case .success = outcomes[index] { outcomes[index] = .failure(error) }
            }
        }
        return outcomes
    }

    /// Commits every change in the batch in one transaction; if that fails, each entry alone, so
    /// one bad change does not fail the others. Entries that fail get their error in `outcomes`.
    ///
    /// - Returns: the committed transactions' updates, in commit order.
    private func commit(_ batch: [Pending], outcomes: inout [Result<Summary?, any Error>]) async -> [StoreUpdate] {
        let entries = batch.indices.compactMap { index -> (Int, [StoreChange])? in
            guard case .changes(let changes) = batch[index].work, !changes.isEmpty else { return nil }
            return (index, changes)
        }
        guard !entries.isEmpty else { return [] }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let update = try await store.apply(entries.flatMap(\.1))
            let observer = commitObserver.withLock { $0 }
            observer?.observe(clock.now - start, entries.count)
            return [update]
        } catch {
            guard entries.count > 1 else {
                outcomes[entries[0].0] = .failure(error)
                return []
            }
        }
        var updates: [StoreUpdate] = []
        for (index, changes) in entries {
            do {
                updates.append(try await store.apply(changes))
            } catch {
                outcomes[index] = .failure(error)
            }
        }
        return updates
    }

    /// Applies one committed transaction: directly when it follows the applied sequence,
    /// otherwise through a catch-up that also brings in what others committed in between.
    private func follow(_ update: StoreUpdate, failures: inout [DNSName: AuthorityError]) async throws {
        let applied = state.withLock { $0.applied }
        if update.sequence <= applied { return }
        guard update.after == applied else {
            try await catchUpNow(failures: &failures)
            return
        }
        apply(update.names, through: update.sequence, failures: &failures)
    }

    /// Applies every change after the applied sequence, or a snapshot when the store's record of
    /// changes no longer reaches back that far.
    private func catchUpNow(failures: inout [DNSName: AuthorityError]) async throws {
        let applied = state.withLock { $0.applied }
        guard applied >= 0, let update = try await store.changes(after: applied) else {
            _ = try await synchronize(staticZones: nil, failures: &failures)
            return
        }
        guard update.sequence > applied else { return }
        apply(update.names, through: update.sequence, failures: &failures)
    }

    private func apply(_ names: [StoredName], through sequence: Int64, failures: inout [DNSName: AuthorityError]) {
        let identity = state.withLock { $0.identity }
        let now = now()
        failures.merge(authority.apply(states(names, now: now), identity: identity, now: now)) { _, new in new }
        state.withLock { $0.applied = sequence }
    }

    /// Rebuilds the table (and the static zones, if given) from a snapshot.
    ///
    /// - Returns: the error that kept the new zones from being installed, if any; the table is
    ///   synchronized with the current zones then.
    private func synchronize(
        staticZones: [Zone]?, failures: inout [DNSName: AuthorityError]
    ) async throws -> (
        any Error
    )? {
        let now = now()
        // The table is filled batch by batch on another thread while the store is still read: at
        // millions of names, reading and filling each take seconds.
        let (batches, producer) = AsyncStream.makeStream(of: [ChallengeState].self)
        let maximumValues = authority.configuration.maximumValuesPerName
        let current = authority.challengeTable
        let building = Task {
            var builder = ChallengeTableBuilder(maximumValuesPerName: maximumValues, replacing: current)
            for await batch in batches { builder.add(batch) }
            return builder
        }
        let sequence: Int64
        let states: [ChallengeState]
        do {
            (sequence, states) = try await store.snapshot(now: now.rawValue, batchSize: 4096) { [self] names in
                let states = self.states(names, now: now)
                producer.yield(states)
                return states
            }
            producer.finish()
        } catch {
            producer.finish()
            building.cancel()
            throw error
        }
        let prebuilt = await building.value
        let identity = state.withLock { $0.identity }
        var zoneError: (any Error)? = nil
        do {
            failures.merge(
                try authority.reconcile(
                    staticZones: staticZones, states: states, prebuilt: prebuilt, identity: identity, now: now)
            ) { _, new in new }
        } catch {
            zoneError = error
            failures.merge(
                try authority.reconcile(
                    staticZones: nil, states: states, prebuilt: prebuilt, identity: identity, now: now)
            ) { _, new in new }
        }
        state.withLock { $0.applied = sequence }
        return zoneError
    }

    /// The authority's form of stored names: unexpired values only.
    private func states(_ names: [StoredName], now: UnixTime) -> [ChallengeState] {
        let maximumTTL = authority.configuration.maximumChallengeTTL
        // An array of the texts: a lazy map would copy each stored name whole, twice.
        let parsed = DNSName.parsingMany(names.map { $0.name })
        return zip(names, parsed).compactMap { stored, name in
            guard let name else {
                logger.warning("stored name is not a domain name", metadata: ["name": "\(stored.name)"])
                return nil
            }
            var values = ChallengeValues()
            for value in stored.values where value.expires > now.rawValue {
                values.append(
                    text: value.text.utf8, ttl: min(value.ttl ?? maximumTTL, maximumTTL),
                    expires: UnixTime(rawValue: value.expires))
            }
            return ChallengeState(
                name: name, owner: stored.owned.map { ChallengeOwner(rawValue: $0.owner) },
                isZoneApex: stored.owned?.kind == .challengeZone, values: values)
        }
    }

    private func summary(skipped: Int) -> Summary {
        let table = authority.challengeTable
        var summary = Summary()
        summary.names = table.nameCount
        summary.values = table.valueCount
        summary.zones = authority.synthesizedZoneCount
        summary.skipped = skipped
        summary.sequence = state.withLock { $0.applied }
        return summary
    }

    private func log(_ failures: [DNSName: AuthorityError]) {
        for (name, error) in failures {
            logger.warning("owned name not served", metadata: ["name": "\(name)", "error": "\(error)"])
        }
    }

    /// The names a change names explicitly (the ones a caller expects served after it).
    private static func names(changedBy changes: [StoreChange]) -> [DNSName] {
        changes.flatMap { change -> [String] in
            switch change {
            case .addRegistration(_, let owned), .addOwnedName(let owned): [owned.name]
            case .addToken(_, let owned): owned.map(\.name)
            case .addValue(let value, _): [value.name]
            case .removeValue(let name, _): [name]
            case .deleteRegistration, .deleteToken, .replaceKeyHash, .removeExpired, .setManagerRecord: []
            }
        }.compactMap { try? DNSName($0) }
    }
}
