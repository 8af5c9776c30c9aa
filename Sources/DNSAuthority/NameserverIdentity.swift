public import DNSWire

/// The names Cairn gives itself in synthesized zones: the NS targets and the SOA
/// MNAME/RNAME of every `_acme-challenge.<domain>` zone built in code.
public struct NameserverIdentity: Hashable, Sendable {
    /// Cairn's server names, first one also the SOA MNAME (RFC 1035 §3.3.13). Not empty.
    public var nameservers: [DNSName]
    /// The SOA RNAME, a mailbox in name form (`hostmaster.example.net.`).
    public var hostmaster: DNSName
    /// TTL of the synthesized SOA and NS records.
    public var ttl: UInt32
    /// The SOA MINIMUM, the TTL of negative answers (RFC 2308 §4).
    public var negativeTTL: UInt32

    /// - Precondition: `nameservers` is not empty.
    public init(nameservers: [DNSName], hostmaster: DNSName, ttl: UInt32 = 3600, negativeTTL: UInt32 = 30) {
        precondition(!nameservers.isEmpty, "a zone needs at least one name server")
        self.nameservers = nameservers
        self.hostmaster = hostmaster
        self.ttl = ttl
        self.negativeTTL = negativeTTL
    }
}
