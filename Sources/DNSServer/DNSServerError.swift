/// Why the DNS server could not start listening.
public struct DNSServerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong. Open for additions: match with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case addressInUse = "address already in use"
            case bindFailed = "cannot listen"
            case invalidAddress = "not a numeric IP address"
        }

        fileprivate var base: Base

        /// Another process (another Cairn, another DNS server) holds the address.
        public static let addressInUse = Self(base: .addressInUse)
        /// The address cannot be bound for another reason (permission, not local).
        public static let bindFailed = Self(base: .bindFailed)
        /// The host is not an IPv4 or IPv6 address.
        public static let invalidAddress = Self(base: .invalidAddress)

        public var description: String { base.rawValue }
    }

    public var code: Code
    public var address: DNSListenAddress
    /// `udp` or `tcp`.
    public var transport: String
    /// What the system said.
    public var reason: String

    public init(_ code: Code, address: DNSListenAddress, transport: String, reason: String) {
        self.code = code
        self.address = address
        self.transport = transport
        self.reason = reason
    }

    public var description: String {
        switch code {
        case .addressInUse:
            "cannot listen on \(address) (\(transport)): \(reason); is another cairn or DNS server running there?"
        default:
            "cannot listen on \(address) (\(transport)): \(code): \(reason)"
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.address == rhs.address }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(address)
    }
}
