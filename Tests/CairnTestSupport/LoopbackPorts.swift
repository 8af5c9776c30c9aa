import NIOCore
import NIOPosix

/// Picks ports for peers that need a number in their configuration (Knot, NSD, unbound,
/// Pebble). Cairn itself binds port 0 and reports its port instead.
public enum LoopbackPorts {
    /// A port that was free for both UDP and TCP on `host` a moment ago. Another process could
    /// take it before the caller binds it; a peer that then fails to start is reported, not retried.
    public static func free(host: String = "127.0.0.1") async throws -> Int {
        var lastError: (any Error)? = nil
        for _ in 0..<50 {
            let tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: host, port: 0).get()
            let port = tcp.localAddress?.port ?? 0
            do {
                let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .bind(host: host, port: port).get()
                try await udp.close()
                try await tcp.close()
                return port
            } catch {
                lastError = error
                try await tcp.close()
            }
        }
        throw lastError ?? ChannelError.ioOnClosedChannel
    }
}
