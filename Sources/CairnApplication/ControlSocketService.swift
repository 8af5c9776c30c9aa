package import CertificateManager
import Foundation
import HTTPTypes
import Hummingbird
package import Logging
import NIOCore
import NIOPosix
package import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The control socket (DESIGN decision 9): HTTP/1.1 on the Unix domain socket
/// `<state directory>/control.sock`, mode 0600 in the 0700 state directory, through which
/// `cairn certs`, `cairn renew` and `cairn issue` ask the running `cairn serve` (as `knotc` and
/// `unbound-control` do).
///
/// Routes, JSON bodies (``ControlJSON``: dates ISO 8601):
/// - `GET /certificates` → `[CertificateStatus]`.
/// - `POST /renew` with ``ControlRenewRequest`` → a stream of ``ControlStreamLine`` with a
///   `[CertificateStatus]` result.
/// - `POST /issue` with ``OneShotIssueRequest`` → a stream of ``ControlStreamLine`` with a
///   ``OneShotIssueResult`` result.
///
/// A streamed response is `200` with `Content-Type: application/x-ndjson`; each progress line
/// is written when the operation reports it, and the last line says whether it succeeded. If
/// the client goes away mid-stream, the operation is cancelled when the next line cannot be
/// written.
///
/// At start a socket file left by a server that is gone is removed; a socket something still
/// answers on, or a file that is not a socket, is refused. At stop the socket file is removed.
package struct ControlSocketService: Service {
    /// The socket's file name in the state directory.
    package static let fileName = "control.sock"

    /// The control socket of the state directory at `stateDirectory`.
    package static func path(in stateDirectory: String) -> String { "\(stateDirectory)/\(fileName)" }

    package let path: String
    package let control: any CertificateControl
    package let logger: Logger
    /// Told once the socket listens (with its final mode).
    package let onListening: @Sendable () async -> Void

    package init(
        path: String, control: any CertificateControl, logger: Logger,
        onListening: @escaping @Sendable () async -> Void = {}
    ) {
        self.path = path
        self.control = control
        self.logger = logger
        self.onListening = onListening
    }

    /// The service for the state directory at `stateDirectory` (``path(in:)``).
    package init(
        stateDirectory: String, control: any CertificateControl, logger: Logger,
        onListening: @escaping @Sendable () async -> Void = {}
    ) {
        self.init(path: Self.path(in: stateDirectory), control: control, logger: logger, onListening: onListening)
    }

    package func run() async throws {
        try await Self.removeStaleSocket(at: path, logger: logger)
        let path = self.path
        let logger = self.logger
        let onListening = self.onListening
        let application = Application(
            router: router(), server: .http1(),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: path), serverName: "cairn"),
            onServerRunning: { _ in
                // bind(2) gives the socket 0777 less the umask; connecting needs write permission,
                // so 0600 leaves the owner alone able to. The state directory is 0700, so nobody
                // else could reach it in between either.
                if chmod(path, 0o600) != 0 {
                    logger.error(
                        "cannot make the control socket owner-only",
                        metadata: ["socket": "\(path)", "error": "\(String(cString: strerror(errno)))"])
                }
                logger.info("serving the control socket", metadata: ["socket": "\(path)"])
                await onListening()
            }, logger: logger)
        // NIO removes the socket file when it closes the listener (at stop); one left by a
        // process that was killed is what removeStaleSocket(at:logger:) is for.
        do {
            try await application.run()
        } catch {
            throw CertificateManagerError(.controlSocket, "control socket \(path): \(error)")
        }
    }

    /// The routes, over ``control``.
    func router() -> Router<BasicRequestContext> {
        let control = self.control
        let router = Router()
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.get("/certificates") { _, _ in
            try Self.json(await control.certificates())
        }
        router.post("/renew") { request, context in
            let body = try await request.decode(as: ControlRenewRequest.self, context: context)
            return Self.streamed { progress in
                try await control.renew(name: body.name, force: body.force, progress: progress)
            }
        }
        router.post("/issue") { request, context in
            let body = try await request.decode(as: OneShotIssueRequest.self, context: context)
            return Self.streamed { progress in try await control.issue(body, progress: progress) }
        }
        return router
    }

    private static func json(_ value: some Encodable) throws -> Response {
        let data = try ControlJSON.encoder().encode(value)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A `200` whose body is ``ControlStreamLine``s: one per progress line as `operation`
    /// reports it, then its result or its error.
    private static func streamed<Value: Codable & Sendable>(
        _ operation: @escaping @Sendable (_ progress: @escaping @Sendable (String) -> Void) async throws -> Value
    ) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"],
            body: ResponseBody { writer in
                let (lines, continuation) = AsyncStream.makeStream(of: ControlStreamLine<Value>.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        let last: ControlStreamLine<Value>
                        do {
                            last = .result(try await operation { continuation.yield(.progress($0)) })
                        } catch {
                            last = .failure(error)
                        }
                        continuation.yield(last)
                        continuation.finish()
                    }
                    // Leaving this loop by a throw (the client went away) cancels the operation.
                    let encoder = ControlJSON.encoder()
                    for await line in lines {
                        var buffer = ByteBuffer(bytes: try encoder.encode(line))
                        buffer.writeInteger(UInt8(ascii: "\n"))
                        try await writer.write(buffer)
                    }
                    try await group.waitForAll()
                }
                try await writer.finish(nil)
            })
    }

    // MARK: The socket file

    /// Removes a socket file at `path` that nothing answers on (a server that is gone left it).
    ///
    /// - Throws: ``CertificateManagerError`` with code `.controlSocket` when something answers
    ///   on it, or `path` is not a socket.
    static func removeStaleSocket(at path: String, logger: Logger) async throws {
        // Not following a symbolic link; nothing there (or unreadable): bind reports the rest.
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeSocket else {
            throw CertificateManagerError(
                .controlSocket, "\(path) is not a socket; move it away so cairn serve can listen there")
        }
        do {
            let channel = try await ClientBootstrap(group: .singletonMultiThreadedEventLoopGroup)
                .connectTimeout(.seconds(2))
                .connect(unixDomainSocketPath: path).get()
            try? await channel.close()
        } catch let error as IOError where error.errnoCode == ECONNREFUSED || error.errnoCode == ENOENT {
            guard unlink(path) == 0 || errno == ENOENT else {
                throw CertificateManagerError(
                    .controlSocket,
                    "cannot remove the stale control socket \(path): \(String(cString: strerror(errno)))")
            }
            logger.notice("removed a stale control socket", metadata: ["socket": "\(path)"])
            return
        } catch {
            throw CertificateManagerError(.controlSocket, "control socket \(path): \(error)")
        }
        throw CertificateManagerError(
            .controlSocket,
            "another process answers on the control socket \(path): is another cairn serve running with this "
                + "state directory?")
    }
}
