import DNSWire
import NIOCore
import NIOPosix
import Synchronization

/// Sends raw DNS messages to a server over UDP or TCP, with a timeout: the harness for
/// comparing servers byte for byte. Real clients (dig, kdig, drill) are run with ``Tool``.
public enum DNSTestClient {
    public enum Transport: Sendable { case udp, tcp }

    public struct Timeout: Error, CustomStringConvertible {
        public var description: String { "no DNS response in time" }
    }

    /// Sends `query` to `host:port` and returns the response, or throws ``Timeout``.
    public static func exchange(
        _ query: [UInt8], host: String, port: Int, transport: Transport, timeout: Duration = .seconds(2)
    ) async throws -> [UInt8] {
        let response = try await withTimeLimit(timeout) {
            switch transport {
            case .udp: return try await udp(query, host: host, port: port)
            case .tcp: return try await tcp([query], host: host, port: port).first
            }
        }
        guard let response = response ?? nil else { throw Timeout() }
        return response
    }

    /// Sends several queries on one TCP connection without waiting (pipelining, RFC 7766
    /// §6.2.1.1) and returns the responses in arrival order.
    public static func pipeline(
        _ queries: [[UInt8]], host: String, port: Int, timeout: Duration = .seconds(5)
    ) async throws -> [[UInt8]] {
        guard let responses = try await withTimeLimit(timeout, { try await tcp(queries, host: host, port: port) })
        else { throw Timeout() }
        return responses
    }

    /// Sends every query over UDP from `source` (any loopback address: Linux routes 127.0.0.0/8
    /// to `lo`) without waiting, then collects responses until `expecting` (by default one per
    /// query) have come or `wait` has passed; the responses in arrival order (a server may drop
    /// some).
    public static func burst(
        _ queries: [[UInt8]], host: String, port: Int, from source: String, wait: Duration = .seconds(2),
        expecting: Int? = nil
    ) async throws -> [[UInt8]] {
        let expected = expecting ?? queries.count
        let remote = try SocketAddress(ipAddress: host, port: port)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4 << 20)
            .bind(host: source, port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let collected = Mutex<[[UInt8]]>([])
        try await channel.executeThenClose { inbound, outbound in
            for query in queries {
                try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: query)))
            }
            _ = try await withTimeLimit(wait) {
                for try await envelope in inbound {
                    let count = collected.withLock { responses in
                        responses.append(Array(envelope.data.readableBytesView))
                        return responses.count
                    }
                    if count == expected { return }
                }
            }
        }
        return collected.withLock { $0 }
    }

    private static func udp(_ query: [UInt8], host: String, port: Int) async throws -> [UInt8]? {
        let remote = try SocketAddress(ipAddress: host, port: port)
        let local = host.contains(":") ? "::1" : "127.0.0.1"
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: local, port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: query)))
            for try await envelope in inbound {
                return Array(envelope.data.readableBytesView)
            }
            return nil
        }
    }

    private static func tcp(_ queries: [[UInt8]], host: String, port: Int) async throws -> [[UInt8]] {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var framed = ByteBuffer()
            for query in queries {
                framed.writeInteger(UInt16(query.count))
                framed.writeBytes(query)
            }
            try await outbound.write(framed)
            var pending = ByteBuffer()
            var responses: [[UInt8]] = []
            for try await chunk in inbound {
                var chunk = chunk
                pending.writeBuffer(&chunk)
                while let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self),
                    pending.readableBytes >= 2 + Int(length)
                {
                    pending.moveReaderIndex(forwardBy: 2)
                    responses.append(pending.readBytes(length: Int(length)) ?? [])
                }
                if responses.count == queries.count { break }
            }
            return responses
        }
    }
}
