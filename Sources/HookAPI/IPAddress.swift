public import DNSWire
import Foundation

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

    /// 4 or 16 octets in network order, as they are (no IPv4-mapped folding).
    init(octets: [UInt8]) {
        precondition(octets.count == 4 || octets.count == 16, "an IP address has 4 or 16 octets")
        self.octets = octets
    }

    /// Parses an address as proxies write it in `X-Forwarded-For` and `Forwarded: for=`
    /// (RFC 7239 §6): optionally quoted, with a port after an IPv4 address or a bracketed IPv6
    /// one (`"192.0.2.43:47011"`, `"[2001:db8:cafe::17]:4711"`). `nil` for anything else,
    /// including RFC 7239's `unknown` and obfuscated `_hidden` identifiers.
    init?(forwarded text: some StringProtocol) {
        var text = Substring(String(text).trimmingCharacters(in: .whitespaces))
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let port = text[text.index(after: close)...]
            guard port.isEmpty || Self.isPort(port) else { return nil }
            text = text[...close]
        } else if let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].firstIndex(of: ":") == nil {
            guard Self.isPort(text[colon...]) else { return nil }
            text = text[..<colon]
        }
        self.init(text)
    }

    private static func isPort(_ text: Substring) -> Bool {
        text.hasPrefix(":") && text.count > 1 && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    public var isIPv4: Bool { octets.count == 4 }

    /// Whether the address is in 127.0.0.0/8 or is ::1.
    public var isLoopback: Bool { IPNetwork.loopback.containsAddress(self) }

    public var description: String {
        if isIPv4 { return octets.map(String.init).joined(separator: ".") }
        return IPv6Address(octets: octets)?.description ?? "?"
    }
}
