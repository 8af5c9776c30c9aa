public import DNSWire
import NIOCore
import NIOPosix

/// Asks one DNS server one question (UDP, then TCP when the answer is truncated), with a
/// time limit: how preflight reads challenge values back through a resolver and from each
/// nameserver of a delegation, how CNAMEs are followed, and how tests ask a server.
public struct DNSLookupClient: Sendable {
    /// How long one attempt may take.
    public var timeout: Duration
    /// How many times a question is sent before giving up.
    public var attempts: Int

    public init(timeout: Duration = .seconds(3), attempts: Int = 2) {
        self.timeout = timeout
        self.attempts = max(1, attempts)
    }

    /// Sends `name`/`type` to `server` with recursion desired when `recursive` (RFC 1035 §4.1.1).
    ///
    /// - Throws: ``DNSLookupError`` when no usable answer came in time.
    public func query(
        _ name: DNSName, _ type: DNSRecordType, server: HostPort, recursive: Bool
    ) async throws -> DNSMessage {
        let question = "\(name) \(type)"
        func failure(_ reason: String) -> DNSLookupError {
            DNSLookupError(server: server.description, question: question, reason: reason)
        }
        var header = DNSHeader(id: UInt16.random(in: 0...UInt16.max))
        header.recursionDesired = recursive
        let remote: SocketAddress
        let query: ByteBuffer
        do {
            query = try DNSMessage(
                header: header, questions: [DNSQuestion(name: name, type: type)], edns: EDNS(udpPayloadSize: 1232)
            ).encoded()
            remote = try SocketAddress(ipAddress: server.host, port: server.port)
        } catch {
            throw failure("not an IP address")
        }
        var lastError = "no response in \(timeout)"
        for _ in 0..<attempts {
            do {
                guard let udpAnswer = try await withTimeLimit(timeout, { try await udp(query, to: remote) }),
                    let bytes = udpAnswer
                else { continue }
                var response = try DNSMessage(decoding: bytes)
                guard response.header.id == header.id else { continue }
                if response.header.isTruncated {
                    guard let tcpAnswer = try await withTimeLimit(timeout, { try await tcp(query, to: remote) }),
                        let full = tcpAnswer
                    else { continue }
                    response = try DNSMessage(decoding: full)
                }
                return response
            } catch {
                lastError = "\(error)"
            }
        }
        throw failure(lastError)
    }

    private func udp(_ query: ByteBuffer, to remote: SocketAddress) async throws -> ByteBuffer? {
        let local = remote.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: local, port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: query))
            for try await envelope in inbound where envelope.remoteAddress == remote {
                return envelope.data
            }
            return nil
        }
    }

    private func tcp(_ query: ByteBuffer, to remote: SocketAddress) async throws -> ByteBuffer? {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(to: remote) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var framed = ByteBuffer()
            framed.writeInteger(UInt16(query.readableBytes))
            framed.writeImmutableBuffer(query)
            try await outbound.write(framed)
            var received = ByteBuffer()
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
                if let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
                    received.readableBytes >= Int(length) + 2
                {
                    return received.getSlice(at: received.readerIndex + 2, length: Int(length))
                }
            }
            return nil
        }
    }
}
