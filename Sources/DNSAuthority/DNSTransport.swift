/// The transport a query arrived on, which bounds the response size.
public enum DNSTransport: Hashable, Sendable {
    /// UDP: responses fit min(max(client's EDNS size, 512), the configured maximum)
    /// octets, 512 without EDNS (RFC 1035 §4.2.1; RFC 6891 §6.2.5), else TC is set.
    case udp
    /// TCP or another stream: responses up to 65535 octets (RFC 1035 §4.2.2; RFC 7766).
    case tcp
}
