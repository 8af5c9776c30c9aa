import Logging
import ServiceLifecycle

/// The hook API application as `cairn serve` runs it: an error (the address taken, say) is
/// reported with the `api.listen` address, so the operator knows which listener failed. On the
/// default address, which nobody asked for explicitly, the error is a warning and the server
/// runs on without the API (a second `cairn serve` on one host still serves DNS).
struct HookAPIService: Service {
    let application: any Service
    let address: String
    let isDefaultAddress: Bool
    let logger: Logger

    func run() async throws {
        do {
            try await application.run()
        } catch {
            guard isDefaultAddress else {
                throw SettingsError("hook API on \(address) (key api.listen, flag --api-listen): \(error)")
            }
            logger.warning(
                "hook API not started on the default address; set api.listen (or --api-listen) to choose one",
                metadata: ["address": "\(address)", "error": "\(error)"])
        }
    }
}
