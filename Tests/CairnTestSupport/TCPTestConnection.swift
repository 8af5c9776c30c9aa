public import NIOCore
import NIOPosix

/// A DNS-over-TCP connection a test holds open across steps: send framed queries or raw
/// bytes, read responses one at a time, see when the server closes it.
public final class TCPTestConnection: Sendable {
    public let channel: any Channel
    private let responses: AsyncStream<[UInt8]>

    private init(channel: any Channel, responses: AsyncStream<[UInt8]>) {
        self.channel = channel
        self.responses = responses
    }

    public static func connect(host: String, port: Int) async throws -> TCPTestConnection {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(continuation: continuation))
                }
            }
            .connect(host: host, port: port)
            .get()
        return TCPTestConnection(channel: channel, responses: stream)
    }

    /// Sends one query with its 2-byte length prefix.
    public func send(_ query: [UInt8]) async throws {
        var framed = ByteBuffer()
        framed.writeInteger(UInt16(query.count))
        framed.writeBytes(query)
        try await channel.writeAndFlush(framed)
    }

    /// Sends bytes as they are (a trickle, a partial frame).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// The next response, or `nil` once the server has closed the connection.
    public func nextResponse() async -> [UInt8]? {
        for await response in responses { return response }
        return nil
    }

    /// Sends a query and waits for its response (`nil`: the server closed the connection).
    public func ask(_ query: [UInt8]) async -> [UInt8]? {
        do {
            try await send(query)
        } catch {
            return nil
        }
        return await nextResponse()
    }

    public var isOpen: Bool { channel.isActive }

    /// Waits until the server closes the connection.
    public func closed() async {
        try? await channel.closeFuture.get()
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Splits the byte stream into length-prefixed DNS messages.
private final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<[UInt8]>.Continuation
    private var pending = ByteBuffer()

    init(continuation: AsyncStream<[UInt8]>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        pending.writeBuffer(&chunk)
        while let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self),
            pending.readableBytes >= 2 + Int(length)
        {
            pending.moveReaderIndex(forwardBy: 2)
            continuation.yield(pending.readBytes(length: Int(length)) ?? [])
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }
}
