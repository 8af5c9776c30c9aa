public import Foundation

/// Where Cairn keeps what must survive a restart: credentials, owned names and the TXT values
/// published at them (DESIGN decision 4).
///
/// Every change goes through ``apply(_:)`` as one transaction, durable when it returns: the
/// hook API answers 2xx only after that. Each transaction takes the next sequence number and
/// records the names it touched, so a reader (the server's in-memory table, another instance
/// sharing the database) follows the store in commit order: a ``snapshot()`` at a known
/// sequence, then ``changes(after:)`` (DESIGN decision 4). The first implementation is
/// ``SQLiteStore``; a PostgreSQL one can follow behind the same protocol.
public protocol ChallengeStore: Sendable {
    /// The registration with `username`, if there is one.
    func registration(username: String) async throws(StoreError) -> Registration?
    /// Every registration, oldest first.
    func registrations() async throws(StoreError) -> [Registration]
    /// How many registrations there are (`/register` refuses new ones past `api.maxRegistrations`).
    func registrationCount() async throws(StoreError) -> Int
    /// The token with `id`, if there is one.
    func token(id: String) async throws(StoreError) -> Token?
    /// Every token, oldest first.
    func tokens() async throws(StoreError) -> [Token]
    /// Every owned challenge name.
    func ownedNames() async throws(StoreError) -> [OwnedName]
    /// The names `owner` holds.
    func ownedNames(owner: String) async throws(StoreError) -> [OwnedName]
    /// Values that expire after `now`, oldest first (the order they were published in).
    func liveValues(after now: Int64) async throws(StoreError) -> [StoredValue]
    /// Applies `changes` in order as one transaction; all or nothing, durable on return.
    ///
    /// - Returns: the transaction's sequence number and the state, after it, of every name it
    ///   touched.
    @discardableResult
    func apply(_ changes: [StoreChange]) async throws(StoreError) -> StoreUpdate
    /// Every owned name with its unexpired values (expiry after `now`), in name order, and the
    /// sequence number they are current at, read in one transaction and handed to `transform`
    /// `batchSize` names at a time inside it: a start-up reads millions of names, and only one
    /// batch of rows need exist at once.
    ///
    /// - Returns: the sequence number and what `transform` made of every batch, in order.
    func snapshot<Element: Sendable>(
        now: Int64, batchSize: Int, transform: @escaping @Sendable ([StoredName]) -> [Element]
    ) async throws(StoreError) -> (sequence: Int64, elements: [Element])
    /// The state of every name touched by transactions after `sequence`, or `nil` when the
    /// record of those transactions was pruned (the reader then needs a ``snapshot(now:)``).
    func changes(after sequence: Int64) async throws(StoreError) -> StoreUpdate?
    /// The sequence number of the last committed transaction.
    func sequence() async throws(StoreError) -> Int64
    /// Every record of the certificate manager's state, by key
    /// (``StoreChange/setManagerRecord(key:value:)``).
    func managerRecords() async throws(StoreError) -> [String: Data]
    /// Checks that the store answers a trivial query (for `GET /health`).
    func check() async throws(StoreError)
}

extension ChallengeStore {
    /// Every owned name with its unexpired values (expiry after `now`) and the sequence number
    /// they are current at, read in one transaction.
    public func snapshot(now: Int64) async throws(StoreError) -> StoreSnapshot {
        let (sequence, names) = try await snapshot(now: now, batchSize: .max) { $0 }
        return StoreSnapshot(sequence: sequence, names: names)
    }
}
