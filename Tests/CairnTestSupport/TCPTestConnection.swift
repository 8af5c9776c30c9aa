public import NIOCore
import NIOPosix
import Synchronization

/// A DNS-over-TCP connection a test holds open across steps: send framed queries or raw
/// bytes, read responses one at a time, see when the server closes it.
///
/// Every wait is bounded: when the time passes it throws ``Failure`` saying what did not happen,
/// so a test fails instead of hanging. A connection the server ended is ``Outcome/closedByPeer``,
/// never confused with a send that failed or a response that did not come.
public final class TCPTestConnection: Sendable {
    /// What came back from the server.
    public enum Outcome: Equatable, Sendable, CustomStringConvertible {
        /// One DNS message (without its length prefix).
        case response([UInt8])
        /// The server closed (or reset) the connection, and no further response is queued.
        case closedByPeer

        public var description: String {
            switch self {
            case .response(let bytes): "a response of \(bytes.count) bytes"
            case .closedByPeer: "closed by the server"
            }
        }

        /// The response's bytes, `nil` when the server closed the connection.
        public var response: [UInt8]? {
            if case .response(let bytes) = self { return bytes }
            return nil
        }
    }

    /// A wait that ran out, a send that failed while the connection was still the client's, or
    /// a wait on a connection the test closed itself.
    public struct Failure: Error, CustomStringConvertible {
        public enum Kind: Sendable, Equatable {
            case timedOut
            case sendFailed
            case closedByTest
        }

        public var kind: Kind
        public var description: String
    }

    public let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    /// Connects to `host:port`, giving up after `timeout`.
    public static func connect(
        host: String, port: Int, timeout: Duration = .seconds(5)
    ) async throws -> TCPTestConnection {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(inbox: inbox))
                }
            }
            .connect(host: host, port: port)
            .get()
        return TCPTestConnection(channel: channel, inbox: inbox)
    }

    /// Sends one query with its 2-byte length prefix.
    public func send(_ query: [UInt8], timeout: Duration = .seconds(5)) async throws {
        var framed = ByteBuffer()
        framed.writeInteger(UInt16(query.count))
        framed.writeBytes(query)
        try await write(framed, timeout: timeout)
    }

    /// Sends bytes as they are (a trickle, a partial frame).
    public func sendRaw(_ bytes: [UInt8], timeout: Duration = .seconds(5)) async throws {
        try await write(ByteBuffer(bytes: bytes), timeout: timeout)
    }

    /// The next response, or ``Outcome/closedByPeer`` once the server has closed the connection
    /// and every response before the close was read. Throws ``Failure`` (`timedOut`) when
    /// neither comes within `timeout`.
    public func nextResponse(timeout: Duration = .seconds(5)) async throws -> Outcome {
        switch try await inbox.wait(for: .response, timeout: timeout, on: channel.eventLoop) {
        case .outcome(let outcome): return outcome
        case .closedByTest:
            throw Failure(kind: .closedByTest, description: "waited for a response on a connection the test closed")
        }
    }

    /// Sends a query and waits for its response. A send refused because the server had already
    /// closed the connection is ``Outcome/closedByPeer``; any other failure throws.
    public func ask(_ query: [UInt8], timeout: Duration = .seconds(5)) async throws -> Outcome {
        do {
            try await send(query, timeout: timeout)
        } catch let failure as Failure where failure.kind == .sendFailed {
            // A write fails when the server closed or reset the connection first (EPIPE,
            // ECONNRESET, or the channel already closed by the read side). Only that is an outcome.
            guard
                case .outcome(.closedByPeer) = try await inbox.wait(for: .end, timeout: timeout, on: channel.eventLoop)
            else { throw failure }
            return .closedByPeer
        }
        return try await nextResponse(timeout: timeout)
    }

    /// Whether the connection is still open.
    public var isOpen: Bool { channel.isActive }

    /// Waits until the server closes the connection. Throws ``Failure``: `timedOut` if it is still
    /// open after `timeout`, `closedByTest` if the test closed it itself. Responses that came
    /// before the close stay readable with ``nextResponse(timeout:)``.
    public func closed(timeout: Duration) async throws {
        guard case .outcome(.closedByPeer) = try await inbox.wait(for: .end, timeout: timeout, on: channel.eventLoop)
        else {
            throw Failure(kind: .closedByTest, description: "the connection was closed by the test, not the server")
        }
    }

    /// Closes the connection from the client's side.
    public func close() async {
        inbox.closingLocally()
        try? await channel.close()
    }

    private func write(_ buffer: ByteBuffer, timeout: Duration) async throws {
        let loop = channel.eventLoop
        let promise = loop.makePromise(of: Void.self)
        let channel = self.channel
        let inbox = self.inbox
        let bytes = buffer.readableBytes
        // On the deadline the write is abandoned and the connection closed, so nothing waits on it.
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) {
            inbox.closingLocally()
            promise.fail(
                Failure(kind: .timedOut, description: "sending \(bytes) bytes took longer than \(timeout)"))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(buffer).whenComplete { result in
            deadline.cancel()
            promise.completeWith(
                result.mapError { error in
                    Failure(kind: .sendFailed, description: "sending \(bytes) bytes failed: \(error)")
                })
        }
        try await promise.futureResult.get()
    }
}

/// What the connection has received, filled on the channel's event loop and read by the test.
private final class Inbox: Sendable {
    enum Wanted { case response, end }

    /// What a wait ends with.
    enum Delivery {
        case outcome(TCPTestConnection.Outcome)
        /// The test closed the connection itself (``TCPTestConnection/close()``, or a send deadline).
        case closedByTest
    }

    private struct Waiter {
        var id: Int
        var wanted: Wanted
        var continuation: CheckedContinuation<Delivery, any Error>
    }

    private struct State {
        var frames: [[UInt8]] = []
        /// Set when the connection ended: `true` when the server ended it.
        var endedByPeer: Bool?
        var closingLocally = false
        var waiter: Waiter?
        var nextID = 0

        /// What a wait for `wanted` gets now, `nil` while it must go on waiting.
        mutating func take(_ wanted: Wanted) -> Delivery? {
            if wanted == .response, !frames.isEmpty { return .outcome(.response(frames.removeFirst())) }
            guard let byPeer = endedByPeer else { return nil }
            return byPeer ? .outcome(.closedByPeer) : .closedByTest
        }
    }

    private let state = Mutex(State())

    func closingLocally() { state.withLock { $0.closingLocally = true } }

    func received(_ frame: [UInt8]) {
        deliver { $0.frames.append(frame) }
    }

    func ended() {
        deliver { $0.endedByPeer = !$0.closingLocally }
    }

    private func deliver(_ change: (inout State) -> Void) {
        let resumed = state.withLock { state -> (Waiter, Delivery)? in
            change(&state)
            guard let waiter = state.waiter, let delivery = state.take(waiter.wanted) else { return nil }
            state.waiter = nil
            return (waiter, delivery)
        }
        if let (waiter, delivery) = resumed { waiter.continuation.resume(returning: delivery) }
    }

    /// Waits at most `timeout` for a response (or the end, once no response is queued), or for the end.
    func wait(for wanted: Wanted, timeout: Duration, on loop: any EventLoop) async throws -> Delivery {
        try await withCheckedThrowingContinuation { continuation in
            let id = state.withLock { state -> Int? in
                if let delivery = state.take(wanted) {
                    continuation.resume(returning: delivery)
                    return nil
                }
                precondition(state.waiter == nil, "one wait at a time on a TCPTestConnection")
                state.nextID += 1
                state.waiter = Waiter(id: state.nextID, wanted: wanted, continuation: continuation)
                return state.nextID
            }
            guard let id else { return }
            loop.scheduleTask(in: TimeAmount(timeout)) { self.expire(id, wanted: wanted, after: timeout) }
        }
    }

    private func expire(_ id: Int, wanted: Wanted, after timeout: Duration) {
        let waiter = state.withLock { state -> Waiter? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter
        }
        let what = wanted == .response ? "no response and no close" : "the server did not close the connection"
        waiter?.continuation.resume(
            throwing: TCPTestConnection.Failure(kind: .timedOut, description: "\(what) within \(timeout)"))
    }
}

/// Splits the byte stream into length-prefixed DNS messages.
private final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let inbox: Inbox
    private var pending = ByteBuffer()

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        pending.writeBuffer(&chunk)
        while let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self),
            pending.readableBytes >= 2 + Int(length)
        {
            pending.moveReaderIndex(forwardBy: 2)
            inbox.received(pending.readBytes(length: Int(length)) ?? [])
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.ended()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset by the server arrives here before the close; the close is what tests see.
        context.close(promise: nil)
    }
}
