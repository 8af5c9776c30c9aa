import CairnApplication
import DNSWire
import Foundation
import HookAPI
import Logging
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the credential commands (`register`, `registration`, `token`, `import`) share: the
/// configuration, the store in the private state directory (refused when others could write
/// to it, see ``StateDirectory/secure(path:logger:)``), and a way to tell a running server.
struct StoreSession {
    let settings: ServeSettings
    let store: SQLiteStore

    init(options: ConfigurationOptions) async throws {
        settings = try await options.settings()
        // Fixes are logged to standard error; standard output carries what the command prints.
        try StateDirectory.secure(path: settings.stateDirectory, logger: Logger(label: "cairn"))
        store = try SQLiteStore(path: settings.storePath)
    }

    /// Asks a running server to reload (SIGHUP), so new names answer at once; returns a line
    /// saying what happened.
    func notifyServer() -> String {
        guard let pid = StateDirectory.runningServer(in: settings.stateDirectory) else {
            return
                "no cairn serve is running with state directory \(settings.stateDirectory); it picks this up at start"
        }
        guard kill(pid, SIGHUP) == 0 else {
            return "could not signal cairn (pid \(pid)): \(String(cString: strerror(errno))); run cairn reload"
        }
        return "asked cairn (pid \(pid)) to reload"
    }

    /// The auth zone (`api.authZone`), or an error saying how to set it.
    func authZone(for purpose: String) throws -> DNSName {
        guard let zone = settings.api.hook.authZone else {
            throw SettingsError(
                .missingValue, key: "api.authZone",
                "\(purpose) needs an auth zone: set api.authZone (env CAIRN_API_AUTH_ZONE)")
        }
        return zone
    }
}
