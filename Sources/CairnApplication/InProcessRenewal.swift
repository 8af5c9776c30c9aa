package import CertificateManager
import DNSServer
package import Logging

/// `cairn renew` where no `cairn serve` runs (a cron job, a systemd timer): takes the state
/// directory's lock, answers the challenges from its own DNS listeners (`dns.listen`, where the
/// delegations lead) for the length of the renewal, renews through the same certificate manager
/// as the server, and stops.
package enum InProcessRenewal {
    /// Renews `name` (every declared certificate when `nil`) if due, or whatever its schedule
    /// says with `force`.
    package static func run(
        settings: ServeSettings, name: String?, force: Bool, logger: Logger,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> [CertificateStatus] {
        let core = try await ServeCore(settings: settings, logger: logger)
        try await core.restore(logger: logger)
        try await core.manager.load()
        let (bound, boundSink) = AsyncStream.makeStream(of: Void.self)
        let server = DNSServer(
            authority: core.authority, configuration: settings.serverConfiguration, logger: logger,
            onBound: { _ in boundSink.yield() })
        let statuses: [CertificateStatus]
        do {
            statuses = try await renew(
                core: core, server: server, bound: bound, boundSink: boundSink, name: name, force: force,
                progress: progress)
        } catch {
            await core.manager.shutdown()
            throw error
        }
        await core.manager.shutdown()
        withExtendedLifetime(core) {}
        return statuses
    }

    private static func renew(
        core: ServeCore, server: DNSServer, bound: AsyncStream<Void>, boundSink: AsyncStream<Void>.Continuation,
        name: String?, force: Bool, progress: @escaping @Sendable (String) -> Void
    ) async throws -> [CertificateStatus] {
        try await withThrowingTaskGroup(of: [CertificateStatus]?.self) { group in
            group.addTask {
                defer { boundSink.finish() }
                try await server.run()
                return nil
            }
            for await _ in bound { break }
            group.addTask { try await core.manager.renew(name: name, force: force, progress: progress) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let statuses = result { return statuses }
            }
            return []
        }
    }
}
