import AsyncHTTPClient
package import CertificateManager
import Foundation
package import NIOCore
import NIOHTTP1

/// What `cairn certs`, `cairn renew` and `cairn issue` use to ask a running `cairn serve`
/// through its control socket (``ControlSocketService``).
///
/// Each call opens a connection (giving up after ``connectTimeout``), sends one request and
/// reads the answer; streamed answers are read line by line and each progress line handed to
/// the caller as it arrives.
package struct ControlClient: Sendable {
    package let socketPath: String
    package var connectTimeout: TimeAmount
    /// How long the server may take to start answering (the head of the response; a stream may
    /// then run as long as its operation does).
    package var answerTimeout: TimeAmount

    /// The longest line of a streamed answer accepted (a certificate chain and key are a few KiB).
    static let maximumLineLength = 4 << 20

    package init(socketPath: String, connectTimeout: TimeAmount = .seconds(5), answerTimeout: TimeAmount = .seconds(60))
    {
        self.socketPath = socketPath
        self.connectTimeout = connectTimeout
        self.answerTimeout = answerTimeout
    }

    /// A client for the server running with the state directory `stateDirectory`, or `nil` when
    /// none runs there (nobody holds its lock) or it serves no control socket.
    package static func connect(stateDirectory: String) -> ControlClient? {
        let path = ControlSocketService.path(in: stateDirectory)
        guard StateDirectory.runningServer(in: stateDirectory) != nil, Self.isSocket(path) else { return nil }
        return ControlClient(socketPath: path)
    }

    /// Why ``connect(stateDirectory:)`` found no server to talk to, as an operator reads it.
    package static func unavailableReason(stateDirectory: String) -> String {
        guard let pid = StateDirectory.runningServer(in: stateDirectory) else {
            return "no cairn serve is running with state directory \(stateDirectory)"
        }
        return "the cairn serve running with state directory \(stateDirectory) (pid \(pid)) serves no control "
            + "socket at \(ControlSocketService.path(in: stateDirectory))"
    }

    private static func isSocket(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSocket
    }

    // MARK: Requests

    /// Every declared certificate's status (`GET /certificates`).
    package func certificates() async throws -> [CertificateStatus] {
        try await withHTTPClient { http in
            let response = try await send(http, "/certificates", body: nil)
            let body = try await response.body.collect(upTo: Self.maximumLineLength)
            return try ControlJSON.decoder().decode([CertificateStatus].self, from: Data(body.readableBytesView))
        }
    }

    /// Renews `name` (every declared certificate when `nil`) through the server; each progress
    /// line goes to `progress` as the server reports it.
    ///
    /// - Returns: the status of each certificate acted on, after acting.
    /// - Throws: the server's error (``CertificateManagerError`` with the server's code when it
    ///   was one, e.g. `.configuration` for an unknown name), or ``CertificateManagerError``
    ///   with code `.controlSocket` when the server cannot be reached or stops answering.
    package func renew(
        name: String?, force: Bool, progress: (String) -> Void
    ) async throws -> [CertificateStatus] {
        try await streamed(
            "/renew", body: ControlRenewRequest(name: name, force: force), as: [CertificateStatus].self,
            progress: progress)
    }

    /// Gets one certificate through the server's own DNS (see ``renew(name:force:progress:)``
    /// for progress and errors).
    package func issue(_ request: OneShotIssueRequest, progress: (String) -> Void) async throws -> OneShotIssueResult {
        try await streamed("/issue", body: request, as: OneShotIssueResult.self, progress: progress)
    }

    // MARK: Transport

    private func streamed<Value: Codable & Sendable>(
        _ uri: String, body: some Encodable, as: Value.Type, progress: (String) -> Void
    ) async throws -> Value {
        let encoded = try ControlJSON.encoder().encode(body)
        return try await withHTTPClient { http in
            let response = try await send(http, uri, body: ByteBuffer(bytes: encoded))
            let decoder = ControlJSON.decoder()
            var pending = ByteBuffer()
            for try await chunk in response.body {
                pending.writeImmutableBuffer(chunk)
                while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending.readSlice(length: newline - pending.readerIndex)!
                    pending.moveReaderIndex(forwardBy: 1)
                    let message = try decoder.decode(ControlStreamLine<Value>.self, from: Data(line.readableBytesView))
                    if let text = message.progress { progress(text) }
                    if let result = message.result { return result }
                    if let error = message.error {
                        throw CertificateManagerError(Self.code(named: message.code), error)
                    }
                }
                guard pending.readableBytes <= Self.maximumLineLength else {
                    throw CertificateManagerError(
                        .controlSocket,
                        "control socket \(socketPath): a line longer than \(Self.maximumLineLength) bytes")
                }
                pending.discardReadBytes()
            }
            throw CertificateManagerError(
                .controlSocket, "cairn serve ended the answer on \(socketPath) before saying how it went (did it stop?)"
            )
        }
    }

    /// Sends one request (`GET` without a body, `POST` with a JSON one) and returns the response
    /// once its head says `200 OK`.
    private func send(_ http: HTTPClient, _ uri: String, body: ByteBuffer?) async throws -> HTTPClientResponse {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: uri) else {
            throw CertificateManagerError(.controlSocket, "cannot make a URL of the control socket \(socketPath)")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        if let body {
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response = try await http.execute(request, timeout: answerTimeout)
        guard response.status == .ok else {
            let text = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            throw CertificateManagerError(
                .controlSocket, "cairn serve answered \(uri) with \(response.status): \(text)")
        }
        return response
    }

    /// Runs `body` with a client for the socket, shut down afterwards; failing to reach or read
    /// from the server becomes a ``CertificateManagerError`` with code `.controlSocket`.
    private func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(timeout: .init(connect: connectTimeout)))
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(client))
        } catch let error as CertificateManagerError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(
                CertificateManagerError(.controlSocket, "cannot talk to cairn serve on \(socketPath): \(error)"))
        }
        try? await client.shutdown()
        return try outcome.get()
    }

    /// The error code the server named (``ControlStreamLine/code``); `.controlSocket` for a
    /// failure that was not a ``CertificateManagerError`` or one this client does not know.
    private static func code(named name: String?) -> CertificateManagerError.Code {
        let known: [CertificateManagerError.Code] = [
            .fileWrite, .fileRead, .accountKey, .preflight, .configuration, .deployHook, .issuance, .rateLimited,
            .controlSocket,
        ]
        return known.first { $0.description == name } ?? .controlSocket
    }
}
