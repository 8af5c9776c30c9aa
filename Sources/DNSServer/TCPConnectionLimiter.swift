import DNSWire
import NIOCore
import Synchronization

/// Caps open TCP connections in total and per client prefix (RFC 7766 §6.2.2 asks servers to
/// protect themselves from clients that hold many connections).
final class TCPConnectionLimiter: Sendable {
    private let maximum: Int
    private let maximumPerPrefix: Int
    private let ipv4PrefixLength: Int
    private let ipv6PrefixLength: Int
    private let state = Mutex<State>(State())

    private struct State {
        var total = 0
        var byPrefix: [[UInt8]: Int] = [:]
    }

    init(configuration: DNSServerConfiguration.TCP) {
        self.maximum = configuration.maximumConnections
        self.maximumPerPrefix = configuration.maximumConnectionsPerPrefix
        self.ipv4PrefixLength = configuration.ipv4PrefixLength
        self.ipv6PrefixLength = configuration.ipv6PrefixLength
    }

    /// Takes a slot for a connection from `peer`; `nil` when a cap is reached.
    func admit(_ peer: SocketAddress?) -> [UInt8]? {
        let prefix = self.prefix(of: peer)
        return state.withLock { state in
            guard state.total < maximum, state.byPrefix[prefix, default: 0] < maximumPerPrefix else { return nil }
            state.total += 1
            state.byPrefix[prefix, default: 0] += 1
            return prefix
        }
    }

    /// Gives back the slot taken by ``admit(_:)``.
    func release(_ prefix: [UInt8]) {
        state.withLock { state in
            state.total -= 1
            let remaining = state.byPrefix[prefix, default: 1] - 1
            state.byPrefix[prefix] = remaining > 0 ? remaining : nil
        }
    }

    var openConnections: Int { state.withLock { $0.total } }

    /// The peer's address masked to the configured prefix length, family byte first.
    private func prefix(of peer: SocketAddress?) -> [UInt8] {
        guard let text = peer?.ipAddress else { return [0] }
        if let address = IPv4Address(text) { return [4] + Self.mask(address.octets, bits: ipv4PrefixLength) }
        if let address = IPv6Address(text) { return [6] + Self.mask(address.octets, bits: ipv6PrefixLength) }
        return [0]
    }

    private static func mask(_ bytes: [UInt8], bits: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            let keep = max(0, min(8, bits - index * 8))
            return keep == 8 ? byte : byte & ~(UInt8(0xFF) >> UInt8(keep))
        }
    }
}
