import Logging
import ServiceLifecycle

/// The hook API application as `cairn serve` runs it: an error (the address taken, say) is
/// reported with the `api.listen` address, so the operator knows which listener failed. On the
/// default address, which nobody asked for explicitly, the error is a warning and the server
/// runs on without the API (a second `cairn serve` on one host still serves DNS).
///
/// With `api.tls.certificate: acme:NAME` the application is made only once that declared
/// certificate exists (`makeApplication` waits for it): the first start of a new server issues
/// it through its own DNS, then serves the API.
struct HookAPIService: Service {
    let makeApplication: @Sendable () async throws -> any Service
    let address: String
    let isDefaultAddress: Bool
    let logger: Logger

    func run() async throws {
        do {
            let application = try await cancelWhenGracefulShutdown { try await makeApplication() }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            try await application.run()
        } catch is CancellationError {
            return
        } catch {
            guard isDefaultAddress else {
                throw SettingsError(
                    .listen, key: "api.listen", "hook API on \(address) (key api.listen, flag --api-listen): \(error)")
            }
            logger.warning(
                "hook API not started on the default address; set api.listen (or --api-listen) to choose one",
                metadata: ["address": "\(address)", "error": "\(error)"])
        }
    }
}
