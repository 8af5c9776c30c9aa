public import Foundation

/// One change to the store; ``ChallengeStore/apply(_:)`` applies a list of them in one transaction.
public enum StoreChange: Hashable, Sendable {
    /// Adds a registration and the name it owns.
    case addRegistration(Registration, OwnedName)
    /// Removes a registration, its names and their values.
    case deleteRegistration(username: String)
    /// Replaces a registration's key hash (an imported bcrypt hash by SHA-256 after first use).
    case replaceKeyHash(username: String, keyHash: String)
    /// Adds a token and the names it owns.
    case addToken(Token, [OwnedName])
    /// Removes a token, its names and their values.
    case deleteToken(id: String)
    /// Gives a name to an owner (fails if it has one).
    case addOwnedName(OwnedName)
    /// Publishes a value: replaces one with the same text at the name, then keeps only the
    /// `keepAtMost` most recent values there.
    case addValue(StoredValue, keepAtMost: Int)
    /// Removes the value with this text at this name.
    case removeValue(name: String, text: String)
    /// Removes every value that expired at or before the time given.
    case removeExpired(now: Int64)
    /// Sets (or, with `nil`, removes) one record of the certificate manager's own state: a
    /// certificate's schedule, backoff and order in flight, or the CA rate-limit budget. The
    /// store keeps the bytes it is given (JSON by convention) and changes no challenge name.
    case setManagerRecord(key: String, value: Data?)
}
