import ServiceLifecycle

/// Runs `service` once the challenge table has been restored from the store at start-up.
///
/// What writes to the table or acts on it (the hook API, the store follower, reloads, the
/// certificate manager, the control socket) waits; the DNS listener does not: it answers static
/// data at once and holds negative answers back until the table is complete. A restore that
/// fails fails the service, which stops the server.
struct RestoreGatedService: Service {
    let restore: Task<Void, any Error>
    let service: any Service

    func run() async throws {
        try await restore.value
        try await service.run()
    }
}

extension ServiceGroupConfiguration.ServiceConfiguration {
    /// This configuration with its service started only after `restore`.
    func afterRestore(_ restore: Task<Void, any Error>) -> Self {
        var gated = self
        gated.service = RestoreGatedService(restore: restore, service: service)
        return gated
    }
}
