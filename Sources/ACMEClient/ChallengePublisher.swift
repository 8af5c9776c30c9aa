/// Where the ACME client puts dns-01 TXT values so the CA can read them (RFC 8555 §8.4).
///
/// The ACME client knows nothing of DNS serving: `cairn` wires in an implementation over
/// its own challenge table, and ``HTTPRequestPublisher`` publishes through a remote Cairn.
public protocol ChallengePublisher: Sendable {
    /// Makes each of `names` (fully qualified, no trailing dot needed) answerable where this
    /// publisher puts its values, before anything is published or looked up there: held for
    /// this publisher, inside a zone served there or as the apex of a zone made for it (NS
    /// delegation). Names that hold other data there are left alone. The default does
    /// nothing: the remote side prepares its names itself.
    func prepare(names: [String]) async throws
    /// Adds `value` to the TXT RRset at `name` (a fully qualified name, no trailing dot needed).
    func publish(name: String, value: String, ttl: UInt32, expiresAfterSeconds: Int64) async throws
    /// Removes `value` from the TXT RRset at `name`; other values there stay.
    func withdraw(name: String, value: String) async throws
    /// Whether values are served with the TTL given to ``publish(name:value:ttl:expiresAfterSeconds:)``
    /// (true by default). A preflight reads a canary back through a shared resolver only when it
    /// can publish it with TTL 0, so no resolver caches it over the real values.
    var servesGivenTTL: Bool { get }
}

extension ChallengePublisher {
    public func prepare(names: [String]) async throws {}
    public var servesGivenTTL: Bool { true }
}
