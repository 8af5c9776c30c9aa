/// An address prefix (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a host prefix), as used
/// by `allowfrom`, the register networks and the trusted proxies.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The address with the host bits as given.
    public let address: IPAddress
    /// The number of leading bits that must match.
    public let prefixLength: Int

    /// Parses CIDR text; brackets around an IPv6 address are accepted (acme-dns strips them).
    public init?(_ text: some StringProtocol) {
        let text = String(text).replacingBrackets()
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        // An IPv4-mapped IPv6 prefix written in IPv6 form would need its length shifted; refuse it.
        guard parts[0].contains(":") == !address.isIPv4 else { return nil }
        let bits = address.octets.count * 8
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII), let length = Int(parts[1]),
                (0...bits).contains(length)
            else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        self.address = address
    }

    /// Whether `candidate` lies inside this prefix.
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.octets.count == address.octets.count else { return false }
        var remaining = prefixLength
        for (mine, theirs) in zip(address.octets, candidate.octets) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            guard mine & mask == theirs & mask else { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }

    /// 127.0.0.0/8 and ::1/128.
    public static let loopback: [IPNetwork] = [IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!]
}

extension [IPNetwork] {
    /// Whether any network in the list contains `address`.
    func containsAddress(_ address: IPAddress) -> Bool { contains { $0.contains(address) } }
}

extension String {
    fileprivate func replacingBrackets() -> String { filter { $0 != "[" && $0 != "]" } }
}
