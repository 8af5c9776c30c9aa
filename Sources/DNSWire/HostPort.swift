/// A numeric IP address and a port, as Cairn reads and writes them everywhere: listen
/// addresses, resolvers, the hook API's address (`192.0.2.1:53`, `[2001:db8::1]:53`).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// A numeric IPv4 or IPv6 address, without brackets.
    public var host: String
    /// The port; 0 lets the system pick one.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `192.0.2.1:53`, `[2001:db8::1]:53`, or an address alone with `defaultPort`.
    ///
    /// - Parameter defaultPort: the port of an address given alone; `nil` when a port is required.
    /// - Returns: `nil` when the text is not a numeric address with a port in 0…65535.
    public init?(parsing text: String, defaultPort: Int?) {
        var host = Substring(text)
        var port = defaultPort
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let value = Int(rest.dropFirst()) else { return nil }
                port = value
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let value = Int(host[host.index(after: colon)...]) else { return nil }
            port = value
            host = host[..<colon]
        }
        guard let port, (0...65535).contains(port), !host.isEmpty else { return nil }
        let isIPv4 =
            host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && host.allSatisfy { $0.isNumber || $0 == "." }
        let isIPv6 = host.contains(":") && host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        guard isIPv4 || isIPv6 else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// `host:port`, with an IPv6 host in brackets (RFC 3986 §3.2.2).
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
