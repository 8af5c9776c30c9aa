#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv6 address as carried in an AAAA record (RFC 3596 §2.2).
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The sixteen octets in network order.
    public private(set) var octets: [UInt8]

    /// Creates an address from exactly sixteen octets; `nil` otherwise.
    public init?(octets: [UInt8]) {
        guard octets.count == 16 else { return nil }
        self.octets = octets
    }

    /// Parses RFC 4291 §2.2 text (`2001:db8::1`, `::ffff:192.0.2.1`); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        var address = in6_addr()
        let parsed = String(text).withCString { inet_pton(AF_INET6, $0, &address) }
        guard parsed == 1 else { return nil }
        self.octets = withUnsafeBytes(of: &address) { Array($0) }
    }

    /// RFC 5952 text, as `inet_ntop` writes it.
    public var description: String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: octets) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
