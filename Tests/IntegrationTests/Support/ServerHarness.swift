import CairnTestSupport
import DNSReplication
import DNSServer
import DNSWire
import Logging
import NIOCore
import ServiceLifecycle

@testable import DNSAuthority

/// A ``DNSServer`` running in-process on loopback ports the system picked.
struct RunningServer: Sendable {
    var authority: Authority
    var server: DNSServer
    /// The bound TCP addresses (UDP shares each port), in configuration order.
    var addresses: [SocketAddress]
    var logs: LogRecords

    var ipv4Port: Int { addresses.first { $0.protocol == .inet }?.port ?? 0 }
    var ipv6Port: Int { addresses.first { $0.protocol == .inet6 }?.port ?? 0 }
}

/// Runs a server on 127.0.0.1 and ::1 (port 0) for the body, then shuts it down gracefully.
func withDNSServer<T: Sendable>(
    zones: [Zone], configuration authorityConfiguration: AuthorityConfiguration = AuthorityConfiguration(),
    configure: (inout DNSServerConfiguration) -> Void = { _ in },
    _ body: @Sendable (RunningServer) async throws -> T
) async throws -> T {
    let authority = try Authority(zones: zones, configuration: authorityConfiguration)
    return try await withDNSServer(authority: authority, configure: configure, body)
}

///
/// - Parameter transfers: zone transfers allowed as Cairn as a primary allows them, if given.
func withDNSServer<T: Sendable>(
    authority: Authority, configure: (inout DNSServerConfiguration) -> Void = { _ in },
    transfers: ReplicationConfiguration? = nil, _ body: @Sendable (RunningServer) async throws -> T
) async throws -> T {
    var configuration = DNSServerConfiguration(
        listenAddresses: [DNSListenAddress(host: "127.0.0.1", port: 0), DNSListenAddress(host: "::1", port: 0)],
        udpSocketsPerAddress: 2)
    configure(&configuration)
    let logs = LogRecords()
    let logger = logs.logger()
    let (bound, continuation) = AsyncStream<[SocketAddress]>.makeStream()
    let responder = transfers.map { transfers in
        TransferResponder(
            authority: authority, configuration: transfers,
            status: ReplicationStatus(secondaries: transfers.secondaries, fileZones: { authority.staticZoneApexes }),
            logger: logger, fileZones: { authority.staticZoneApexes })
    }
    let server = DNSServer(
        authority: authority, configuration: configuration, logger: logger, transferResponder: responder,
        onBound: { addresses in continuation.yield(addresses) })
    let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
    return try await withThrowingTaskGroup(of: T?.self) { tasks in
        tasks.addTask {
            // Also when the server fails to start, so the wait for its addresses ends.
            defer { continuation.finish() }
            try await group.run()
            return nil
        }
        var addresses: [SocketAddress]? = nil
        for await value in bound {
            addresses = value
            break
        }
        guard let addresses else {
            // The server stopped before binding: surface its error.
            try await tasks.waitForAll()
            throw TestHarnessError("the DNS server stopped before it listened")
        }
        let running = RunningServer(authority: authority, server: server, addresses: addresses, logs: logs)
        let result: Result<T, any Error>
        do {
            result = .success(try await body(running))
        } catch {
            result = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return try result.get()
    }
}

struct TestHarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Checks a response with libldns as well as Cairn's decoder, then decodes it.
func checkedResponse(_ bytes: [UInt8]) throws -> DNSMessage {
    if let problem = LDNSWireCheck.problem(parsing: bytes) {
        throw TestHarnessError("libldns cannot parse the response: \(problem)")
    }
    return try DNSMessage(decoding: bytes)
}

/// A query in wire form.
func queryBytes(_ name: DNSName, _ type: DNSRecordType, id: UInt16 = 7, edns: EDNS? = EDNS()) throws -> [UInt8] {
    let message = DNSMessage(header: DNSHeader(id: id), questions: [DNSQuestion(name: name, type: type)], edns: edns)
    return Array(try message.encoded().readableBytesView)
}
