/// Where Cairn keeps what must survive a restart: credentials, owned names and the TXT values
/// published at them (DESIGN decision 4).
///
/// Every change goes through ``apply(_:)`` as one transaction, durable when it returns: the
/// hook API answers 2xx only after that. The first implementation is ``SQLiteStore``; a
/// PostgreSQL one can follow behind the same protocol.
public protocol ChallengeStore: Sendable {
    /// The registration with `username`, if there is one.
    func registration(username: String) async throws(StoreError) -> Registration?
    /// Every registration, oldest first.
    func registrations() async throws(StoreError) -> [Registration]
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
    func apply(_ changes: [StoreChange]) async throws(StoreError)
    /// Checks that the store answers a trivial query (for `GET /health`).
    func check() async throws(StoreError)
}
