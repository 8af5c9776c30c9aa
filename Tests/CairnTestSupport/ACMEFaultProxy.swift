import ACMEClient
public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// An HTTPS proxy in front of an ACME server (Pebble) that injects the faults a CA's front end
/// shows: 500s, 503 with `Retry-After`, connections closed without an answer, slow answers and
/// truncated bodies, on a fixed schedule by request number, and counts what it injected and how
/// many orders the CA really created. The answer to the first order the CA creates is cut off
/// too, so a client must find that order again rather than place a second. It forwards `Host`
/// as the client sent it, since Pebble builds the URLs it lists from it, so every later request
/// comes through the proxy too.
public final class ACMEFaultProxy: Sendable {
    public enum Fault: String, CaseIterable, Sendable, Hashable {
        /// 500 with a `serverInternal` problem, the CA not asked.
        case internalError
        /// 503 with `Retry-After: 1`, the CA not asked.
        case unavailable
        /// The connection closed with no answer, the CA not asked.
        case reset
        /// The CA's answer, a second late.
        case slow
        /// The CA's answer cut off halfway through its body, then the connection closed.
        case truncated
    }

    /// What the proxy did so far.
    public struct Counts: Sendable {
        public var injected: [Fault: Int] = [:]
        public var forwarded = 0
        /// newOrder requests (Pebble's `/order-plz`) the CA answered 201: orders created.
        public var ordersCreated = 0
        /// Orders created whose answer was cut off (counted in `injected[.truncated]` too).
        public var orderAnswersLost = 0
    }

    /// `https://127.0.0.1:PORT`.
    public let url: String
    /// The PEM file of the root the proxy's certificate chains to (`--ca-bundle`).
    public let trustedRootsFile: String
    private let state: Mutex<(requests: Int, orderAnswersToLose: Int, streaks: [String: Int], counts: Counts)>
    /// The most faults in a row one URL gets: fewer than the client's budget of retries
    /// (`ACMEClientConfiguration.serverErrorRetries`, 4), so the test sees the budget absorb
    /// faults rather than a schedule that happened to fail one request five times running.
    public static let longestStreak = 2
    private let schedule: @Sendable (_ number: Int, _ path: String) -> Fault?

    private init(
        url: String, trustedRootsFile: String, orderAnswersToLose: Int,
        schedule: @escaping @Sendable (_ number: Int, _ path: String) -> Fault?
    ) {
        self.state = Mutex((0, orderAnswersToLose, [:], Counts()))
        self.url = url
        self.trustedRootsFile = trustedRootsFile
        self.schedule = schedule
    }

    public var counts: Counts { state.withLock { $0.counts } }

    /// The default schedule: of every 16 requests, one gets 500, one is closed unanswered, one
    /// gets 503, one is slow and one truncated, newOrders included.
    public static let everyKind: @Sendable (Int, String) -> Fault? = { number, _ in
        switch number % 16 {
        case 3: return .internalError
        case 6: return .reset
        case 9: return .unavailable
        case 12: return .slow
        case 15: return .truncated
        default: return nil
        }
    }

    /// Runs a proxy to `upstream` (`https://HOST:PORT`, its certificate trusted through
    /// `upstreamRoots`) for the length of `body`. The answers to the first `orderAnswersToLose`
    /// orders the CA creates are cut off halfway, whatever the schedule says.
    public static func with<T: Sendable>(
        upstream: String, upstreamRoots: String, orderAnswersToLose: Int = 1,
        schedule: @escaping @Sendable (Int, String) -> Fault? = everyKind,
        _ body: @Sendable (ACMEFaultProxy) async throws -> T
    ) async throws -> T {
        let identity = try TestTLSIdentity()
        defer { identity.remove() }
        // The client Cairn's ACME client uses: the CA's root trusted, no redirects followed.
        let client = try ACMEHTTPClient.make(trustingAlso: upstreamRoots)
        let context = try NIOSSLContext(configuration: identity.serverConfiguration)
        let holder = Mutex<ACMEFaultProxy?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let proxy = holder.withLock({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        ProxyHandler(proxy: proxy, client: client, upstream: upstream))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = ACMEFaultProxy(
            url: "https://127.0.0.1:\(channel.localAddress?.port ?? 0)", trustedRootsFile: identity.rootPEMFile,
            orderAnswersToLose: orderAnswersToLose, schedule: schedule)
        holder.withLock { $0 = proxy }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(proxy))
        } catch {
            outcome = .failure(error)
        }
        try? await channel.close().get()
        try? await client.shutdown()
        return try outcome.get()
    }

    /// The fault for the next request to `path`, counted.
    fileprivate func nextFault(path: String) -> Fault? {
        state.withLock { state in
            state.requests += 1
            var fault = schedule(state.requests, path)
            if fault != nil, state.streaks[path, default: 0] >= Self.longestStreak { fault = nil }
            state.streaks[path] = fault == nil ? nil : state.streaks[path, default: 0] + 1
            if let fault { state.counts.injected[fault, default: 0] += 1 }
            return fault
        }
    }

    /// Counts the CA's answer to a forwarded request; true when it is an order's to be cut off.
    fileprivate func recordForward(path: String, status: Int, fault: Fault?) -> Bool {
        state.withLock { state in
            state.counts.forwarded += 1
            guard path.hasSuffix("/order-plz"), status == 201 else { return false }
            state.counts.ordersCreated += 1
            guard state.orderAnswersToLose > 0 else { return false }
            state.orderAnswersToLose -= 1
            state.counts.orderAnswersLost += 1
            if fault != .truncated { state.counts.injected[.truncated, default: 0] += 1 }
            return true
        }
    }
}

/// One client connection: a request collected, then answered with a fault or the CA's answer.
private final class ProxyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let proxy: ACMEFaultProxy
    private let client: HTTPClient
    private let upstream: String
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(proxy: ACMEFaultProxy, client: HTTPClient, upstream: String) {
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            respond(to: head, body: body, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let fault = proxy.nextFault(path: head.uri)
        switch fault {
        case .reset:
            context.close(promise: nil)
            return
        case .internalError:
            write(status: .internalServerError, headers: [], body: Self.problem("serverInternal"), context: context)
            return
        case .unavailable:
            write(
                status: .serviceUnavailable, headers: [("Retry-After", "1")], body: Self.problem("serverInternal"),
                context: context)
            return
        case .slow, .truncated, nil:
            break
        }
        var request = HTTPClientRequest(url: upstream + head.uri)
        request.method = head.method
        for (name, value) in head.headers where name.lowercased() != "content-length" {
            request.headers.add(name: name, value: value)
        }
        if body.readableBytes > 0 { request.body = .bytes(body) }
        let client = self.client
        let proxy = self.proxy
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        loop.makeFutureWithTask { () -> (HTTPResponseStatus, HTTPHeaders, ByteBuffer) in
            let response = try await client.execute(request, timeout: .seconds(30))
            let collected = try await response.body.collect(upTo: 4 << 20)
            return (response.status, response.headers, collected)
        }.whenComplete { result in
            let context = bound.value
            switch result {
            case .failure:
                context.close(promise: nil)
            case .success(let (status, headers, collected)):
                let losesAnswer = proxy.recordForward(path: head.uri, status: Int(status.code), fault: fault)
                let answer = {
                    let pairs = headers.filter {
                        !["content-length", "transfer-encoding", "connection"].contains($0.name.lowercased())
                    }.map { ($0.name, $0.value) }
                    if fault == .truncated || losesAnswer {
                        self.writeTruncated(status: status, headers: pairs, body: collected, context: context)
                    } else {
                        self.write(status: status, headers: pairs, body: collected, context: context)
                    }
                }
                if fault == .slow {
                    loop.scheduleTask(in: .seconds(1)) { answer() }
                } else {
                    answer()
                }
            }
        }
    }

    private static func problem(_ type: String) -> ByteBuffer {
        ByteBuffer(string: #"{"type":"urn:ietf:params:acme:error:\#(type)","detail":"injected by the fault proxy"}"#)
    }

    private func write(
        status: HTTPResponseStatus, headers: [(String, String)], body: ByteBuffer, context: ChannelHandlerContext
    ) {
        var fields = HTTPHeaders(headers)
        fields.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes)")
        fields.replaceOrAdd(name: "Connection", value: "close")
        if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            fields.add(name: "Content-Type", value: "application/problem+json")
        }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    private func writeTruncated(
        status: HTTPResponseStatus, headers: [(String, String)], body: ByteBuffer, context: ChannelHandlerContext
    ) {
        var fields = HTTPHeaders(headers)
        fields.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes + 1)")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields))), promise: nil)
        let half = body.getSlice(at: body.readerIndex, length: body.readableBytes / 2) ?? ByteBuffer()
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(half)))).whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
