public import DNSWire

/// An address and port the DNS server listens on, over both UDP and TCP; port 0 lets the
/// system pick one (tests), which UDP then shares with TCP.
public typealias DNSListenAddress = HostPort
