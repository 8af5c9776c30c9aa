import ServiceLifecycle

/// The hook API application as `cairn serve` runs it: an error (the address taken, say) is
/// reported with the `api.listen` address, so the operator knows which listener failed.
struct HookAPIService: Service {
    let application: any Service
    let address: String

    func run() async throws {
        do {
            try await application.run()
        } catch {
            throw SettingsError("hook API on \(address) (key api.listen, flag --api-listen): \(error)")
        }
    }
}
