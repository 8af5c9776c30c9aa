import ArgumentParser

/// `cairn`: an authoritative DNS server that answers ACME dns-01 challenges itself.
@main
struct Cairn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cairn",
        abstract: "Authoritative DNS for ACME dns-01 challenges.",
        discussion: """
            With no subcommand, `cairn` runs `cairn serve`: it serves the zones in ./zones on \
            127.0.0.1:\(ServeSettings.defaultPort) over UDP and TCP.
            """,
        subcommands: [
            ServeCommand.self, ReloadCommand.self, CheckZonesCommand.self, IssueCommand.self, RegisterCommand.self,
            RegistrationCommand.self, TokenCommand.self, ImportCommand.self, RevokeCommand.self, AccountCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}
