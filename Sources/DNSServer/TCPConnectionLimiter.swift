import DNSWire
import NIOCore
import Synchronization

/// Caps open TCP connections in total and per client prefix (RFC 7766 §6.2.2 asks servers to
/// protect themselves from clients that hold many connections).
///
/// At the total cap a new connection is not refused while another has sat idle for
/// ``evictableIdleTime``: the one idle longest is closed for it (RFC 7766 §6.2.3 lets a server
/// close idle connections under load), so a crowd of connections that never send a query
/// cannot lock resolvers falling back to TCP out. The per-prefix cap is never lifted.
final class TCPConnectionLimiter: Sendable {
    /// One admitted connection.
    final class Slot: Sendable {
        let prefix: [UInt8]
        let channel: any Channel
        /// When it was accepted or last delivered a query (uptime nanoseconds).
        let lastActivity: Atomic<UInt64>
        /// Set once its count was given back (released, or evicted).
        let released = Atomic<Bool>(false)

        init(prefix: [UInt8], channel: any Channel, now: NIODeadline) {
            self.prefix = prefix
            self.channel = channel
            self.lastActivity = Atomic(now.uptimeNanoseconds)
        }

        /// Records a query on the connection: it is not idle.
        func noteActivity(now: NIODeadline = .now()) { lastActivity.store(now.uptimeNanoseconds, ordering: .relaxed) }
    }

    private let maximum: Int
    private let maximumPerPrefix: Int
    private let ipv4PrefixLength: Int
    private let ipv6PrefixLength: Int
    let evictableIdleTime: TimeAmount
    private let state = Mutex<State>(State())

    private struct State {
        var total = 0
        var byPrefix: [[UInt8]: Int] = [:]
        var open: [ObjectIdentifier: Slot] = [:]
    }

    init(configuration: DNSServerConfiguration.TCP, evictableIdleTime: TimeAmount = .seconds(1)) {
        self.maximum = configuration.maximumConnections
        self.maximumPerPrefix = configuration.maximumConnectionsPerPrefix
        self.ipv4PrefixLength = configuration.ipv4PrefixLength
        self.ipv6PrefixLength = configuration.ipv6PrefixLength
        self.evictableIdleTime = evictableIdleTime
    }

    /// Takes a slot for `channel`, closing the connection idle longest when the total cap is
    /// reached; `nil` when its prefix is at its cap, or every connection was active lately.
    func admit(_ channel: any Channel, now: NIODeadline = .now()) -> Slot? {
        let prefix = self.prefix(of: channel.remoteAddress)
        let (slot, evicted): (Slot?, Slot?) = state.withLock { state in
            guard state.byPrefix[prefix, default: 0] < maximumPerPrefix else { return (nil, nil) }
            var evicted: Slot? = nil
            if state.total >= maximum {
                let idleSince = now.uptimeNanoseconds &- UInt64(max(0, evictableIdleTime.nanoseconds))
                guard
                    let oldest = state.open.values.min(by: {
                        $0.lastActivity.load(ordering: .relaxed) < $1.lastActivity.load(ordering: .relaxed)
                    }), oldest.lastActivity.load(ordering: .relaxed) <= idleSince
                else { return (nil, nil) }
                Self.forget(oldest, in: &state)
                evicted = oldest
            }
            let slot = Slot(prefix: prefix, channel: channel, now: now)
            state.total += 1
            state.byPrefix[prefix, default: 0] += 1
            state.open[ObjectIdentifier(slot)] = slot
            return (slot, evicted)
        }
        evicted?.channel.close(promise: nil)
        return slot
    }

    /// Gives back the slot taken by ``admit(_:now:)``; a slot evicted already is not counted twice.
    func release(_ slot: Slot) {
        state.withLock { Self.forget(slot, in: &$0) }
    }

    private static func forget(_ slot: Slot, in state: inout State) {
        guard !slot.released.exchange(true, ordering: .relaxed) else { return }
        state.total -= 1
        let remaining = state.byPrefix[slot.prefix, default: 1] - 1
        state.byPrefix[slot.prefix] = remaining > 0 ? remaining : nil
        state.open[ObjectIdentifier(slot)] = nil
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
