import CairnTestSupport
import DNSReplication
import DNSWire
import Foundation
import NIOCore
import NIOPosix
import Testing

// TSIG against independent implementations: BIND's dig and Knot's kdig sign queries that Cairn
// verifies and verify the responses Cairn signs; Knot as a TSIG-protected primary sends an AXFR
// stream Cairn verifies, and refuses requests Cairn signs with the wrong secret or key.

private func unixTime() -> UInt64 { UInt64(Date().timeIntervalSince1970) }

private func randomKey(_ algorithm: TSIGAlgorithm, name: DNSName = "xfr-key.") -> TSIGKey {
    TSIGKey.generate(name: name, algorithm: algorithm)
}

/// `key` with one bit of its secret changed.
private func wrongSecret(_ key: TSIGKey) -> TSIGKey {
    var wrong = key
    wrong.secret[0] ^= 0x01
    return wrong
}

/// What ``serveOneQuery(respond:client:)`` saw: the query the client sent (without its length
/// prefix, `nil` if none came) and the client's result.
private struct Exchange: Sendable {
    var query: [UInt8]?
    var client: Tool.Result
}

/// Listens on 127.0.0.1 (port 0), runs `client` with the port, reads one framed query from the
/// first connection, writes `respond(query)` back framed, and waits for the client to close.
/// Everything is bounded: at most 20 s for the query and the close.
private func serveOneQuery(
    respond: @escaping @Sendable ([UInt8]) throws -> [UInt8]?,
    client: @escaping @Sendable (Int) async throws -> Tool.Result
) async throws -> Exchange {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    let port = try #require(server.channel.localAddress?.port)
    async let clientResult = client(port)
    let query: [UInt8]?? = try await withTimeLimit(.seconds(20)) {
        try await server.executeThenClose { connections -> [UInt8]? in
            for try await connection in connections {
                return try await connection.executeThenClose { input, output -> [UInt8]? in
                    var pending = ByteBuffer()
                    var query: [UInt8]? = nil
                    for try await var chunk in input {
                        pending.writeBuffer(&chunk)
                        guard query == nil, let length = pending.getInteger(at: pending.readerIndex, as: UInt16.self),
                            pending.readableBytes >= 2 + Int(length)
                        else { continue }
                        let received = pending.getBytes(at: pending.readerIndex + 2, length: Int(length))!
                        query = received
                        if let answer = try respond(received) {
                            var framed = ByteBuffer()
                            framed.writeInteger(UInt16(answer.count))
                            framed.writeBytes(answer)
                            try await output.write(framed)
                        }
                    }
                    return query
                }
            }
            return nil
        }
    }
    return Exchange(query: query ?? nil, client: try await clientResult)
}

/// A response to `query` (an SOA query for example.com.) with one SOA answer, signed with
/// `key` over the request MAC when the query verifies with `keyring`.
private func signedAnswer(to query: [UInt8], keyring: TSIGKeyring, signingKey: TSIGKey) throws -> [UInt8]? {
    let buffer = ByteBuffer(bytes: query)
    guard case .verified(_, let record) = TSIG.verifyRequest(buffer, keyring: keyring, now: unixTime()) else {
        return nil
    }
    let request = try DNSMessage(decoding: buffer)
    var header = DNSHeader(id: request.header.id, flags: request.header.flags)
    header.isResponse = true
    header.isAuthoritative = true
    let soa = DNSRData.SOA(
        primaryNameserver: "ns1.example.com.", responsibleMailbox: "hostmaster.example.com.", serial: 2_024_010_101,
        refresh: 3600, retry: 600, expire: 86400, minimum: 300)
    var response = try DNSMessage(
        header: header, questions: request.questions,
        answers: [DNSRecord(name: "example.com.", ttl: 300, rdata: .soa(soa))], edns: request.edns.map { _ in EDNS() }
    ).encoded()
    TSIG.sign(&response, key: signingKey, time: unixTime(), requestMAC: record.mac)
    return Array(response.readableBytesView)
}

struct TSIGSigningClient: Sendable, CustomTestStringConvertible {
    var tool: String
    var algorithm: TSIGAlgorithm

    var testDescription: String { "\(tool) with \(algorithm)" }

    func arguments(key: TSIGKey, port: Int) -> [String] {
        let common = ["-y", "\(key.algorithm.mnemonic):\(key.name):\(key.base64Secret)", "@127.0.0.1", "-p", "\(port)"]
        let options = tool == "dig" ? ["+tcp", "+tries=1", "+time=5"] : ["+tcp", "+retry=0", "+time=5"]
        return common + options + ["example.com", "SOA"]
    }
}

// MARK: - Knot as a TSIG-protected primary

/// The ports and zone of a running Knot.
private struct TSIGKnotPrimary: Sendable {
    var port: Int
    static let zone: DNSName = "example.com."
    static let txtRecords = 3000
}

/// Starts Knot serving example.com. (SOA, NS, A and 3000 TXT records of about 110 octets,
/// several AXFR messages) to transfers signed with one of `keys`, runs `body`, and stops Knot.
private func withTSIGKnotPrimary<T: Sendable>(
    keys: [TSIGKey], _ body: @escaping @Sendable (TSIGKnotPrimary) async throws -> T
) async throws -> T {
    let knotd = try HostSystem.executable("knotd")
    return try await withTemporaryDirectory(prefix: "cairn-tsig-knot") { directory in
        let port = try await LoopbackPorts.free()
        var zone = [
            "$ORIGIN example.com.", "$TTL 300", "@ SOA ns1 hostmaster 2024010101 3600 600 86400 300", "@ NS ns1",
            "ns1 A 192.0.2.1",
        ]
        let filler = String(repeating: "x", count: 100)
        zone += (0..<TSIGKnotPrimary.txtRecords).map { "r\($0) TXT \"\(filler)-\($0)\"" }
        try directory.write("zones/example.com.zone", zone.joined(separator: "\n") + "\n")
        try FileManager.default.createDirectory(atPath: directory.file("knot/db"), withIntermediateDirectories: true)
        var lines =
            KnotConfiguration.serverSections(directory: directory, port: port) + [
                "key:"
            ]
        for key in keys {
            lines += [
                "  - id: \(key.name)", "    algorithm: \(key.algorithm.mnemonic)", "    secret: \(key.base64Secret)",
            ]
        }
        lines += [
            "acl:",
            "  - id: transfer",
            "    key: [\(keys.map { "\($0.name)" }.joined(separator: ", "))]",
            "    action: transfer",
        ]
        lines += KnotConfiguration.fileZonesTemplate(storage: directory.file("zones"))
        lines += ["zone:", "  - domain: example.com", "    acl: transfer"]
        let configuration = try directory.write("knot.conf", lines.joined(separator: "\n") + "\n")
        return try await Daemon.with(
            knotd, ["-c", configuration], logPath: directory.file("knot.log"),
            ready: { await servesZone(port: port) }
        ) { _ in
            try await body(TSIGKnotPrimary(port: port))
        }
    }
}

/// Whether the server on `port` answers the zone's SOA with data (the zone is loaded).
private func servesZone(port: Int) async -> Bool {
    guard
        let query = try? DNSMessage(
            header: DNSHeader(id: 0xF00D), questions: [DNSQuestion(name: TSIGKnotPrimary.zone, type: .soa)]
        ).encoded(),
        let bytes = try? await DNSTestClient.exchange(
            Array(query.readableBytesView), host: "127.0.0.1", port: port, transport: .udp,
            timeout: .milliseconds(300)),
        let response = try? DNSMessage(decoding: bytes)
    else { return false }
    return response.responseCode == .noError && !response.answers.isEmpty
}

/// The messages of an AXFR of example.com. signed with `key`, read until the closing SOA, an
/// error response or the end of the connection; and the request's MAC.
private func signedTransfer(port: Int, key: TSIGKey) async throws -> (messages: [ByteBuffer], requestMAC: [UInt8]) {
    var request = try DNSMessage(
        header: DNSHeader(id: 0x5A5A), questions: [DNSQuestion(name: TSIGKnotPrimary.zone, type: .axfr)]
    ).encoded()
    let requestMAC = TSIG.sign(&request, key: key, time: unixTime())
    let connection = try await TCPTestConnection.connect(host: "127.0.0.1", port: port)
    var messages: [ByteBuffer] = []
    do {
        try await connection.send(Array(request.readableBytesView))
        var soaRecords = 0
        while soaRecords < 2, messages.count < 1000 {
            guard let bytes = try await connection.nextResponse(timeout: .seconds(10)).response else { break }
            messages.append(ByteBuffer(bytes: bytes))
            let message = try DNSMessage(decoding: bytes)
            guard message.responseCode == .noError else { break }
            soaRecords += message.answers.filter { $0.type == .soa }.count
        }
    } catch {
        await connection.close()
        throw error
    }
    await connection.close()
    return (messages, requestMAC)
}

@Suite(.timeLimit(.minutes(2))) struct TSIGInteropTests {
    @Test(arguments: [
        TSIGSigningClient(tool: "dig", algorithm: .hmacSHA256), TSIGSigningClient(tool: "kdig", algorithm: .hmacSHA512),
    ])
    func toolSignedQueryVerifiesAndToolVerifiesOurResponse(client: TSIGSigningClient) async throws {
        let key = randomKey(client.algorithm)
        let keyring = try TSIGKeyring([key])
        let arguments = client.arguments(key: key, port: 0)
        let exchange = try await serveOneQuery(
            respond: { try signedAnswer(to: $0, keyring: keyring, signingKey: key) },
            client: { port in
                try await Tool.run(client.tool, client.arguments(key: key, port: port), timeLimit: .seconds(20))
            })
        let query = try #require(exchange.query, "\(client.tool) sent nothing: \(exchange.client.output)")
        let buffer = ByteBuffer(bytes: query)

        // The query is signed with the key, by the tool's own implementation (RFC 8945 §5.2).
        guard
            case .verified(let verifiedKey, let record) = TSIG.verifyRequest(buffer, keyring: keyring, now: unixTime())
        else {
            Issue.record(
                "\(client.tool)'s query did not verify: \(TSIG.verifyRequest(buffer, keyring: keyring, now: unixTime()))"
            )
            return
        }
        #expect(verifiedKey == key)
        #expect(record.algorithm == client.algorithm.rawValue)
        let other = try TSIGKeyring([wrongSecret(key)])
        guard case .rejected(let failure) = TSIG.verifyRequest(buffer, keyring: other, now: unixTime()) else {
            Issue.record("\(client.tool)'s query verified with another secret")
            return
        }
        #expect(failure.code == .badSig)

        // The tool verified the response Cairn signed over its request MAC (RFC 8945 §5.3, §5.4).
        let output = exchange.client.output
        #expect(output.contains("NOERROR"), "\(client.tool) \(arguments.joined(separator: " ")):\n\(output)")
        #expect(output.contains("TSIG PSEUDOSECTION"), "\(output)")
        #expect(!output.lowercased().contains("verif"), "\(output)")
        #expect(!output.contains("could not be validated"), "\(output)")
    }

    @Test(arguments: [
        TSIGSigningClient(tool: "dig", algorithm: .hmacSHA256), TSIGSigningClient(tool: "kdig", algorithm: .hmacSHA512),
    ])
    func toolRejectsAResponseSignedWithAnotherSecret(client: TSIGSigningClient) async throws {
        let key = randomKey(client.algorithm)
        let keyring = try TSIGKeyring([key])
        let exchange = try await serveOneQuery(
            respond: { try signedAnswer(to: $0, keyring: keyring, signingKey: wrongSecret(key)) },
            client: { port in
                try await Tool.run(client.tool, client.arguments(key: key, port: port), timeLimit: .seconds(20))
            })
        #expect(exchange.query != nil)
        let output = exchange.client.output
        #expect(
            output.contains("could not be validated") || output.lowercased().contains("verif"),
            "\(client.tool) accepted a response signed with another secret:\n\(output)")
    }

    @Test func knotTransferVerifiesMessageByMessage() async throws {
        let keys = [randomKey(.hmacSHA256), randomKey(.hmacSHA512, name: "xfr-key-512.")]
        try await withTSIGKnotPrimary(keys: keys) { knot in
            for key in keys {
                let (messages, requestMAC) = try await signedTransfer(port: knot.port, key: key)
                #expect(messages.count >= 3, "an AXFR of \(TSIGKnotPrimary.txtRecords) TXT records in one message?")
                var verifier = TSIGStreamVerifier(key: key, requestMAC: requestMAC)
                var txtRecords = 0
                var soaRecords = 0
                for message in messages {
                    try verifier.verify(message, now: unixTime())
                    let decoded = try DNSMessage(decoding: message)
                    #expect(decoded.responseCode == .noError)
                    txtRecords += decoded.answers.filter { $0.type == .txt }.count
                    soaRecords += decoded.answers.filter { $0.type == .soa }.count
                }
                try verifier.finish()
                #expect(verifier.messageCount == messages.count)
                #expect(txtRecords == TSIGKnotPrimary.txtRecords)
                #expect(soaRecords == 2)

                // The same stream does not verify with another secret, nor out of order.
                var wrong = TSIGStreamVerifier(key: wrongSecret(key), requestMAC: requestMAC)
                #expect(throws: TSIGFailure.self) { try wrong.verify(messages[0], now: unixTime()) }
                var reordered = TSIGStreamVerifier(key: key, requestMAC: requestMAC)
                try reordered.verify(messages[0], now: unixTime())
                #expect(throws: TSIGFailure.self) { try reordered.verify(messages[2], now: unixTime()) }
            }
        }
    }

    @Test func knotRefusesAWrongSecretOrKey() async throws {
        let key = randomKey(.hmacSHA256)
        try await withTSIGKnotPrimary(keys: [key]) { knot in
            let cases: [(TSIGKey, TSIGErrorCode)] = [
                (wrongSecret(key), .badSig), (randomKey(.hmacSHA256, name: "unknown-key."), .badKey),
            ]
            for (requestKey, expected) in cases {
                let (messages, requestMAC) = try await signedTransfer(port: knot.port, key: requestKey)
                let response = try #require(messages.first)
                #expect(messages.count == 1)
                #expect(try DNSMessage(decoding: response).responseCode == .notAuth)
                var verifier = TSIGStreamVerifier(key: requestKey, requestMAC: requestMAC)
                let error = try #require(throws: TSIGFailure.self) { try verifier.verify(response, now: unixTime()) }
                #expect(error.code == expected)
                #expect(error.record?.error == expected.rawValue)
                #expect(error.record?.mac.isEmpty == true)
            }
        }
    }
}
