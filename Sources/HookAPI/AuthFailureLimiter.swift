import NIOCore
import Synchronization

/// Counts authentication failures per client address and per credential (user name or token
/// id) in one-minute windows. Only failures are counted and only failures are refused: a correct
/// key always succeeds, so knowing a user name or token id (neither is secret) is not enough to
/// lock its owner out, and neither is sharing an address (a NAT, a proxy) with someone guessing.
///
/// Once an address or a credential has used up its failures, a further failure gets 429 instead
/// of 401. Checking a key Cairn made costs one SHA-256, so it is always checked first; a bcrypt
/// hash imported from acme-dns (about 90 ms of CPU) is refused with 429 before it is checked
/// while ``isBlocked(_:credential:now:)`` holds — it is replaced by SHA-256 on first success.
/// Guessing one user's key from many addresses is limited by the credential count, many users
/// from one address by the address count.
final class AuthFailureLimiter: Sendable {
    private let limit: Int
    private let windows = Mutex(MinuteWindows())

    init(failuresPerMinute: Int) { self.limit = failuresPerMinute }

    /// Whether `address`, or the credential `id` when one is named, has used up its failures.
    func isBlocked(_ address: IPAddress?, credential id: String?, now: NIODeadline = .now()) -> Bool {
        blockedFor(address, credential: id, now: now) != nil
    }

    /// How long until neither `address` nor the credential `id` has used up its failures (the
    /// later of the two windows to close), or `nil` when neither has.
    func blockedFor(_ address: IPAddress?, credential id: String?, now: NIODeadline = .now()) -> TimeAmount? {
        windows.withLock { windows in
            var keys: [String] = []
            if let address { keys.append(Self.key(address)) }
            if let id, !id.isEmpty { keys.append(Self.key(credential: id)) }
            return keys.filter { windows.count($0, now: now) >= limit }.compactMap { windows.remaining($0, now: now) }
                .max()
        }
    }

    /// Records one failure from `address` with the credential `id`, if one was named.
    func recordFailure(_ address: IPAddress?, credential id: String?, now: NIODeadline = .now()) {
        windows.withLock { windows in
            if let address { windows.record(Self.key(address), now: now) }
            if let id, !id.isEmpty { windows.record(Self.key(credential: id), now: now) }
        }
    }

    private static func key(_ address: IPAddress) -> String { "address \(address)" }
    private static func key(credential id: String) -> String { "credential \(id)" }
}
