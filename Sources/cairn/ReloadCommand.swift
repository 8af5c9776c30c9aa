import ArgumentParser
import CairnApplication

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `cairn reload`: asks the running server to reload its zones (SIGHUP).
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the running cairn serve reload its configuration and zones (sends SIGHUP).")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let settings = try await options.settings()
        guard let pid = StateDirectory.runningServer(in: settings.stateDirectory) else {
            throw SettingsError(.notRunning, "no cairn is running with state directory \(settings.stateDirectory)")
        }
        guard kill(pid, SIGHUP) == 0 else {
            throw SettingsError(.notRunning, "cannot signal cairn (pid \(pid)): \(String(cString: strerror(errno)))")
        }
        print("asked cairn (pid \(pid)) to reload; its log says whether the zones loaded")
    }
}
