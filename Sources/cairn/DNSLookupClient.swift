import DNSWire
import NIOCore
import NIOPosix

/// Asks one DNS server one question (UDP, then TCP when the answer is truncated), with a
/// time limit: how preflight reads challenge values back through a resolver and from each
/// nameserver of a delegation.
struct DNSLookupClient: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var server: String
        var question: String
        var reason: String
        var description: String { "\(server) did not answer \(question): \(reason)" }
    }

    var timeout: Duration = .seconds(3)
    var attempts = 2

    /// Sends `name`/`type` to `host:port` with recursion desired when `recursive`.
    func query(
        _ name: DNSName, _ type: DNSRecordType, host: String, port: Int, recursive: Bool
    ) async throws -> DNSMessage {
        let server = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let question = "\(name) \(type)"
        var header = DNSHeader(id: UInt16.random(in: 0...UInt16.max))
        header.recursionDesired = recursive
        let message = DNSMessage(
            header: header, questions: [DNSQuestion(name: name, type: type)], edns: EDNS(udpPayloadSize: 1232))
        let query = try message.encoded()
        let remote: SocketAddress
        do {
            remote = try SocketAddress(ipAddress: host, port: port)
        } catch {
            throw Failure(server: server, question: question, reason: "not an IP address")
        }
        var lastError = "no response in \(timeout)"
        for _ in 0..<attempts {
            do {
                guard let bytes = try await withTimeout({ try await udp(query, to: remote) }) else { continue }
                var response = try DNSMessage(decoding: bytes)
                guard response.header.id == header.id else { continue }
                if response.header.isTruncated {
                    guard let full = try await withTimeout({ try await tcp(query, to: remote) }) else { continue }
                    response = try DNSMessage(decoding: full)
                }
                return response
            } catch let error as Failure {
                throw error
            } catch {
                lastError = "\(error)"
            }
        }
        throw Failure(server: server, question: question, reason: lastError)
    }

    private func withTimeout(_ body: @escaping @Sendable () async throws -> ByteBuffer?) async throws -> ByteBuffer? {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
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
