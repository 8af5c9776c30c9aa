public import DNSWire

/// An IPv4 or IPv6 address as octets in network order (4 or 16 of them).
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack socket reports for an IPv4
/// peer) are stored as the IPv4 address, so one network list matches both spellings.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 octets for IPv4, 16 for IPv6.
    public let octets: [UInt8]

    /// Parses `192.0.2.1`, `2001:db8::1` or `[2001:db8::1]`.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = IPv4Address(text) {
            octets = v4.octets
        } else if let v6 = IPv6Address(text) {
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xFF, 0xFF]
            octets = v6.octets.starts(with: mappedPrefix) ? Array(v6.octets.suffix(4)) : v6.octets
        } else {
            return nil
        }
    }

    public var isIPv4: Bool { octets.count == 4 }

    public var description: String {
        if isIPv4 { return octets.map(String.init).joined(separator: ".") }
        return IPv6Address(octets: octets)?.description ?? "?"
    }
}
