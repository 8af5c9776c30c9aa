package import Foundation

/// Keeps orders inside a CA's published rate limits, so the manager waits instead of having
/// orders refused (RFC 8555 §6.6: a refused request is `rateLimited`, with a `Retry-After`).
///
/// Two limits, Let's Encrypt's by default (https://letsencrypt.org/docs/rate-limits/):
/// - new orders per ACME account: 300 per rolling 3 hours;
/// - certificates per exact set of names: 5 per rolling 168 hours (7 days). The set is compared
///   case- and order-insensitively, and counts *issued* certificates, across accounts — so keep
///   one budget per CA.
///
/// Let's Encrypt meters both with a token bucket that refills continuously; a rolling window of
/// the same size never allows a request the bucket would refuse, so this is the cautious
/// reading. Only the newest `count` entries of each key decide when the next fits, so no key
/// holds more; ``prune(now:)`` drops keys whose entries have all aged out. The history is
/// `Codable` for the manager to persist; ``limits`` is configuration and is not encoded (a
/// decoded budget has the Let's Encrypt limits until the manager sets its own).
package struct OrderBudget: Hashable, Sendable, Codable {
    /// One limit: at most `count` events per rolling `window`.
    package struct Limit: Hashable, Sendable {
        /// Which of the CA's limits.
        package enum Kind: String, Hashable, Sendable, Codable, CustomStringConvertible {
            /// New orders per ACME account.
            case newOrdersPerAccount
            /// Issued certificates per exact set of names.
            case certificatesPerExactNameSet

            package var description: String {
                switch self {
                case .newOrdersPerAccount: "new orders per account"
                case .certificatesPerExactNameSet: "certificates per exact set of names"
                }
            }
        }

        package var count: Int
        package var window: Duration

        package init(count: Int, window: Duration) {
            self.count = max(1, count)
            self.window = window
        }
    }

    /// The limits a budget enforces; `nil` leaves that limit unchecked and untracked.
    package struct Limits: Hashable, Sendable {
        package var newOrdersPerAccount: Limit?
        package var certificatesPerExactNameSet: Limit?

        package init(newOrdersPerAccount: Limit?, certificatesPerExactNameSet: Limit?) {
            self.newOrdersPerAccount = newOrdersPerAccount
            self.certificatesPerExactNameSet = certificatesPerExactNameSet
        }

        /// Let's Encrypt: 300 new orders per account per 3 hours; 5 certificates per exact set
        /// of names per 168 hours.
        package static let letsEncrypt = Self(
            newOrdersPerAccount: Limit(count: 300, window: .seconds(3 * 3600)),
            certificatesPerExactNameSet: Limit(count: 5, window: .seconds(168 * 3600)))

        /// No limits (a private CA, or Pebble in tests).
        package static let none = Self(newOrdersPerAccount: nil, certificatesPerExactNameSet: nil)
    }

    /// What holds a new order back, and until when.
    package struct Block: Hashable, Sendable {
        /// The earliest time the order fits every limit.
        package var until: Date
        /// The limit that waits longest.
        package var limit: Limit.Kind
    }

    /// Configuration, not history: not encoded. The limits of an account not in
    /// ``accountLimits``.
    package var limits: Limits = .letsEncrypt
    /// Configuration, not history: the limits of each account whose CA publishes others (an
    /// issuer's `rateLimits: none`, for a private CA or Pebble).
    package var accountLimits: [String: Limits] = [:]
    /// Per account: when orders were created, oldest first.
    package private(set) var orders: [String: [Date]] = [:]
    /// Per canonical name set (``nameSetKey(_:)``): when certificates were issued, oldest first.
    package private(set) var issued: [String: [Date]] = [:]

    enum CodingKeys: String, CodingKey { case orders, issued }

    package init(limits: Limits = .letsEncrypt) {
        self.limits = limits
    }

    /// The earliest time a new order for `names` by `account` fits every limit: `nil` when it
    /// fits at `now`.
    package func nextAllowed(account: String, names: some Sequence<String>, now: Date) -> Date? {
        block(account: account, nameSetKey: Self.nameSetKey(names), now: now)?.until
    }

    /// The limit that holds a new order back at `now`, and until when; `nil` when it fits.
    package func block(account: String, names: some Sequence<String>, now: Date) -> Block? {
        block(account: account, nameSetKey: Self.nameSetKey(names), now: now)
    }

    /// As ``block(account:names:now:)``, with the names already made a key by
    /// ``nameSetKey(_:)`` (the scheduling pass computes it once per certificate).
    package func block(account: String, nameSetKey: String, now: Date) -> Block? {
        let limits = limits(for: account)
        var result: Block?
        if let limit = limits.newOrdersPerAccount, let until = Self.fits(orders[account], limit, now) {
            result = Block(until: until, limit: .newOrdersPerAccount)
        }
        if let limit = limits.certificatesPerExactNameSet, let until = Self.fits(issued[nameSetKey], limit, now),
            until > result?.until ?? .distantPast
        {
            result = Block(until: until, limit: .certificatesPerExactNameSet)
        }
        return result
    }

    /// The limits that apply to `account`.
    package func limits(for account: String) -> Limits { accountLimits[account] ?? limits }

    /// Counts a new order (RFC 8555 §7.4 `newOrder`) by `account` at `date`, whether or not it
    /// goes on to be issued.
    package mutating func recordOrder(account: String, at date: Date) {
        guard let limit = limits(for: account).newOrdersPerAccount else { return }
        Self.record(date, in: &orders, key: account, limit)
    }

    /// Counts a certificate issued for `names` at `date` through `account` (whose limits
    /// apply; ``limits`` when `nil`).
    package mutating func recordIssued(names: some Sequence<String>, account: String? = nil, at date: Date) {
        guard let limit = (account.map { limits(for: $0) } ?? limits).certificatesPerExactNameSet else { return }
        Self.record(date, in: &issued, key: Self.nameSetKey(names), limit)
    }

    /// Drops every entry that no longer counts at `now`, and keys left empty. O(entries): the
    /// manager calls it once per scheduling pass, or before persisting.
    package mutating func prune(now: Date) {
        Self.prune(&orders, limits.newOrdersPerAccount, now)
        Self.prune(&issued, limits.certificatesPerExactNameSet, now)
    }

    /// The key of an exact set of names: lowercased, deduplicated, sorted, comma-joined — so
    /// `{B.example, a.example}` and `{a.example, b.example}` share one limit.
    package static func nameSetKey(_ names: some Sequence<String>) -> String {
        Set(names.map { $0.lowercased() }).sorted().joined(separator: ",")
    }

    /// When `entries` (oldest first) leave room for one more under `limit`; `nil` if now.
    private static func fits(_ entries: [Date]?, _ limit: Limit, _ now: Date) -> Date? {
        guard let entries, entries.count >= limit.count else { return nil }
        // Entries older than the window no longer count; the one that must age out for a new
        // event to fit is the `count`-th newest.
        let deciding = entries[entries.count - limit.count]
        let agesOut = deciding.addingTimeInterval(RenewalPolicy.seconds(limit.window))
        return agesOut > now ? agesOut : nil
    }

    private static func record(_ date: Date, in table: inout [String: [Date]], key: String, _ limit: Limit) {
        let horizon = date.addingTimeInterval(-RenewalPolicy.seconds(limit.window))
        var entries = table[key] ?? []
        entries.removeAll { $0 <= horizon }
        // Insert in order: a clock stepped back must not leave the list unsorted.
        let index = entries.lastIndex { $0 <= date }.map { $0 + 1 } ?? 0
        entries.insert(date, at: index)
        if entries.count > limit.count { entries.removeFirst(entries.count - limit.count) }
        table[key] = entries
    }

    private static func prune(_ table: inout [String: [Date]], _ limit: Limit?, _ now: Date) {
        guard let limit else {
            table.removeAll()
            return
        }
        let horizon = now.addingTimeInterval(-RenewalPolicy.seconds(limit.window))
        table = table.compactMapValues { entries in
            let kept = entries.filter { $0 > horizon }
            return kept.isEmpty ? nil : kept
        }
    }
}
