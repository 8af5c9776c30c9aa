/// Where the ACME client puts dns-01 TXT values so the CA can read them (RFC 8555 §8.4).
///
/// The ACME client knows nothing of DNS serving: `cairn` wires in an implementation over
/// its own challenge table, and ``HTTPRequestPublisher`` publishes through a remote Cairn.
public protocol ChallengePublisher: Sendable {
    /// Adds `value` to the TXT RRset at `name` (a fully qualified name, no trailing dot needed).
    func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws
    /// Removes `value` from the TXT RRset at `name`; other values there stay.
    func withdraw(name: String, value: String) async throws
}
