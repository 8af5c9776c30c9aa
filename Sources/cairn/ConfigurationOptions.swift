import ArgumentParser
import CairnApplication
import Configuration

/// Options every command that reads the configuration shares. Flags override environment
/// variables (`CAIRN_…`), which override the YAML file, which overrides the defaults.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (default: ./cairn.yaml if it exists; env CAIRN_CONFIG).")
    var config: String?

    @Option(name: .long, help: "Directory of master files, one zone per <origin>.zone (key zones.directory).")
    var zones: String?

    @Option(name: .customLong("state-dir"), help: "State directory: lock, pid (key state.directory).")
    var stateDirectory: String?

    @Option(
        name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical (key log.level).")
    var logLevel: String?

    /// The settings these options and `flags` (more keys from a command's own flags) select.
    func settings(_ flags: [AbsoluteConfigKey: ConfigValue] = [:]) async throws -> ServeSettings {
        var overrides = flags
        if let zones { overrides["zones.directory"] = ConfigValue(.string(zones), isSecret: false) }
        if let stateDirectory { overrides["state.directory"] = ConfigValue(.string(stateDirectory), isSecret: false) }
        if let logLevel { overrides["log.level"] = ConfigValue(.string(logLevel), isSecret: false) }
        return try await ServeSettings.read(configFile: config, overrides: overrides)
    }
}
